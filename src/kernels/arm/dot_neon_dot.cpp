// NEON + dotprod (SDOT) block dot products, compiled with -march=armv8.2-a+dotprod. The same
// canonical order as kernels/ref/vec_dot.cpp (bit-identical); only the integer block sums use
// SDOT (4 int8 products summed into each int32 lane).
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon_dot {

namespace {

int32x4_t block_q8_0(const uint8_t* wq, const uint8_t* xq) {
  int32x4_t acc = vdotq_s32(vdupq_n_s32(0), vreinterpretq_s8_u8(vld1q_u8(wq)),
                            vreinterpretq_s8_u8(vld1q_u8(xq)));
  return vdotq_s32(acc, vreinterpretq_s8_u8(vld1q_u8(wq + 16)),
                   vreinterpretq_s8_u8(vld1q_u8(xq + 16)));
}

int32x4_t block_q4_0(const uint8_t* qs, const uint8_t* xq) {
  const uint8x16_t raw = vld1q_u8(qs);
  const int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0f)));
  const int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(raw, 4));
  const int32x4_t acc = vdotq_s32(vdupq_n_s32(0), lo, vreinterpretq_s8_u8(vld1q_u8(xq)));
  return vdotq_s32(acc, hi, vreinterpretq_s8_u8(vld1q_u8(xq + 16)));
}

#include "kernels/arm/blocks_neon.inc"

}  // namespace

float vec_dot_q8_0(const void* row, const void* act, size_t n) {
  return dot_blocks<kQ8_0Bytes, false, block_q8_0>(static_cast<const uint8_t*>(row),
                                                   static_cast<const uint8_t*>(act), n);
}

float vec_dot_q4_0(const void* row, const void* act, size_t n) {
  return dot_blocks<kQ4_0Bytes, true, block_q4_0>(static_cast<const uint8_t*>(row),
                                                  static_cast<const uint8_t*>(act), n);
}

}  // namespace slim::kernels::neon_dot
