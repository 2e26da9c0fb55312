// AVX-512 (F, BW, VL, DQ, VNNI): the block formats beyond Q8_0 / Q4_0 (Q4_1, Q5_0, Q5_1,
// Q2_K..Q6_K), 256 bits wide. Unscaled block sums with VNNI (vpdpbusd), scaled ones with
// maddubs + madd; the shared body and the reduction order are in blocks_x86.inc
// (= kernels/ref/vec_dot_k.cpp, bit for bit).
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 bug 105593 (see dot_avx512.cpp).
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

const uint8_t* bytes(const void* p) {
  return static_cast<const uint8_t*>(p);
}

}  // namespace

float vec_dot_q4_1(const void* row, const void* act, size_t n) {
  return dot32<20, 4, 0, 0, true>(bytes(row), bytes(act), n);
}

float vec_dot_q5_0(const void* row, const void* act, size_t n) {
  return dot32<22, 6, 2, 16, false>(bytes(row), bytes(act), n);
}

float vec_dot_q5_1(const void* row, const void* act, size_t n) {
  return dot32<24, 8, 4, 0, true>(bytes(row), bytes(act), n);
}

float vec_dot_q2_k(const void* row, const void* act, size_t n) {
  return dot_q2_k(bytes(row), bytes(act), n);
}

float vec_dot_q3_k(const void* row, const void* act, size_t n) {
  return dot_q3_k(bytes(row), bytes(act), n);
}

float vec_dot_q4_k(const void* row, const void* act, size_t n) {
  return dot_q45_k<false>(bytes(row), bytes(act), n);
}

float vec_dot_q5_k(const void* row, const void* act, size_t n) {
  return dot_q45_k<true>(bytes(row), bytes(act), n);
}

float vec_dot_q6_k(const void* row, const void* act, size_t n) {
  return dot_q6_k(bytes(row), bytes(act), n);
}

}  // namespace slim::kernels::avx512
