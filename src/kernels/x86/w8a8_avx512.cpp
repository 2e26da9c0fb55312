// AVX-512 (+VNNI) W8A8 kernels (math and order: kernels/w8a8.hpp; bit-identical to
// kernels/ref/vec_dot_w8a8.cpp). Integer dot: vpdpbusd(|w| as unsigned, x negated where w < 0),
// which is exact for every int8 w including -128 (|w| = 128 unsigned) and never saturates.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers: see dot_avx512.cpp (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/w8a8.hpp"

namespace slim::kernels::avx512 {

namespace {

__m512i dot64(__m512i acc, const uint8_t* w, const uint8_t* x) {
  const __m512i vw = _mm512_loadu_si512(w), vx = _mm512_loadu_si512(x);
  const __m512i sx = _mm512_mask_sub_epi8(vx, _mm512_movepi8_mask(vw), _mm512_setzero_si512(), vx);
  return _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(vw), sx);
}

__m256i dot32(__m256i acc, const uint8_t* w, const uint8_t* x) {
  const __m256i vw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
  const __m256i vx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
  const __m256i sx = _mm256_mask_sub_epi8(vx, _mm256_movepi8_mask(vw), _mm256_setzero_si256(), vx);
  return _mm256_dpbusd_epi32(acc, _mm256_abs_epi8(vw), sx);
}

int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace

// As the AVX2 version, 16 lanes at a time (max/min/div/cvtps: see w8a8_avx2.cpp).
void quantize_i8(const float* x, float s, void* act, size_t n) {
  auto* q = static_cast<uint8_t*>(act);
  const __m512 vs = _mm512_set1_ps(s);
  const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
  for (size_t i = 0; i < n; i += 16) {  // n % 32 == 0
    const __m512 t = _mm512_div_ps(_mm512_loadu_ps(x + i), vs);
    const __m512i v = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(t, lo), hi));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_cvtsepi32_epi8(v));
  }
  std::memcpy(q + n, &s, 4);
}

float vec_dot_w8a8(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row) + 4;
  const auto* x = static_cast<const uint8_t*>(act);
  __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    a0 = dot64(a0, w + i, x + i);
    a1 = dot64(a1, w + i + 64, x + i + 64);
  }
  if (i + 64 <= n) {
    a0 = dot64(a0, w + i, x + i);
    i += 64;
  }
  __m256i t = _mm256_setzero_si256();
  if (i < n) t = dot32(t, w + i, x + i);  // n % 32 == 0: one block left
  const int32_t isum = _mm512_reduce_add_epi32(_mm512_add_epi32(a0, a1)) + hsum_i32(t);
  float sw, sx;
  std::memcpy(&sw, w - 4, 4);
  std::memcpy(&sx, x + n, 4);
  const float scale = sw * sx;
  return static_cast<float>(isum) * scale;
}

// n_tok tokens at once (kernels.hpp VecDotMultiFn): each 64 weight bytes are loaded and made
// unsigned once, then dotted with every token; integer sums are exact, so every out[t] has the
// bits of vec_dot_w8a8 for that token.
void vec_dot_multi_w8a8(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  const auto* w = static_cast<const uint8_t*>(row) + 4;
  const auto* x = static_cast<const uint8_t*>(act);
  __m512i acc[kW8A8MaxTok];
  __m256i tail[kW8A8MaxTok];
  for (size_t t = 0; t < n_tok; ++t) {
    acc[t] = _mm512_setzero_si512();
    tail[t] = _mm256_setzero_si256();
  }
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i vw = _mm512_loadu_si512(w + i);
    const __m512i aw = _mm512_abs_epi8(vw);
    const __mmask64 neg = _mm512_movepi8_mask(vw);
    for (size_t t = 0; t < n_tok; ++t) {
      const __m512i vx = _mm512_loadu_si512(x + t * act_stride + i);
      const __m512i sx = _mm512_mask_sub_epi8(vx, neg, _mm512_setzero_si512(), vx);
      acc[t] = _mm512_dpbusd_epi32(acc[t], aw, sx);
    }
  }
  if (i < n) {  // n % 32 == 0: one block left
    for (size_t t = 0; t < n_tok; ++t) tail[t] = dot32(tail[t], w + i, x + t * act_stride + i);
  }
  float sw;
  std::memcpy(&sw, w - 4, 4);
  for (size_t t = 0; t < n_tok; ++t) {
    const int32_t isum = _mm512_reduce_add_epi32(acc[t]) + hsum_i32(tail[t]);
    float sx;
    std::memcpy(&sx, x + t * act_stride + n, 4);
    const float scale = sw * sx;
    out[t] = static_cast<float>(isum) * scale;
  }
}

}  // namespace slim::kernels::avx512
