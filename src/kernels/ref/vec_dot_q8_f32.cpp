// Q8_0 weights against the F32 activation row itself (no activation rounding): the scalar
// reference of KernelTable::q8_0_f32 (kernels.hpp). The order every ISA variant reproduces bit
// for bit, per block b of 32 with weights q[0..31] (int8, exact as floats), scale d_b (fp16) and
// activations x[0..31] (fma = one rounding):
//   lo[l] = fma(q[16 + l], x[16 + l], fma(q[l], x[l], 0))             l = 0..7
//   hi[l] = fma(q[24 + l], x[24 + l], fma(q[8 + l], x[8 + l], 0))
//   acc[l] = fma(d_b, lo[l] + hi[l], acc[l])                           blocks in order
//   result = ((acc0 + acc4) + (acc2 + acc6)) + ((acc1 + acc5) + (acc3 + acc7))
// lo/hi are what two 8-lane FMAs or one 16-lane FMA pair per block compute, so AVX2 (4 FMAs of
// 8 lanes) and AVX-512 (2 FMAs of 16 lanes, then low + high half) give the same bits.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/ref/ref.hpp"
#include "quant/blocks.hpp"

namespace slim::kernels::ref {

float vec_dot_q8_0_f32(const void* row, const void* act, size_t n) {
  const auto* blocks = static_cast<const uint8_t*>(row);
  // The activation row may be at any address (callers and tests pass misaligned rows): read
  // it with memcpy, never through a float pointer.
  const auto* x = static_cast<const uint8_t*>(act);
  constexpr size_t kLanes = 8;
  const size_t nb = n / quant::kQ8_0Elems;
  float acc[kLanes] = {};
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk = blocks + b * quant::kQ8_0Bytes;
    float xb[quant::kQ8_0Elems];
    std::memcpy(xb, x + b * quant::kQ8_0Elems * sizeof(float), sizeof(xb));
    float q[quant::kQ8_0Elems];
    for (size_t j = 0; j < quant::kQ8_0Elems; ++j) {
      int8_t v;
      std::memcpy(&v, blk + 2 + j, 1);
      q[j] = static_cast<float>(v);
    }
    const float d = quant::block_scale(blk);
    for (size_t l = 0; l < kLanes; ++l) {
      const float lo = std::fma(q[16 + l], xb[16 + l], std::fma(q[l], xb[l], 0.0f));
      const float hi = std::fma(q[24 + l], xb[24 + l], std::fma(q[8 + l], xb[8 + l], 0.0f));
      const float s = lo + hi;
      acc[l] = std::fma(d, s, acc[l]);
    }
  }
  return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

}  // namespace slim::kernels::ref
