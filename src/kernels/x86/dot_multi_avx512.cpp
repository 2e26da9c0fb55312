// AVX-512 (F, BW, VL, DQ, VNNI) multi-token dot products for Q8_0 and Q4_0 (prompt processing).
// Compiled with its own flags (src/CMakeLists.txt); only intrinsics and this file's own internal
// functions are used (see x86.hpp).
//
// out[t] is bit-identical to avx512::vec_dot_q8_0 / vec_dot_q4_0 (and so to the reference) for
// every token: each group of 8 weight blocks is loaded and unpacked once (Q8_0: |w| and the sign
// mask; Q4_0: the nibbles) with its 8 fp16 scales, then dotted with each token's 8 activation
// blocks (VNNI, exact int32 sums). Two tokens' 8 block sums are transposed into one 512-bit vector
// [token a blocks 0-7, token b blocks 0-7] and the float part, term = float(isum) * (dw * dx),
// acc += term, runs 16 lanes wide: lane i of each half is exactly the single-token kernel's lane
// i. The last nb % 8 blocks go one at a time into the per-token lanes, and each token ends with
// the same 8-lane tree ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).
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

constexpr size_t kBlock = 32;

#include "kernels/x86/helpers_x86.inc"

__m256i loadu_si256(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Lanes 2i and 2i + 1 of the 32-lane concatenation [a, b] added: 16 lanes.
__m512i pair_sum(__m512i a, __m512i b) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  return _mm512_add_epi32(_mm512_permutex2var_epi32(a, even, b),
                          _mm512_permutex2var_epi32(a, odd, b));
}

// v[k] holds blocks 2k, 2k + 1 (8 lanes each) -> 16 lanes, 2 per block (block i: lanes 2i, 2i+1).
__m512i half_sum8(const __m512i* v) {
  return pair_sum(pair_sum(v[0], v[1]), pair_sum(v[2], v[3]));
}

__m512 both_halves(__m256 lo, __m256 hi) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

// Q8_0: fp16 d + 32 int8. Weights of two blocks prepared once: |w| and the sign mask.
struct Q8_0Kind {
  static constexpr size_t kBytes = 34;
  static constexpr bool kOffset = false;
  struct W {
    __m512i a;
    __mmask64 neg;
  };
  static W prep(const uint8_t* q0, const uint8_t* q1) {
    const __m512i w =
        _mm512_inserti64x4(_mm512_castsi256_si512(loadu_si256(q0)), loadu_si256(q1), 1);
    return {_mm512_abs_epi8(w), _mm512_movepi8_mask(w)};
  }
  static __m512i dot(const W& w, const uint8_t* xq) {
    const __m512i x = _mm512_loadu_si512(xq);
    const __m512i sx = _mm512_mask_sub_epi8(x, w.neg, _mm512_setzero_si512(), x);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.a, sx);
  }
  struct W1 {
    __m256i a;
    __mmask32 neg;
  };
  static W1 prep1(const uint8_t* q) {
    const __m256i w = loadu_si256(q);
    return {_mm256_abs_epi8(w), _mm256_movepi8_mask(w)};
  }
  static __m256i dot1(const W1& w, const uint8_t* xq) {
    const __m256i x = loadu_si256(xq);
    const __m256i sx = _mm256_mask_sub_epi8(x, w.neg, _mm256_setzero_si256(), x);
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w.a, sx);
  }
};

// Q4_0: fp16 d + 16 bytes of nibbles; u = nibble 0..15 (the -8 offset via the activation sums).
struct Q4_0Kind {
  static constexpr size_t kBytes = 18;
  static constexpr bool kOffset = true;
  struct W {
    __m512i u;
  };
  static W prep(const uint8_t* q0, const uint8_t* q1) {
    const __m256i raw = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q0))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(q1)), 1);
    const __m512i both =
        _mm512_inserti64x4(_mm512_castsi256_si512(raw), _mm256_srli_epi16(raw, 4), 1);
    return {_mm512_and_si512(_mm512_shuffle_i64x2(both, both, _MM_SHUFFLE(3, 1, 2, 0)),
                             _mm512_set1_epi8(0x0f))};
  }
  static __m512i dot(const W& w, const uint8_t* xq) {
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.u, _mm512_loadu_si512(xq));
  }
  struct W1 {
    __m256i u;
  };
  static W1 prep1(const uint8_t* q) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    return {
        _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0f))};
  }
  static __m256i dot1(const W1& w, const uint8_t* xq) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w.u, loadu_si256(xq));
  }
};

