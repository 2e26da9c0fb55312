// AVX-512 (F, BW, VL, DQ, VNNI) multi-token dot products for Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K
// (prompt processing): kernels/x86/multi_k_x86.inc with the integer dot steps of dot_k_avx512.cpp
// (same instructions), so out[t] is bit-identical to avx512::vec_dot_* (and the reference) for
// every token.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#if defined(__GNUC__)
// blocks_x86.inc's single-token kernels are not used here.
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx512 {

namespace {

__m256i dot_u8s8(__m256i u, __m256i x) {
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, x);
}

__m256i dot_u8s8_w(__m256i u, __m256i x, __m256i sc) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), sc);
}

__m256i dot_u8s8_ow(__m256i u, __m256i x, __m256i off, __m256i sc) {
  const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(u, x), _mm256_maddubs_epi16(off, x));
  return _mm256_madd_epi16(p, sc);
}

#include "kernels/x86/blocks_x86.inc"
#include "kernels/x86/multi_k_x86.inc"
// The AVX-512-only kernels (after the shared helpers above).
#include "kernels/x86/kquant_avx512.inc"
// (uses kquant_avx512.inc's fold_q4k / join_q4k)
#include "kernels/x86/blocks32_avx512.inc"

// Per group of 16 blocks: the weights once, then each token as dot32_512 does it; the last
// nb % 16 blocks as multi_k_x86.inc does them (unpacked once for all tokens: measured faster
// here than dot32_512's tail32 per token).
template <size_t kBytes, size_t kQs, size_t kQh, int kOffset, bool kMin>
void multi32_512(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n_tok, size_t n,
                 float* out) {
  const size_t nb = n / kBlk;
  __m256 acc[kMaxTok];
  for (size_t t = 0; t < n_tok; ++t) acc[t] = _mm256_setzero_ps();
  Group32 g;
  size_t b = 0;
  for (; b + 16 <= nb; b += 16) {
    group32<kBytes, kQs, kQh, kMin>(w, b, &g);
    for (size_t t = 0; t < n_tok; ++t) {
      acc[t] = dot_group32<kOffset, kMin>(g, xa + t * stride, n, b, acc[t]);
    }
  }
  multi32_from<kBytes, kQs, kQh, kOffset, kMin>(w, xa, stride, n_tok, n, out, b, acc);
}

// Per super-block pair: the levels and scales once, then every token's integer sums and float
// terms exactly as dot_k_avx512.cpp's dot_q45k_512 computes them for that token.
template <bool kQ5>
void multi_q45k_512(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n_tok, size_t n,
                    float* out) {
  constexpr size_t kBytes = kQ5 ? kQ5KBytes : kQ4KBytes;
  const size_t nsb = n / kSuper;
  const size_t xd_off = n, xs_off = n + 4 * (n / kBlk);
  __m256 acc[kMaxTok];
  for (size_t t = 0; t < n_tok; ++t) acc[t] = _mm256_setzero_ps();
  auto levels = [](const uint8_t* blk, __m512i* u) {
    if (kQ5) {
      q5k_levels(blk + 16, blk + 48, u);
    } else {
      q4k_levels(blk + 16, u);
    }
  };
  for (size_t k = 0; k < nsb; k += 2) {
    const size_t k1 = k + 1 < nsb ? k + 1 : k;
    const uint8_t* b0 = w + k * kBytes;
    const uint8_t* b1 = w + k1 * kBytes;
    __m512i u0[4], u1[4];
    levels(b0, u0);
    levels(b1, u1);
    const Q4KPair sc = q4k_pair(b0, b1);
    const bool both = k1 != k;
    for (size_t t = 0; t < n_tok; ++t) {
      const uint8_t* xt = xa + t * stride;
      const __m512i s = join_q4k(dot_q4k(u0, xt + k * kSuper), dot_q4k(u1, xt + k1 * kSuper));
      acc[t] = q4k_term(acc[t], s, sc, xt + xs_off + 32 * k, xt + xd_off + 32 * k, both);
    }
  }
  for (size_t t = 0; t < n_tok; ++t) out[t] = hsum8(acc[t]);
}

// Q6_K with the weights prepared once per super-block: wv = u - 32 (signed) and
// corr = -128 * (sum of 4 wv), so that dpbusd(corr, x ^ 0x80, wv) = sum of 4 (u - 32) * x, the
// same exact int32 as dot_q6k's u * x - 32 * x.
struct Q6KPrep {
  __m512i wv[4], corr[4], sc[2];
};

void q6k_prep(const uint8_t* blk, Q6KPrep* p) {
  const __m512i c32 = _mm512_set1_epi8(32), c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i u[4];
  q6k_levels(blk, u);
  for (int c = 0; c < 4; ++c) {
    p->wv[c] = _mm512_sub_epi8(u[c], c32);
    p->corr[c] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c128, _mm512_sub_epi8(c32, u[c]));
  }
  q6k_scales(blk, p->sc);
}

__m512i dot_q6k_prep(const Q6KPrep& p, const uint8_t* xq) {
  const __m512i c128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i d[4];
  for (int c = 0; c < 4; ++c) {
    d[c] =
        _mm512_dpbusd_epi32(p.corr[c], _mm512_xor_si512(loadu_si512(xq + 64 * c), c128), p.wv[c]);
  }
  return fold_q6k(d, p.sc);
}

void multi_q6k_512(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n_tok, size_t n,
                   float* out) {
  const size_t nsb = n / kSuper;
  const size_t xd_off = n;
  __m256 acc[kMaxTok];
  for (size_t t = 0; t < n_tok; ++t) acc[t] = _mm256_setzero_ps();
  Q6KPrep p0, p1;
  for (size_t k = 0; k < nsb; k += 2) {
    const size_t k1 = k + 1 < nsb ? k + 1 : k;
    const uint8_t* b0 = w + k * kQ6KBytes;
    const uint8_t* b1 = w + k1 * kQ6KBytes;
    q6k_prep(b0, &p0);
    q6k_prep(b1, &p1);
    const __m512 d = fp16_pair(b0 + 208, b1 + 208);
    const bool both = k1 != k;
    for (size_t t = 0; t < n_tok; ++t) {
      const uint8_t* xt = xa + t * stride;
      const __m512i a =
          join_q6k(dot_q6k_prep(p0, xt + k * kSuper), dot_q6k_prep(p1, xt + k1 * kSuper));
      acc[t] = q6k_term(acc[t], a, d, xt + xd_off + 32 * k, both);
    }
  }
  for (size_t t = 0; t < n_tok; ++t) out[t] = hsum8(acc[t]);
}

const uint8_t* bytes(const void* p) {
  return static_cast<const uint8_t*>(p);
}

}  // namespace

void vec_dot_multi_q4_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi32_512<20, 4, 0, 0, true>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q5_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi32_512<22, 6, 2, 16, false>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q5_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi32_512<24, 8, 4, 0, true>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q4_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi_q45k_512<false>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q5_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi_q45k_512<true>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q6_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi_q6k_512(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

}  // namespace slim::kernels::avx512
