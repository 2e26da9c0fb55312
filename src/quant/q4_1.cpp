// Q4_1: per 32 elements, min and max; d = (max - min) / 15, q = min(15, trunc((x - min) / d + 0.5))
// as ggml's quantize_row_q4_1_ref (which scales by the float reciprocal 1/d). Block = fp16 d,
// fp16 m = min, then element j < 16 in the low nibble of qs[j], element j + 16 in its high
// nibble; x = q * d + m.
#include <cmath>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

// trunc((x - min) * id + 0.5), clamped to 0..15. ggml casts the float straight to int8_t; the
// clamp and the nan check only matter where that cast would be undefined (max - min overflows,
// or 1/d does).
uint8_t level(float x, float min, float id) {
  const float scaled = (x - min) * id;  // separate statements: no fused multiply-add, as in ggml
  float v = scaled + 0.5f;
  if (std::isnan(v)) v = 0.0f;
  v = std::fmin(15.0f, std::fmax(0.0f, v));
  return static_cast<uint8_t>(v);
}

}  // namespace

Status quantize_q4_1(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q4_1", src, n));
  constexpr size_t kHalf = kQ4_1Elems / 2;
  for (size_t b = 0; b < n / kQ4_1Elems; ++b) {
    const float* x = src + b * kQ4_1Elems;
    uint8_t* out = dst + b * kQ4_1Bytes;
    float min = x[0];
    float max = x[0];
    for (size_t j = 1; j < kQ4_1Elems; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_block_scale(out, d);
    store_block_scale(out + 2, min);
    for (size_t j = 0; j < kHalf; ++j) {
      out[4 + j] = static_cast<uint8_t>(level(x[j], min, id) | (level(x[j + kHalf], min, id) << 4));
    }
  }
  return Status::ok();
}

void dequantize_q4_1(const uint8_t* src, float* dst, size_t n) {
  constexpr size_t kHalf = kQ4_1Elems / 2;
  for (size_t b = 0; b < n / kQ4_1Elems; ++b) {
    const uint8_t* in = src + b * kQ4_1Bytes;
    const float d = block_scale(in);
    const float m = block_scale(in + 2);
    float* y = dst + b * kQ4_1Elems;
    for (size_t j = 0; j < kHalf; ++j) {
      const float lo = static_cast<float>(in[4 + j] & 0x0f) * d;
      const float hi = static_cast<float>(in[4 + j] >> 4) * d;
      y[j] = lo + m;
      y[j + kHalf] = hi + m;
    }
  }
}

}  // namespace slim::quant
