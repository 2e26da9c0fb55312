// Q5_1: per 32 elements, min and max; d = (max - min) / 31, q = trunc((x - min) / d + 0.5) as
// ggml's quantize_row_q5_1_ref (which scales by the float reciprocal 1/d). Block = fp16 d,
// fp16 m = min, uint32 qh (bit j = bit 4 of element j's q), then nibbles as Q5_0;
// x = q * d + m.
#include <cmath>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

// trunc((x - min) * id + 0.5), clamped to 0..31 (ggml casts straight to uint8_t; the clamp and
// nan check only matter where that cast would be undefined: max - min or 1/d overflowing).
uint32_t level(float x, float min, float id) {
  const float scaled = (x - min) * id;  // separate statements: no fused multiply-add, as in ggml
  float v = scaled + 0.5f;
  if (std::isnan(v)) v = 0.0f;
  v = std::fmin(31.0f, std::fmax(0.0f, v));
  return static_cast<uint32_t>(v);
}

}  // namespace

Status quantize_q5_1(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q5_1", src, n));
  constexpr size_t kHalf = kQ5_1Elems / 2;
  for (size_t b = 0; b < n / kQ5_1Elems; ++b) {
    const float* x = src + b * kQ5_1Elems;
    uint8_t* out = dst + b * kQ5_1Bytes;
    float min = x[0];
    float max = x[0];
    for (size_t j = 1; j < kQ5_1Elems; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_block_scale(out, d);
    store_block_scale(out + 2, min);
    uint32_t qh = 0;
    for (size_t j = 0; j < kHalf; ++j) {
      const uint32_t q0 = level(x[j], min, id);
      const uint32_t q1 = level(x[j + kHalf], min, id);
      out[8 + j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= ((q0 >> 4) & 1u) << j;
      qh |= ((q1 >> 4) & 1u) << (j + kHalf);
    }
    for (size_t k = 0; k < 4; ++k) out[4 + k] = static_cast<uint8_t>(qh >> (8 * k));
  }
  return Status::ok();
}

void dequantize_q5_1(const uint8_t* src, float* dst, size_t n) {
  constexpr size_t kHalf = kQ5_1Elems / 2;
  for (size_t b = 0; b < n / kQ5_1Elems; ++b) {
    const uint8_t* in = src + b * kQ5_1Bytes;
    const float d = block_scale(in);
    const float m = block_scale(in + 2);
    const uint32_t qh = static_cast<uint32_t>(in[4]) | (static_cast<uint32_t>(in[5]) << 8) |
                        (static_cast<uint32_t>(in[6]) << 16) | (static_cast<uint32_t>(in[7]) << 24);
    float* y = dst + b * kQ5_1Elems;
    for (size_t j = 0; j < kHalf; ++j) {
      const uint32_t q0 = (in[8 + j] & 0x0fu) | (((qh >> j) & 1u) << 4);
      const uint32_t q1 = (in[8 + j] >> 4) | (((qh >> (j + kHalf)) & 1u) << 4);
      const float lo = static_cast<float>(q0) * d;
      const float hi = static_cast<float>(q1) * d;
      y[j] = lo + m;
      y[j + kHalf] = hi + m;
    }
  }
}

}  // namespace slim::quant