// kNt tokens (1..8): token t's activation row at xa + t * stride.
template <typename K, size_t kNt>
void dot_multi(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  constexpr size_t kPairs = kNt / 2;
  constexpr bool kOdd = kNt % 2 != 0;
  constexpr size_t kB = K::kBytes;
  const size_t nb = n / kBlock;
  const size_t xd_off = n, xs_off = n + 4 * nb;  // float d[nb], int32 s[nb] in each row
  __m512 acc2[kPairs > 0 ? kPairs : 1];
  for (size_t p = 0; p < kPairs; ++p) acc2[p] = _mm512_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();  // the odd last token
  size_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    typename K::W wv[4];
    for (size_t k = 0; k < 4; ++k) {
      const uint8_t* w0 = w + (b + 2 * k) * kB + 2;
      wv[k] = K::prep(w0, w0 + kB);
    }
    const __m256 dw8 = scales8(w + b * kB, kB);
    const __m512 dw = both_halves(dw8, dw8);
    for (size_t p = 0; p < kPairs; ++p) {
      const uint8_t* xa0 = xa + 2 * p * stride;
      const uint8_t* xa1 = xa0 + stride;
      __m512i v0[4], v1[4];
      for (size_t k = 0; k < 4; ++k) {
        v0[k] = K::dot(wv[k], xa0 + (b + 2 * k) * kBlock);
        v1[k] = K::dot(wv[k], xa1 + (b + 2 * k) * kBlock);
      }
      __m512i isum = pair_sum(half_sum8(v0), half_sum8(v1));  // [token 2p, token 2p + 1]
      if (K::kOffset) {
        const __m512i s =
            _mm512_inserti64x4(_mm512_castsi256_si512(loadu_si256(xa0 + xs_off + 4 * b)),
                               loadu_si256(xa1 + xs_off + 4 * b), 1);
        isum = _mm512_sub_epi32(isum, _mm512_slli_epi32(s, 3));
      }
      const __m512 dx =
          both_halves(_mm256_loadu_ps(reinterpret_cast<const float*>(xa0 + xd_off + 4 * b)),
                      _mm256_loadu_ps(reinterpret_cast<const float*>(xa1 + xd_off + 4 * b)));
      acc2[p] =
          _mm512_add_ps(acc2[p], _mm512_mul_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, dx)));
    }
    if (kOdd) {
      const uint8_t* xt = xa + (kNt - 1) * stride;
      __m512i v[4];
      for (size_t k = 0; k < 4; ++k) v[k] = K::dot(wv[k], xt + (b + 2 * k) * kBlock);
      const __m512i h = half_sum8(v);
      __m256i isum = _mm512_castsi512_si256(pair_sum(h, h));
      if (K::kOffset) {
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(loadu_si256(xt + xs_off + 4 * b), 3));
      }
      const __m256 dx = _mm256_loadu_ps(reinterpret_cast<const float*>(xt + xd_off + 4 * b));
      acc1 = _mm256_add_ps(acc1, _mm256_mul_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw8, dx)));
    }
  }
  if (b == nb) {
    for (size_t p = 0; p < kPairs; ++p) {
      out[2 * p] = hsum8(_mm512_castps512_ps256(acc2[p]));
      out[2 * p + 1] = hsum8(_mm512_extractf32x8_ps(acc2[p], 1));
    }
    if (kOdd) out[kNt - 1] = hsum8(acc1);
    return;
  }
  // The last nb % 8 blocks, one at a time, into each token's lanes.
  alignas(64) float lane[kNt][8];
  for (size_t p = 0; p < kPairs; ++p) {
    _mm256_store_ps(lane[2 * p], _mm512_castps512_ps256(acc2[p]));
    _mm256_store_ps(lane[2 * p + 1], _mm512_extractf32x8_ps(acc2[p], 1));
  }
  if (kOdd) _mm256_store_ps(lane[kNt - 1], acc1);
  for (; b < nb; ++b) {
    const typename K::W1 wb = K::prep1(w + b * kB + 2);
    const float dw = fp16_to_f32(load_u16(w + b * kB));
    for (size_t t = 0; t < kNt; ++t) {
      const uint8_t* xt = xa + t * stride;
      int32_t isum = hsum_i32(K::dot1(wb, xt + b * kBlock));
      if (K::kOffset) isum -= 8 * load_i32(xt + xs_off + 4 * b);
      const float scale = dw * load_f32(xt + xd_off + 4 * b);
      lane[t][b % 8] += static_cast<float>(isum) * scale;
    }
  }
  for (size_t t = 0; t < kNt; ++t) out[t] = lane_tree(lane[t]);
}

#include "kernels/x86/multi_group_x86.inc"

}  // namespace

void vec_dot_multi_q8_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  dot_multi_any<Q8_0Kind>(row, act, act_stride, n_tok, n, out);
}

void vec_dot_multi_q4_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  dot_multi_any<Q4_0Kind>(row, act, act_stride, n_tok, n, out);
}

}  // namespace slim::kernels::avx512
