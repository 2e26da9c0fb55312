// AVX2 + FMA + F16C multi-token dot products for Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K (prompt
// processing): kernels/x86/multi_k_x86.inc with the integer dot steps of dot_k_avx2.cpp (same
// instructions), so out[t] is bit-identical to avx2::vec_dot_* (and the reference) for every token.
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

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx2 {

namespace {

__m256i dot_u8s8(__m256i u, __m256i x) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), _mm256_set1_epi16(1));
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

const uint8_t* bytes(const void* p) {
  return static_cast<const uint8_t*>(p);
}

}  // namespace

void vec_dot_multi_q4_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi32<20, 4, 0, 0, true>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q5_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi32<22, 6, 2, 16, false>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q5_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi32<24, 8, 4, 0, true>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q4_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi_q45_k<false>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q5_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi_q45_k<true>(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

void vec_dot_multi_q6_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  multi_q6_k(bytes(row), bytes(act), act_stride, n_tok, n, out);
}

}  // namespace slim::kernels::avx2
