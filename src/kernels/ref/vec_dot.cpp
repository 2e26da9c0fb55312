// Scalar weight-row dot products and the Q8 activation quantizer.
//
// Float types (F32, F16, BF16): sum w[i] * x[i] in element order in one float accumulator.
// Products and sums are separate statements so that no compiler fuses them into FMAs (results
// are identical on every target). SIMD variants reorder this sum (tested with a tolerance).
//
// Block types against a Q8 activation row (Q8_0, Q4_0), the order every ISA variant reproduces
// bit for bit:
//   isum_b = sum_j wq_b[j] * xq_b[j]                   exact int32 (Q4_0: sum_j u_b[j] * xq_b[j]
//                                                       - 8 * s_b, u = the stored nibble 0..15)
//   term_b = float(isum_b) * (dw_b * dx_b)             dw * dx rounded first, then the product
//   lane[b % 8] += term_b                              8 float partial sums, blocks in order
//   result = ((lane0 + lane4) + (lane2 + lane6)) + ((lane1 + lane5) + (lane3 + lane7))
// float(isum_b) is exact (|isum_b| <= 32 * 128 * 127 < 2^24). The 8 lanes are what a 256-bit
// float vector holds, and the final tree is its usual horizontal sum, so AVX2, AVX-512 and NEON
// compute the same bits as this code.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/fp16.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/ref.hpp"
#include "quant/blocks.hpp"

namespace slim::kernels::ref {

namespace {

constexpr size_t kLanes = 8;

float lane_tree(const float* l) {
  return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

int32_t load_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

float vec_dot_f32(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const float*>(act);
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float p = load_f32(w + 4 * i) * x[i];  // separate statements: never fused into an FMA
    sum += p;
  }
  return sum;
}

float vec_dot_f16(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const float*>(act);
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, w + 2 * i, 2);
    const float p = fp16_to_f32(h) * x[i];
    sum += p;
  }
  return sum;
}

float vec_dot_bf16(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const float*>(act);
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, w + 2 * i, 2);
    const float p = bf16_to_f32(h) * x[i];
    sum += p;
  }
  return sum;
}

// Per block of 32: amax = max |x| (comparisons `a > amax`, so a nan is skipped), d = amax / 127,
// id = 1 / d (0 if d == 0), v = x * id clamped with `v > -127 ? v : -127` then `v < 127 ? v : 127`
// (a nan becomes -127), q = nearbyint(v) (ties to even in the default rounding mode), s = sum q.
// Every step is a correctly rounded IEEE operation or exact, so SIMD variants match bit for bit.
void quantize_q8(const float* x, void* act, size_t n) {
  auto* base = static_cast<uint8_t*>(act);
  const size_t nb = n / kQ8ActBlock;
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * kQ8ActBlock;
    float amax = 0.0f;
    for (size_t j = 0; j < kQ8ActBlock; ++j) {
      const float a = std::fabs(xb[j]);
      amax = a > amax ? a : amax;
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    int32_t s = 0;
    for (size_t j = 0; j < kQ8ActBlock; ++j) {
      float v = xb[j] * id;
      v = v > -127.0f ? v : -127.0f;
      v = v < 127.0f ? v : 127.0f;
      const auto q = static_cast<int8_t>(std::nearbyint(v));
      std::memcpy(base + b * kQ8ActBlock + j, &q, 1);
      s += q;
    }
    std::memcpy(base + n + 4 * b, &d, 4);
    std::memcpy(base + n + 4 * nb + 4 * b, &s, 4);
  }
}

float vec_dot_q8_0(const void* row, const void* act, size_t n) {
  const auto* blocks = static_cast<const uint8_t*>(row);
  const auto* xa = static_cast<const uint8_t*>(act);
  const size_t nb = n / quant::kQ8_0Elems;
  float lane[kLanes] = {};
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk = blocks + b * quant::kQ8_0Bytes;
    const uint8_t* xq = xa + b * kQ8ActBlock;
    int32_t isum = 0;
    for (size_t j = 0; j < quant::kQ8_0Elems; ++j) {
      int8_t w, x;
      std::memcpy(&w, blk + 2 + j, 1);
      std::memcpy(&x, xq + j, 1);
      isum += static_cast<int32_t>(w) * static_cast<int32_t>(x);
    }
    const float scale = quant::block_scale(blk) * load_f32(xa + n + 4 * b);
    const float term = static_cast<float>(isum) * scale;
    lane[b % kLanes] += term;
  }
  return lane_tree(lane);
}

float vec_dot_q4_0(const void* row, const void* act, size_t n) {
  const auto* blocks = static_cast<const uint8_t*>(row);
  const auto* xa = static_cast<const uint8_t*>(act);
  const size_t nb = n / quant::kQ4_0Elems;
  constexpr size_t kHalf = quant::kQ4_0Elems / 2;
  float lane[kLanes] = {};
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk = blocks + b * quant::kQ4_0Bytes;
    const uint8_t* xq = xa + b * kQ8ActBlock;
    int32_t isum = 0;
    for (size_t j = 0; j < quant::kQ4_0Elems; ++j) {
      const uint8_t byte = blk[2 + (j % kHalf)];
      const int32_t u = j < kHalf ? (byte & 0x0f) : (byte >> 4);
      int8_t x;
      std::memcpy(&x, xq + j, 1);
      isum += u * static_cast<int32_t>(x);
    }
    isum -= 8 * load_i32(xa + n + 4 * nb + 4 * b);
    const float scale = quant::block_scale(blk) * load_f32(xa + n + 4 * b);
    const float term = static_cast<float>(isum) * scale;
    lane[b % kLanes] += term;
  }
  return lane_tree(lane);
}

}  // namespace slim::kernels::ref
