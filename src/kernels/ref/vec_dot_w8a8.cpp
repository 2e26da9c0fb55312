// Scalar W8A8 reference (order and rounding: kernels/w8a8.hpp and kernels.hpp ActFormat::kI8).
// Every step is exact or one correctly rounded IEEE operation, so the SIMD variants match it
// bit for bit.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/w8a8.hpp"

namespace slim::kernels::ref {

void quantize_i8(const float* x, float s, void* act, size_t n) {
  auto* q = static_cast<uint8_t*>(act);
  for (size_t j = 0; j < n; ++j) {
    float v = x[j] / s;
    v = v > -127.0f ? v : -127.0f;
    v = v < 127.0f ? v : 127.0f;
    const auto b = static_cast<int8_t>(std::nearbyint(v));
    std::memcpy(q + j, &b, 1);
  }
  std::memcpy(q + n, &s, 4);
}

float vec_dot_w8a8(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const uint8_t*>(act);
  int32_t isum = 0;
  for (size_t j = 0; j < n; ++j) {
    int8_t a, b;
    std::memcpy(&a, w + 4 + j, 1);
    std::memcpy(&b, x + j, 1);
    isum += static_cast<int32_t>(a) * static_cast<int32_t>(b);
  }
  float sw, sx;
  std::memcpy(&sw, w, 4);
  std::memcpy(&sx, x + n, 4);
  const float scale = sw * sx;
  return static_cast<float>(isum) * scale;
}

}  // namespace slim::kernels::ref
