// NEON (baseline aarch64) multi-token dot products for F32, F16 and BF16 weights (prompt
// processing). Only intrinsics and this file's own internal functions are used (see arm.hpp).
//
// out[t] is bit-identical to neon::vec_dot_f32 / f16 / bf16 for every token. Each token keeps
// that kernel's 4 accumulators of 4 lanes with the same FMAs in the same order (element i into
// accumulator (i / 4) % 4 over whole groups of 16, then groups of 4 and the zero-padded tail into
// accumulator 0, then (acc0 + acc1) + (acc2 + acc3) and (l0 + l2) + (l1 + l3)); only the weight
// loads and conversions are shared: each 4-element weight vector is loaded and converted once and
// FMAed into every token's accumulator. With more than 4 tokens the row is walked in 2 passes
// (accumulators 0-1, then 2-3) so that at most 16 accumulators live in the 32 registers; each
// weight vector still belongs to exactly one pass.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon {

namespace {

// Weight element type -> 4 floats, as in dot_neon.cpp.
struct F32W {
  static constexpr size_t kBytes = 4;
  static float32x4_t load(const uint8_t* p) { return vreinterpretq_f32_u8(vld1q_u8(p)); }
};
struct F16W {
  static constexpr size_t kBytes = 2;
  static float32x4_t load(const uint8_t* p) {
    return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(p)));
  }
};
struct BF16W {
  static constexpr size_t kBytes = 2;
  static float32x4_t load(const uint8_t* p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(p)), 16));
  }
};

// 4 activation floats at any alignment.
float32x4_t load_x(const uint8_t* p) {
  return vreinterpretq_f32_u8(vld1q_u8(p));
}

// One pass over the row for accumulators k0 .. k0 + kK - 1 of kNt tokens (token t's activations
// at xa + t * stride); the pass with k0 == 0 also takes the groups of 4 and the tail. The
// accumulators end in acc[t][k0 ..].
template <typename W, size_t kNt, size_t kK>
void pass(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, size_t k0,
          float32x4_t (*acc)[4]) {
  float32x4_t a[kNt][kK];
#pragma GCC unroll 8
  for (size_t t = 0; t < kNt; ++t) {
#pragma GCC unroll 8
    for (size_t k = 0; k < kK; ++k) a[t][k] = vdupq_n_f32(0.0f);
  }
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
#pragma GCC unroll 8
    for (size_t k = 0; k < kK; ++k) {
      const size_t e = i + 4 * (k0 + k);
      const float32x4_t wv = W::load(w + W::kBytes * e);
#pragma GCC unroll 8
      for (size_t t = 0; t < kNt; ++t) {
        a[t][k] = vfmaq_f32(a[t][k], wv, load_x(xa + t * stride + 4 * e));
      }
    }
  }
  if (k0 == 0) {
    for (; i + 4 <= n; i += 4) {
      const float32x4_t wv = W::load(w + W::kBytes * i);
#pragma GCC unroll 8
      for (size_t t = 0; t < kNt; ++t) {
        a[t][0] = vfmaq_f32(a[t][0], wv, load_x(xa + t * stride + 4 * i));
      }
    }
    if (i < n) {  // zero-padded copies, as the single-token kernel: never read past the row
      uint8_t tw[16] = {};
      std::memcpy(tw, w + W::kBytes * i, W::kBytes * (n - i));
      const float32x4_t wv = W::load(tw);
#pragma GCC unroll 8
      for (size_t t = 0; t < kNt; ++t) {
        float tx[4] = {};
        std::memcpy(tx, xa + t * stride + 4 * i, sizeof(float) * (n - i));
        a[t][0] = vfmaq_f32(a[t][0], wv, vld1q_f32(tx));
      }
    }
  }
#pragma GCC unroll 8
  for (size_t t = 0; t < kNt; ++t) {
#pragma GCC unroll 8
    for (size_t k = 0; k < kK; ++k) acc[t][k0 + k] = a[t][k];
  }
}

// kNt tokens (1..8), at most 16 accumulators live per pass.
template <typename W, size_t kNt>
void dot_multi(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  constexpr size_t kK = kNt <= 4 ? 4 : 2;
  float32x4_t acc[kNt][4];
  for (size_t k0 = 0; k0 < 4; k0 += kK) pass<W, kNt, kK>(w, xa, stride, n, k0, acc);
#pragma GCC unroll 8
  for (size_t t = 0; t < kNt; ++t) {
    const float32x4_t s =
        vaddq_f32(vaddq_f32(acc[t][0], acc[t][1]), vaddq_f32(acc[t][2], acc[t][3]));
    const float32x2_t h = vadd_f32(vget_low_f32(s), vget_high_f32(s));
    out[t] = vget_lane_f32(h, 0) + vget_lane_f32(h, 1);
  }
}

// n_tok tokens in groups of at most 8.
template <typename W>
void dot_multi_any(const void* row, const void* act, size_t stride, size_t n_tok, size_t n,
                   float* out) {
  const auto* w = static_cast<const uint8_t*>(row);
  const auto* xa = static_cast<const uint8_t*>(act);
  while (n_tok > 0) {
    const size_t m = n_tok >= 8 ? 8 : n_tok;
    switch (m) {
      case 8:
        dot_multi<W, 8>(w, xa, stride, n, out);
        break;
      case 7:
        dot_multi<W, 7>(w, xa, stride, n, out);
        break;
      case 6:
        dot_multi<W, 6>(w, xa, stride, n, out);
        break;
      case 5:
        dot_multi<W, 5>(w, xa, stride, n, out);
        break;
      case 4:
        dot_multi<W, 4>(w, xa, stride, n, out);
        break;
      case 3:
        dot_multi<W, 3>(w, xa, stride, n, out);
        break;
      case 2:
        dot_multi<W, 2>(w, xa, stride, n, out);
        break;
      default:
        dot_multi<W, 1>(w, xa, stride, n, out);
        break;
    }
    xa += m * stride;
    out += m;
    n_tok -= m;
  }
}

}  // namespace

void vec_dot_multi_f32(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                       float* out) {
  dot_multi_any<F32W>(row, act, act_stride, n_tok, n, out);
}

void vec_dot_multi_f16(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                       float* out) {
  dot_multi_any<F16W>(row, act, act_stride, n_tok, n, out);
}

void vec_dot_multi_bf16(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  dot_multi_any<BF16W>(row, act, act_stride, n_tok, n, out);
}

}  // namespace slim::kernels::neon
