// Q4_0: per 32 elements, d = max / -8 where max is the (first) element of largest magnitude,
// q = min(15, trunc(x / d + 8.5)), as ggml's quantize_row_q4_0_ref (which scales by the float
// reciprocal 1/d). Element j < 16 goes to the low nibble of qs[j], element j + 16 to its high
// nibble.
#include <cmath>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

uint8_t nibble(float x, float id) {
  const float scaled = x * id;  // separate statements: no fused multiply-add, as in ggml
  float v = scaled + 8.5f;
  // Only reachable when 1/d overflows (d subnormal): saturate instead of an undefined cast.
  if (std::isnan(v)) v = 8.0f;
  v = std::fmin(15.0f, std::fmax(0.0f, v));
  return static_cast<uint8_t>(v);  // truncation toward zero, v >= 0
}

}  // namespace

Status quantize_q4_0(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q4_0", src, n));
  const size_t nb = n / kQ4_0Elems;
  constexpr size_t kHalf = kQ4_0Elems / 2;
  for (size_t b = 0; b < nb; ++b) {
    const float* x = src + b * kQ4_0Elems;
    uint8_t* out = dst + b * kQ4_0Bytes;
    float amax = 0.0f;
    float max = 0.0f;
    for (size_t j = 0; j < kQ4_0Elems; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_block_scale(out, d);
    for (size_t j = 0; j < kHalf; ++j) {
      out[2 + j] = static_cast<uint8_t>(nibble(x[j], id) | (nibble(x[j + kHalf], id) << 4));
    }
  }
  return Status::ok();
}

void dequantize_q4_0(const uint8_t* src, float* dst, size_t n) {
  const size_t nb = n / kQ4_0Elems;
  constexpr size_t kHalf = kQ4_0Elems / 2;
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* in = src + b * kQ4_0Bytes;
    const float d = block_scale(in);
    float* y = dst + b * kQ4_0Elems;
    for (size_t j = 0; j < kHalf; ++j) {
      const uint8_t q = in[2 + j];
      y[j] = static_cast<float>(static_cast<int>(q & 0x0f) - 8) * d;
      y[j + kHalf] = static_cast<float>(static_cast<int>(q >> 4) - 8) * d;
    }
  }
}

}  // namespace slim::quant
