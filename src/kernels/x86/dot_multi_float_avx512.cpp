// AVX-512 (F, BW, VL, DQ, VNNI) multi-token dot products for F32, F16 and BF16 weights (prompt
// processing). Compiled with its own flags (src/CMakeLists.txt); only intrinsics and this file's
// own internal functions are used (see x86.hpp). Any alignment of rows and activations is fine.
//
// out[t] is bit-identical to avx512::vec_dot_f32 / f16 / bf16 for every token. Each token keeps
// that kernel's 4 accumulators of 16 lanes with the same FMAs in the same order (element i into
// accumulator (i / 16) % 4 over whole groups of 64, then groups of 16 and the masked tail into
// accumulator 0, then (acc0 + acc1) + (acc2 + acc3) and the same 16 -> 1 tree); only the weight
// loads and conversions are shared. Tokens go 4 at a time: each 16-element weight vector is
// loaded and converted once per group of up to 4 tokens and FMAed into each of their
// accumulators (the 16 accumulators fit the registers, and each token's activations are read
// front to back in one pass; measured faster than 8 tokens in 2 passes of 2 accumulators each,
// which read the activation rows in strides: kernels_bench matmat).
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers build some results from _mm*_undefined_*() and then warn about the
// "uninitialized" value once inlined (GCC bug 105593); nothing here reads undefined lanes.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx512 {

namespace {

#include "kernels/x86/helpers_x86.inc"

#include "kernels/x86/float_weights_avx512.inc"  // uses helpers_x86.inc

template <typename W, size_t kNt>
void dot_up_to_4(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  static_assert(kNt >= 1 && kNt <= 4);
  __m512 a[kNt][4];
#pragma GCC unroll 4
  for (size_t t = 0; t < kNt; ++t) {
#pragma GCC unroll 4
    for (size_t k = 0; k < 4; ++k) a[t][k] = _mm512_setzero_ps();
  }
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
#pragma GCC unroll 4
    for (size_t k = 0; k < 4; ++k) {
      const size_t e = i + 16 * k;
      const __m512 wv = W::load(w + W::kBytes * e);
#pragma GCC unroll 4
      for (size_t t = 0; t < kNt; ++t) {
        a[t][k] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xa + t * stride + 4 * e), a[t][k]);
      }
    }
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 wv = W::load(w + W::kBytes * i);
#pragma GCC unroll 4
    for (size_t t = 0; t < kNt; ++t) {
      a[t][0] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xa + t * stride + 4 * i), a[t][0]);
    }
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 wv = W::load(w + W::kBytes * i, m);
#pragma GCC unroll 4
    for (size_t t = 0; t < kNt; ++t) {
      a[t][0] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, xa + t * stride + 4 * i), a[t][0]);
    }
  }
#pragma GCC unroll 4
  for (size_t t = 0; t < kNt; ++t) {
    out[t] =
        hsum16(_mm512_add_ps(_mm512_add_ps(a[t][0], a[t][1]), _mm512_add_ps(a[t][2], a[t][3])));
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

#include "kernels/x86/multi_group_x86.inc"

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

}  // namespace slim::kernels::avx512
