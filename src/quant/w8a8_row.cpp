// W8A8 weight rows (SlimLLM-specific, docs/formats.md): a float32 scale d = max|x| / 127 for the
// whole row, then q[j] = nearbyint(x[j] / d) (ties to even; 0 when d == 0), clamped to
// [-127, 127]. The row is one output channel of a GGUF-oriented weight, so this is
// per-output-channel symmetric int8. Dequantized value: q[j] * d.
#include <cmath>
#include <cstring>

#include "quant/formats.hpp"

namespace slim::quant {

Status quantize_w8a8(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("W8A8", src, n));
  float amax = 0.0f;
  for (size_t j = 0; j < n; ++j) amax = std::fmax(amax, std::fabs(src[j]));
  const float d = amax / 127.0f;
  std::memcpy(dst, &d, 4);
  for (size_t j = 0; j < n; ++j) {
    float v = d != 0.0f ? src[j] / d : 0.0f;
    v = std::fmin(127.0f, std::fmax(-127.0f, v));  // |x| <= amax, so only rounding can exceed 127
    const auto q = static_cast<int8_t>(std::nearbyint(v));
    std::memcpy(dst + 4 + j, &q, 1);
  }
  return Status::ok();
}

void dequantize_w8a8(const uint8_t* src, float* dst, size_t n) {
  float d;
  std::memcpy(&d, src, 4);
  for (size_t j = 0; j < n; ++j) {
    int8_t q;
    std::memcpy(&q, src + 4 + j, 1);
    dst[j] = static_cast<float>(q) * d;
  }
}

}  // namespace slim::quant
