// AVX2 W8A8 kernels (math and order: kernels/w8a8.hpp; bit-identical to
// kernels/ref/vec_dot_w8a8.cpp). Integer dot: maddubs(|w|, x * sign(w)) gives pairs of products in
// int16 without saturation
// (|w| <= 128, |x| <= 127: 2 * 128 * 127 < 2^15), madd with ones widens them to int32.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/w8a8.hpp"

namespace slim::kernels::avx2 {

namespace {

__m256i loadu(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// 8 int32 partial sums of w[j] * x[j] over 32 bytes.
__m256i dot32(const uint8_t* w, const uint8_t* x) {
  const __m256i vw = loadu(w), vx = loadu(x);
  const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(vw, vw), _mm256_sign_epi8(vx, vw));
  return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace

// max_ps(v, -127) is `v > -127 ? v : -127` (nan -> -127), min_ps(v, 127) is `v < 127 ? v : 127`,
// div_ps is the correctly rounded x / s, cvtps_epi32 rounds to nearest even like nearbyint.
void quantize_i8(const float* x, float s, void* act, size_t n) {
  auto* q = static_cast<uint8_t*>(act);
  const __m256 vs = _mm256_set1_ps(s);
  const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (size_t i = 0; i < n; i += 32) {
    __m256i v[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 t = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * k), vs);
      v[k] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(t, lo), hi));
    }
    const __m256i p01 = _mm256_packs_epi32(v[0], v[1]);
    const __m256i p23 = _mm256_packs_epi32(v[2], v[3]);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), bytes);
  }
  std::memcpy(q + n, &s, 4);
}

float vec_dot_w8a8(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row) + 4;
  const auto* x = static_cast<const uint8_t*>(act);
  __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm256_add_epi32(a0, dot32(w + i, x + i));
    a1 = _mm256_add_epi32(a1, dot32(w + i + 32, x + i + 32));
  }
  if (i < n) a0 = _mm256_add_epi32(a0, dot32(w + i, x + i));  // n % 32 == 0: one block left
  const int32_t isum = hsum_i32(_mm256_add_epi32(a0, a1));
  float sw, sx;
  std::memcpy(&sw, w - 4, 4);
  std::memcpy(&sx, x + n, 4);
  const float scale = sw * sx;
  return static_cast<float>(isum) * scale;
}

// n_tok tokens at once (kernels.hpp VecDotMultiFn): each 32 weight bytes are loaded and their
// |w| made once, then dotted with every token; integer sums are exact, so every out[t] has the
// bits of vec_dot_w8a8 for that token.
void vec_dot_multi_w8a8(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  const auto* w = static_cast<const uint8_t*>(row) + 4;
  const auto* x = static_cast<const uint8_t*>(act);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[kW8A8MaxTok];
  for (size_t t = 0; t < n_tok; ++t) acc[t] = _mm256_setzero_si256();
  for (size_t i = 0; i < n; i += 32) {
    const __m256i vw = loadu(w + i);
    const __m256i aw = _mm256_sign_epi8(vw, vw);
    for (size_t t = 0; t < n_tok; ++t) {
      const __m256i sx = _mm256_sign_epi8(loadu(x + t * act_stride + i), vw);
      acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), ones));
    }
  }
  float sw;
  std::memcpy(&sw, w - 4, 4);
  for (size_t t = 0; t < n_tok; ++t) {
    float sx;
    std::memcpy(&sx, x + t * act_stride + n, 4);
    const float scale = sw * sx;
    out[t] = static_cast<float>(hsum_i32(acc[t])) * scale;
  }
}

}  // namespace slim::kernels::avx2
