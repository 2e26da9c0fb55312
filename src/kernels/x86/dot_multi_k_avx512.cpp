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

// The last kR < 16 blocks of a row for every token: tail32's steps with the levels and scales
// prepared once.
template <size_t kBytes, size_t kQs, size_t kQh, int kOffset, bool kMin, size_t kR>
void multi_tail32(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n_tok, size_t n,
                  size_t b, __m256* acc) {
  constexpr size_t kPairs = (kR + 1) / 2;
  const size_t nb = n / kBlk;
  const uint8_t* base = w + b * kBytes;
  __m512i u[kPairs];
  for (size_t p = 0; p < kPairs; ++p) {
    const uint8_t* b0 = base + 2 * p * kBytes;
    u[p] = levels32x2<kQs, kQh>(b0, 2 * p + 1 < kR ? b0 + kBytes : b0);
  }
  uint64_t dh[4] = {0, 0, 0, 0}, mh[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < kR; ++i) {
    dh[i / 4] |= uint64_t{load_u16(base + i * kBytes)} << (16 * (i % 4));
    if (kMin) mh[i / 4] |= uint64_t{load_u16(base + i * kBytes + 2)} << (16 * (i % 4));
  }
  auto cvt = [](const uint64_t* q) {
    return _mm512_cvtph_ps(_mm256_set_epi64x(static_cast<int64_t>(q[3]), static_cast<int64_t>(q[2]),
                                             static_cast<int64_t>(q[1]),
                                             static_cast<int64_t>(q[0])));
  };
  const __m512 dw = cvt(dh);
  const __m512 mw = kMin ? cvt(mh) : _mm512_setzero_ps();
  constexpr __mmask16 kLanes = static_cast<__mmask16>((uint32_t{1} << kR) - 1);
  for (size_t t = 0; t < n_tok; ++t) {
    const uint8_t* xt = xa + t * stride;
    const uint8_t* xq = xt + b * kBlk;
    __m512i v[8];
    for (size_t p = 0; p < 8; ++p) {
      if (p >= kPairs) {
        v[p] = _mm512_setzero_si512();
      } else {
        const __m512i x = 2 * p + 1 < kR ? loadu_si512(xq + 64 * p)
                                         : _mm512_zextsi256_si512(loadu_si256(xq + 64 * p));
        v[p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[p], x);
      }
    }
    const __m512i p0 = fold_q4k(v);
    __m512i isum = join_q4k(p0, kR > 8 ? fold_q4k(v + 4) : p0);
    const __m512i s = _mm512_maskz_loadu_epi32(kLanes, xt + n + 4 * nb + 4 * b);
    if (kOffset != 0) isum = _mm512_sub_epi32(isum, _mm512_slli_epi32(s, 4));
    const __m512 dx = _mm512_maskz_loadu_ps(kLanes, xt + n + 4 * b);
    __m512 term = _mm512_mul_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, dx));
    if (kMin) {
      term = _mm512_add_ps(term, _mm512_mul_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(mw, dx)));
    }
    acc[t] = _mm256_mask_add_ps(acc[t], static_cast<__mmask8>(kLanes), acc[t],
                                _mm512_castps512_ps256(term));
    if (kR > 8) {
      acc[t] = _mm256_mask_add_ps(acc[t], static_cast<__mmask8>(kLanes >> 8), acc[t],
                                  _mm512_extractf32x8_ps(term, 1));
    }
  }
}

template <size_t kBytes, size_t kQs, size_t kQh, int kOffset, bool kMin, size_t... kI>
void multi_tail32_r(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n_tok, size_t n,
                    size_t b, size_t r, __m256* acc, std::index_sequence<kI...> /*r - 1*/) {
  (void)((r == kI + 1 &&
          (multi_tail32<kBytes, kQs, kQh, kOffset, kMin, kI + 1>(w, xa, stride, n_tok, n, b, acc),
           true)) ||
         ...);
}

// Per group of 16 blocks: the weights once, then each token as dot32_512 does it; the last
// nb % 16 blocks by multi_tail32 (prepared once for all tokens).
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
  if (b < nb) {
    multi_tail32_r<kBytes, kQs, kQh, kOffset, kMin>(w, xa, stride, n_tok, n, b, nb - b, acc,
                                                    std::make_index_sequence<15>{});
  }
  for (size_t t = 0; t < n_tok; ++t) out[t] = hsum8(acc[t]);
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
