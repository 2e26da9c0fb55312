// Scalar weight-row dot products. The reduction order is part of the contract (SIMD variants are
// tested against it): plain types sum w[i] * x[i] in element order in a float accumulator; block
// types sum q[j] * x[j] over each block's 32 elements in element order, then add sum * d to the
// running float total, block by block. Products and sums are separate statements so that no
// compiler fuses them into FMAs (results are identical on every target).
#include <cstdint>
#include <cstring>

#include "core/fp16.hpp"
#include "kernels/ref/ref.hpp"
#include "quant/blocks.hpp"

namespace slim::kernels::ref {

float vec_dot_f32(const void* row, const float* x, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    float v;
    std::memcpy(&v, w + 4 * i, 4);
    const float p = v * x[i];  // separate statements: never fused into an FMA
    sum += p;
  }
  return sum;
}

float vec_dot_f16(const void* row, const float* x, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, w + 2 * i, 2);
    const float p = fp16_to_f32(h) * x[i];
    sum += p;
  }
  return sum;
}

float vec_dot_bf16(const void* row, const float* x, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, w + 2 * i, 2);
    const float p = bf16_to_f32(h) * x[i];
    sum += p;
  }
  return sum;
}

float vec_dot_q8_0(const void* row, const float* x, size_t n) {
  const auto* blocks = static_cast<const uint8_t*>(row);
  const size_t nb = n / quant::kQ8_0Elems;
  float total = 0.0f;
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk = blocks + b * quant::kQ8_0Bytes;
    const float* xb = x + b * quant::kQ8_0Elems;
    float sum = 0.0f;
    for (size_t j = 0; j < quant::kQ8_0Elems; ++j) {
      int8_t q;
      std::memcpy(&q, blk + 2 + j, 1);
      const float p = static_cast<float>(q) * xb[j];
      sum += p;
    }
    const float scaled = sum * quant::block_scale(blk);
    total += scaled;
  }
  return total;
}

float vec_dot_q4_0(const void* row, const float* x, size_t n) {
  const auto* blocks = static_cast<const uint8_t*>(row);
  const size_t nb = n / quant::kQ4_0Elems;
  constexpr size_t kHalf = quant::kQ4_0Elems / 2;
  float total = 0.0f;
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk = blocks + b * quant::kQ4_0Bytes;
    const float* xb = x + b * quant::kQ4_0Elems;
    float sum = 0.0f;
    for (size_t j = 0; j < quant::kQ4_0Elems; ++j) {
      const uint8_t byte = blk[2 + (j % kHalf)];
      const int q = (j < kHalf ? (byte & 0x0f) : (byte >> 4)) - 8;
      const float p = static_cast<float>(q) * xb[j];
      sum += p;
    }
    const float scaled = sum * quant::block_scale(blk);
    total += scaled;
  }
  return total;
}

}  // namespace slim::kernels::ref
