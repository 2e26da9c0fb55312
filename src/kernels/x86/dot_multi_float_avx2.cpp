// AVX2 + FMA + F16C multi-token dot products for F32, F16 and BF16 weights (prompt processing).
// Compiled with -mavx2 -mfma -mf16c; only intrinsics and this file's own internal functions are
// used (see x86.hpp). Rows and activations may have any alignment (unaligned loads only).
//
// out[t] is bit-identical to avx2::vec_dot_f32 / f16 / bf16 for every token. Each token keeps
// that kernel's 4 accumulators of 8 lanes with the same FMAs in the same order (element i into
// accumulator (i / 8) % 4 over whole groups of 32, then groups of 8 and the zero-padded tail into
// accumulator 0, then (acc0 + acc1) + (acc2 + acc3) and the same 8-lane tree); only the weight
// loads and conversions are shared. Tokens go 4 at a time, and AVX2's 16 registers hold 8
// accumulators besides the weights: 1-2 tokens take one pass over the row with all 4
// accumulators each, 3-4 tokens two passes (accumulators 0-1, then 2-3). Each 8-element weight
// vector is loaded and converted once per group of up to 4 tokens and FMAed into each of their
// accumulators. (8 tokens in 4 passes of one accumulator each converted every weight once but
// read the activation rows in strides: measured slower, kernels_bench matmat.)
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx2 {

namespace {

#include "kernels/x86/helpers_x86.inc"

#include "kernels/x86/float_weights_avx2.inc"  // uses helpers_x86.inc

// One pass over the row for accumulators k0 .. k0 + kK - 1 of kNt tokens (token t's activations
// at xa + t * stride); the pass with k0 == 0 also takes the groups of 8 and the tail. The
// accumulators end in acc[t][k0 ..].
template <typename W, size_t kNt, size_t kK>
void pass(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, size_t k0,
          __m256 (*acc)[4]) {
  __m256 a[kNt][kK];
#pragma GCC unroll 4
  for (size_t t = 0; t < kNt; ++t) {
#pragma GCC unroll 4
    for (size_t k = 0; k < kK; ++k) a[t][k] = _mm256_setzero_ps();
  }
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
#pragma GCC unroll 4
    for (size_t k = 0; k < kK; ++k) {
      const size_t e = i + 8 * (k0 + k);
      const __m256 wv = W::load(w + W::kBytes * e);
#pragma GCC unroll 4
      for (size_t t = 0; t < kNt; ++t) {
        a[t][k] = _mm256_fmadd_ps(wv, loadu8(xa + t * stride + 4 * e), a[t][k]);
      }
    }
  }
  if (k0 == 0) {
    for (; i + 8 <= n; i += 8) {
      const __m256 wv = W::load(w + W::kBytes * i);
#pragma GCC unroll 4
      for (size_t t = 0; t < kNt; ++t) {
        a[t][0] = _mm256_fmadd_ps(wv, loadu8(xa + t * stride + 4 * i), a[t][0]);
      }
    }
    if (i < n) {  // zero-padded copies, as the single-token kernel: never read past the row
      alignas(32) uint8_t tw[8 * 4] = {};
      std::memcpy(tw, w + W::kBytes * i, W::kBytes * (n - i));
      const __m256 wv = W::load(tw);
#pragma GCC unroll 4
      for (size_t t = 0; t < kNt; ++t) {
        alignas(32) float tx[8] = {};
        std::memcpy(tx, xa + t * stride + 4 * i, sizeof(float) * (n - i));
        a[t][0] = _mm256_fmadd_ps(wv, _mm256_load_ps(tx), a[t][0]);
      }
    }
  }
#pragma GCC unroll 4
  for (size_t t = 0; t < kNt; ++t) {
#pragma GCC unroll 4
    for (size_t k = 0; k < kK; ++k) acc[t][k0 + k] = a[t][k];
  }
}

// kNt <= 4 tokens, at most 8 accumulators live per pass (1 pass for 1-2 tokens, 2 for 3-4).
template <typename W, size_t kNt>
void dot_up_to_4(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  static_assert(kNt >= 1 && kNt <= 4);
  constexpr size_t kK = kNt <= 2 ? 4 : 2;
  __m256 acc[kNt][4];
  for (size_t k0 = 0; k0 < 4; k0 += kK) pass<W, kNt, kK>(w, xa, stride, n, k0, acc);
#pragma GCC unroll 4
  for (size_t t = 0; t < kNt; ++t) {
    out[t] = hsum8(
        _mm256_add_ps(_mm256_add_ps(acc[t][0], acc[t][1]), _mm256_add_ps(acc[t][2], acc[t][3])));
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

}  // namespace slim::kernels::avx2
