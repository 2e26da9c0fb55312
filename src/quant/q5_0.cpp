// Q5_0: per 32 elements, d = max / -16 where max is the (first) element of largest magnitude,
// q = min(31, trunc(x / d + 16.5)), as ggml's quantize_row_q5_0_ref (which scales by the float
// reciprocal 1/d). Block = fp16 d, uint32 qh (bit j = bit 4 of element j's q), then element
// j < 16 in the low nibble of qs[j] and element j + 16 in its high nibble; x = (q - 16) * d.
#include <cmath>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

uint32_t level(float x, float id) {
  const float scaled = x * id;  // separate statements: no fused multiply-add, as in ggml
  float v = scaled + 16.5f;
  // Only reachable when 1/d overflows (d subnormal): saturate instead of an undefined cast.
  if (std::isnan(v)) v = 16.0f;
  v = std::fmin(31.0f, std::fmax(0.0f, v));
  return static_cast<uint32_t>(v);
}

}  // namespace

Status quantize_q5_0(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q5_0", src, n));
  constexpr size_t kHalf = kQ5_0Elems / 2;
  for (size_t b = 0; b < n / kQ5_0Elems; ++b) {
    const float* x = src + b * kQ5_0Elems;
    uint8_t* out = dst + b * kQ5_0Bytes;
    float amax = 0.0f;
    float max = 0.0f;
    for (size_t j = 0; j < kQ5_0Elems; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_block_scale(out, d);
    uint32_t qh = 0;
    for (size_t j = 0; j < kHalf; ++j) {
      const uint32_t q0 = level(x[j], id);
      const uint32_t q1 = level(x[j + kHalf], id);
      out[6 + j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= ((q0 >> 4) & 1u) << j;
      qh |= ((q1 >> 4) & 1u) << (j + kHalf);
    }
    for (size_t k = 0; k < 4; ++k) out[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
  }
  return Status::ok();
}

void dequantize_q5_0(const uint8_t* src, float* dst, size_t n) {
  constexpr size_t kHalf = kQ5_0Elems / 2;
  for (size_t b = 0; b < n / kQ5_0Elems; ++b) {
    const uint8_t* in = src + b * kQ5_0Bytes;
    const float d = block_scale(in);
    const uint32_t qh = static_cast<uint32_t>(in[2]) | (static_cast<uint32_t>(in[3]) << 8) |
                        (static_cast<uint32_t>(in[4]) << 16) | (static_cast<uint32_t>(in[5]) << 24);
    float* y = dst + b * kQ5_0Elems;
    for (size_t j = 0; j < kHalf; ++j) {
      const uint32_t q0 = (in[6 + j] & 0x0fu) | (((qh >> j) & 1u) << 4);
      const uint32_t q1 = (in[6 + j] >> 4) | (((qh >> (j + kHalf)) & 1u) << 4);
      y[j] = static_cast<float>(static_cast<int>(q0) - 16) * d;
      y[j + kHalf] = static_cast<float>(static_cast<int>(q1) - 16) * d;
    }
  }
}

}  // namespace slim::quant
