// NEON (baseline aarch64) multi-token dot products for F32, F16 and BF16 weights (prompt
// processing). Only intrinsics and this file's own internal functions are used (see arm.hpp).
//
// out[t] is bit-identical to neon::vec_dot_f32 / f16 / bf16 for every token. Each token keeps
// that kernel's 4 accumulators of 4 lanes with the same FMAs in the same order (element i into
// accumulator (i / 4) % 4 over whole groups of 16, then groups of 4 and the zero-padded tail into
// accumulator 0, then (acc0 + acc1) + (acc2 + acc3) and (l0 + l2) + (l1 + l3)); only the weight
// loads and conversions are shared: tokens go 4 at a time (16 accumulators of the 32
// registers), each 4-element weight vector is loaded and converted once per group of up to 4
// tokens and FMAed into each of their accumulators, and each token's activations are read front
// to back in one pass (as on x86, where this measured faster than 8 tokens in 2 strided passes).
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon {

namespace {

#include "kernels/arm/float_weights_neon.inc"

// 4 activation floats at any alignment.
float32x4_t load_x(const uint8_t* p) {
  return vreinterpretq_f32_u8(vld1q_u8(p));
}

// kNt <= 4 tokens (token t's activations at xa + t * stride): 4 accumulators per token, all
// live at once (16 of the 32 registers, plus the 4 converted weight vectors of a group of 16).
template <typename W, size_t kNt>
void dot_up_to_4(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  static_assert(kNt >= 1 && kNt <= 4);
  float32x4_t a[kNt][4];
#pragma GCC unroll 4
  for (size_t t = 0; t < kNt; ++t) {
#pragma GCC unroll 4
    for (size_t k = 0; k < 4; ++k) a[t][k] = vdupq_n_f32(0.0f);
  }
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
#pragma GCC unroll 4
    for (size_t k = 0; k < 4; ++k) {
      const size_t e = i + 4 * k;
      const float32x4_t wv = W::load(w + W::kBytes * e);
#pragma GCC unroll 4
      for (size_t t = 0; t < kNt; ++t) {
        a[t][k] = vfmaq_f32(a[t][k], wv, load_x(xa + t * stride + 4 * e));
      }
    }
  }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t wv = W::load(w + W::kBytes * i);
#pragma GCC unroll 4
    for (size_t t = 0; t < kNt; ++t) {
      a[t][0] = vfmaq_f32(a[t][0], wv, load_x(xa + t * stride + 4 * i));
    }
  }
  if (i < n) {  // zero-padded copies, as the single-token kernel: never read past the row
    uint8_t tw[16] = {};
    std::memcpy(tw, w + W::kBytes * i, W::kBytes * (n - i));
    const float32x4_t wv = W::load(tw);
#pragma GCC unroll 4
    for (size_t t = 0; t < kNt; ++t) {
      float tx[4] = {};
      std::memcpy(tx, xa + t * stride + 4 * i, sizeof(float) * (n - i));
      a[t][0] = vfmaq_f32(a[t][0], wv, vld1q_f32(tx));
    }
  }
#pragma GCC unroll 4
  for (size_t t = 0; t < kNt; ++t) {
    const float32x4_t s = vaddq_f32(vaddq_f32(a[t][0], a[t][1]), vaddq_f32(a[t][2], a[t][3]));
    const float32x2_t h = vadd_f32(vget_low_f32(s), vget_high_f32(s));
    out[t] = vget_lane_f32(h, 0) + vget_lane_f32(h, 1);
  }
}

// kNt tokens (1..8): the first 4, then the rest.
template <typename W, size_t kNt>
void dot_multi(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  if constexpr (kNt > 4) {
    dot_up_to_4<W, 4>(w, xa, stride, n, out);
    dot_up_to_4<W, kNt - 4>(w, xa + 4 * stride, stride, n, out + 4);
  } else {
    dot_up_to_4<W, kNt>(w, xa, stride, n, out);
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
