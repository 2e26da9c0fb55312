// NEON W8A8 kernels (math and order: kernels/w8a8.hpp; bit-identical to
// kernels/ref/vec_dot_w8a8.cpp). Integer dot without dotprod: vmull_s8 (exact int16 products),
// vpadalq_s16 into int32 lanes.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/w8a8.hpp"

namespace slim::kernels::neon {

// The clamps as compare + select (`v > -127 ? v : -127`, nan -> -127; vmaxq would propagate a
// nan), vdivq is the correctly rounded x / s, vcvtnq rounds to nearest even like nearbyint.
void quantize_i8(const float* x, float s, void* act, size_t n) {
  auto* q = static_cast<uint8_t*>(act);
  const float32x4_t vs = vdupq_n_f32(s);
  const float32x4_t lo = vdupq_n_f32(-127.0f), hi = vdupq_n_f32(127.0f);
  for (size_t i = 0; i < n; i += 16) {  // n % 32 == 0
    int32x4_t v[4];
    for (int k = 0; k < 4; ++k) {
      float32x4_t t = vdivq_f32(vld1q_f32(x + i + 4 * k), vs);
      t = vbslq_f32(vcgtq_f32(t, lo), t, lo);
      t = vbslq_f32(vcltq_f32(t, hi), t, hi);
      v[k] = vcvtnq_s32_f32(t);
    }
    const int16x8_t a = vcombine_s16(vqmovn_s32(v[0]), vqmovn_s32(v[1]));
    const int16x8_t b = vcombine_s16(vqmovn_s32(v[2]), vqmovn_s32(v[3]));
    vst1q_s8(reinterpret_cast<int8_t*>(q + i), vcombine_s8(vqmovn_s16(a), vqmovn_s16(b)));
  }
  std::memcpy(q + n, &s, 4);
}

float vec_dot_w8a8(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row) + 4;
  const auto* x = static_cast<const uint8_t*>(act);
  int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
  for (size_t i = 0; i < n; i += 16) {
    const int8x16_t vw = vreinterpretq_s8_u8(vld1q_u8(w + i));
    const int8x16_t vx = vreinterpretq_s8_u8(vld1q_u8(x + i));
    a0 = vpadalq_s16(a0, vmull_s8(vget_low_s8(vw), vget_low_s8(vx)));
    a1 = vpadalq_s16(a1, vmull_high_s8(vw, vx));
  }
  const int32_t isum = vaddvq_s32(vaddq_s32(a0, a1));
  float sw, sx;
  std::memcpy(&sw, w - 4, 4);
  std::memcpy(&sx, x + n, 4);
  const float scale = sw * sx;
  return static_cast<float>(isum) * scale;
}

}  // namespace slim::kernels::neon
