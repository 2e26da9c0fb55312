// NEON + dotprod W8A8 row dot (math and order: kernels/w8a8.hpp; bit-identical to
// kernels/ref/vec_dot_w8a8.cpp): SDOT sums 4 int8 products into each int32 lane. The activation
// quantizer is the plain NEON one (w8a8_neon.cpp).
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/w8a8.hpp"

namespace slim::kernels::neon_dot {

float vec_dot_w8a8(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row) + 4;
  const auto* x = static_cast<const uint8_t*>(act);
  int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
  for (size_t i = 0; i < n; i += 32) {  // n % 32 == 0
    a0 = vdotq_s32(a0, vreinterpretq_s8_u8(vld1q_u8(w + i)), vreinterpretq_s8_u8(vld1q_u8(x + i)));
    a1 = vdotq_s32(a1, vreinterpretq_s8_u8(vld1q_u8(w + i + 16)),
                   vreinterpretq_s8_u8(vld1q_u8(x + i + 16)));
  }
  const int32_t isum = vaddvq_s32(vaddq_s32(a0, a1));
  float sw, sx;
  std::memcpy(&sw, w - 4, 4);
  std::memcpy(&sx, x + n, 4);
  const float scale = sw * sx;
  return static_cast<float>(isum) * scale;
}

}  // namespace slim::kernels::neon_dot
