// NEON (baseline aarch64) weight-row dot products and the Q8 activation quantizer.
// Only intrinsics and this file's own internal functions are used (see arm.hpp).
//
// Float types: 4 accumulators of 4 lanes; element i goes to accumulator (i / 4) % 4, lane i % 4,
// via FMA, over whole groups of 16; then remaining groups of 4 into accumulator 0; then the last
// n % 4 elements, zero-padded, into accumulator 0. Result: (acc0 + acc1) + (acc2 + acc3), then
// (l0 + l2) + (l1 + l3).
//
// Block types: the order of kernels/ref/vec_dot.cpp exactly (bit-identical): integer block sums
// from widening int8 multiplies (vmull_s8, pairwise-accumulated into int32), 8 blocks at a time
// in two 4-lane vectors of block sums, terms float(isum) * (dw * dx) into 8 lanes.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon {

namespace {

// 4 int32 partial sums of one Q8_0 block (32 int8 at wq) times 32 int8 activations at xq.
int32x4_t block_q8_0(const uint8_t* wq, const uint8_t* xq) {
  const int8x16_t w0 = vreinterpretq_s8_u8(vld1q_u8(wq));
  const int8x16_t w1 = vreinterpretq_s8_u8(vld1q_u8(wq + 16));
  const int8x16_t x0 = vreinterpretq_s8_u8(vld1q_u8(xq));
  const int8x16_t x1 = vreinterpretq_s8_u8(vld1q_u8(xq + 16));
  // |w * x| <= 128 * 127 fits int16; pairs are added in int32.
  int32x4_t acc = vpaddlq_s16(vmull_s8(vget_low_s8(w0), vget_low_s8(x0)));
  acc = vpadalq_s16(acc, vmull_high_s8(w0, x0));
  acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(w1), vget_low_s8(x1)));
  return vpadalq_s16(acc, vmull_high_s8(w1, x1));
}

// 4 int32 partial sums of sum_j u[j] * x[j] for one Q4_0 block (16 bytes of nibbles at qs).
int32x4_t block_q4_0(const uint8_t* qs, const uint8_t* xq) {
  const uint8x16_t raw = vld1q_u8(qs);
  const int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(0x0f)));
  const int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(raw, 4));
  const int8x16_t x0 = vreinterpretq_s8_u8(vld1q_u8(xq));
  const int8x16_t x1 = vreinterpretq_s8_u8(vld1q_u8(xq + 16));
  int32x4_t acc = vpaddlq_s16(vmull_s8(vget_low_s8(lo), vget_low_s8(x0)));
  acc = vpadalq_s16(acc, vmull_high_s8(lo, x0));
  acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(hi), vget_low_s8(x1)));
  return vpadalq_s16(acc, vmull_high_s8(hi, x1));
}

#include "kernels/arm/blocks_neon.inc"

#include "kernels/arm/float_weights_neon.inc"

template <typename W>
float dot_float(const uint8_t* w, const float* x, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = vfmaq_f32(a0, W::load(w + W::kBytes * i), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, W::load(w + W::kBytes * (i + 4)), vld1q_f32(x + i + 4));
    a2 = vfmaq_f32(a2, W::load(w + W::kBytes * (i + 8)), vld1q_f32(x + i + 8));
    a3 = vfmaq_f32(a3, W::load(w + W::kBytes * (i + 12)), vld1q_f32(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, W::load(w + W::kBytes * i), vld1q_f32(x + i));
  if (i < n) {  // zero-padded copies: never read past the row
    uint8_t tw[16] = {};
    float tx[4] = {};
    std::memcpy(tw, w + W::kBytes * i, W::kBytes * (n - i));
    std::memcpy(tx, x + i, sizeof(float) * (n - i));
    a0 = vfmaq_f32(a0, W::load(tw), vld1q_f32(tx));
  }
  const float32x4_t s = vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3));
  const float32x2_t t = vadd_f32(vget_low_f32(s), vget_high_f32(s));
  return vget_lane_f32(t, 0) + vget_lane_f32(t, 1);
}

}  // namespace

float vec_dot_f32(const void* row, const void* act, size_t n) {
  return dot_float<F32W>(static_cast<const uint8_t*>(row), static_cast<const float*>(act), n);
}

float vec_dot_f16(const void* row, const void* act, size_t n) {
  return dot_float<F16W>(static_cast<const uint8_t*>(row), static_cast<const float*>(act), n);
}

float vec_dot_bf16(const void* row, const void* act, size_t n) {
  return dot_float<BF16W>(static_cast<const uint8_t*>(row), static_cast<const float*>(act), n);
}

// The math of ref::quantize_q8: `a > m ? a : m` and the clamps as compare + select (NEON's
// vmaxq would propagate a nan), vcvtnq rounds to nearest even like nearbyint in the default mode.
void quantize_q8(const float* x, void* act, size_t n) {
  auto* base = static_cast<uint8_t*>(act);
  const size_t nb = n / kBlock;
  const float32x4_t lo = vdupq_n_f32(-127.0f), hi = vdupq_n_f32(127.0f);
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * kBlock;
    float32x4_t v[8];
    float32x4_t m = vdupq_n_f32(0.0f);
    for (int k = 0; k < 8; ++k) {
      v[k] = vld1q_f32(xb + 4 * k);
      const float32x4_t a = vabsq_f32(v[k]);
      m = vbslq_f32(vcgtq_f32(a, m), a, m);
    }
    const float amax = vmaxvq_f32(m);  // no nan can be in m
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    int32x4_t s = vdupq_n_s32(0);
    int16x8_t q16[4];
    for (int k = 0; k < 8; k += 2) {
      int32x4_t q[2];
      for (int h = 0; h < 2; ++h) {
        float32x4_t t = vmulq_n_f32(v[k + h], id);
        t = vbslq_f32(vcgtq_f32(t, lo), t, lo);
        t = vbslq_f32(vcltq_f32(t, hi), t, hi);
        q[h] = vcvtnq_s32_f32(t);
        s = vaddq_s32(s, q[h]);
      }
      q16[k / 2] = vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]));
    }
    const int8x16_t b0 = vcombine_s8(vqmovn_s16(q16[0]), vqmovn_s16(q16[1]));
    const int8x16_t b1 = vcombine_s8(vqmovn_s16(q16[2]), vqmovn_s16(q16[3]));
    vst1q_u8(base + b * kBlock, vreinterpretq_u8_s8(b0));
    vst1q_u8(base + b * kBlock + 16, vreinterpretq_u8_s8(b1));
    const int32_t sum = vaddvq_s32(s);
    std::memcpy(base + n + 4 * b, &d, 4);
    std::memcpy(base + n + 4 * nb + 4 * b, &sum, 4);
  }
}

float vec_dot_q8_0(const void* row, const void* act, size_t n) {
  return dot_blocks<kQ8_0Bytes, false, block_q8_0>(static_cast<const uint8_t*>(row),
                                                   static_cast<const uint8_t*>(act), n);
}

float vec_dot_q4_0(const void* row, const void* act, size_t n) {
  return dot_blocks<kQ4_0Bytes, true, block_q4_0>(static_cast<const uint8_t*>(row),
                                                  static_cast<const uint8_t*>(act), n);
}

}  // namespace slim::kernels::neon
