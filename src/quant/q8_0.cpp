// Q8_0: per 32 elements, d = amax / 127 and q = round(x / d), as ggml's quantize_row_q8_0_ref
// (which scales by the float reciprocal 1/d and rounds half away from zero).
#include <cmath>
#include <cstring>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

Status quantize_q8_0(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q8_0", src, n));
  const size_t nb = n / kQ8_0Elems;
  for (size_t b = 0; b < nb; ++b) {
    const float* x = src + b * kQ8_0Elems;
    uint8_t* out = dst + b * kQ8_0Bytes;
    float amax = 0.0f;
    for (size_t j = 0; j < kQ8_0Elems; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_block_scale(out, d);
    for (size_t j = 0; j < kQ8_0Elems; ++j) {
      float v = x[j] * id;
      // Only reachable when 1/d overflows (d subnormal): saturate instead of an undefined cast.
      if (std::isnan(v)) v = 0.0f;
      v = std::fmin(127.0f, std::fmax(-127.0f, v));
      const auto q = static_cast<int8_t>(std::round(v));
      std::memcpy(out + 2 + j, &q, 1);
    }
  }
  return Status::ok();
}

void dequantize_q8_0(const uint8_t* src, float* dst, size_t n) {
  const size_t nb = n / kQ8_0Elems;
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* in = src + b * kQ8_0Bytes;
    const float d = block_scale(in);
    for (size_t j = 0; j < kQ8_0Elems; ++j) {
      int8_t q;
      std::memcpy(&q, in + 2 + j, 1);
      dst[b * kQ8_0Elems + j] = static_cast<float>(q) * d;
    }
  }
}

}  // namespace slim::quant
