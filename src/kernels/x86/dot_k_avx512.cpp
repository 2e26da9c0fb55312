// AVX-512 (F, BW, VL, DQ, VNNI): the block formats beyond Q8_0 / Q4_0 (Q4_1, Q5_0, Q5_1,
// Q2_K..Q6_K), 256 bits wide. Unscaled block sums with VNNI (vpdpbusd), scaled ones with
// maddubs + madd; the shared body and the reduction order are in blocks_x86.inc
// (= kernels/ref/vec_dot_k.cpp, bit for bit).
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 bug 105593 (see dot_avx512.cpp).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#if defined(__GNUC__)
// blocks_x86.inc's Q4_K / Q6_K kernels are replaced by kquant_avx512.inc's here.
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
// The AVX-512-only kernels (after the shared helpers above).
#include "kernels/x86/kquant_avx512.inc"
// (uses kquant_avx512.inc's fold_q4k / join_q4k)
#include "kernels/x86/blocks32_avx512.inc"

// Super-blocks two at a time (the last one alone when their count is odd: its partner is itself
// and only lanes 0-7 are loaded and added). kQ5: Q5_K (the fifth bits at byte 16, nibbles at 48).
template <bool kQ5>
float dot_q45k_512(const uint8_t* w, const uint8_t* xa, size_t n) {
  constexpr size_t kBytes = kQ5 ? kQ5KBytes : kQ4KBytes;
  const size_t nsb = n / kSuper;
  const uint8_t* xd = xa + n;
  const uint8_t* xs = xa + n + 4 * (n / kBlk);
  __m256 acc = _mm256_setzero_ps();
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
    __m512i u[4];
    levels(b0, u);
    const __m512i p0 = dot_q4k(u, xa + k * kSuper);
    levels(b1, u);
    const __m512i p1 = dot_q4k(u, xa + k1 * kSuper);
    const bool both = k1 != k;
    acc = q4k_term(acc, join_q4k(p0, p1), q4k_pair(b0, b1), xs + 32 * k, xd + 32 * k, both);
  }
  return hsum8(acc);
}

float dot_q6k_512(const uint8_t* w, const uint8_t* xa, size_t n) {
  const size_t nsb = n / kSuper;
  const uint8_t* xd = xa + n;
  __m256 acc = _mm256_setzero_ps();
  for (size_t k = 0; k < nsb; k += 2) {
    const size_t k1 = k + 1 < nsb ? k + 1 : k;
    const uint8_t* b0 = w + k * kQ6KBytes;
    const uint8_t* b1 = w + k1 * kQ6KBytes;
    __m512i u[4], sc[2];
    q6k_levels(b0, u);
    q6k_scales(b0, sc);
    const __m512i p0 = dot_q6k(u, sc, xa + k * kSuper);
    q6k_levels(b1, u);
    q6k_scales(b1, sc);
    const __m512i p1 = dot_q6k(u, sc, xa + k1 * kSuper);
    const bool both = k1 != k;
    acc = q6k_term(acc, join_q6k(p0, p1), fp16_pair(b0 + 208, b1 + 208), xd + 32 * k, both);
  }
  return hsum8(acc);
}

const uint8_t* bytes(const void* p) {
  return static_cast<const uint8_t*>(p);
}

}  // namespace

float vec_dot_q4_1(const void* row, const void* act, size_t n) {
  return dot32_512<20, 4, 0, 0, true>(bytes(row), bytes(act), n);
}

float vec_dot_q5_0(const void* row, const void* act, size_t n) {
  return dot32_512<22, 6, 2, 16, false>(bytes(row), bytes(act), n);
}

float vec_dot_q5_1(const void* row, const void* act, size_t n) {
  return dot32_512<24, 8, 4, 0, true>(bytes(row), bytes(act), n);
}

float vec_dot_q2_k(const void* row, const void* act, size_t n) {
  return dot_q2_k(bytes(row), bytes(act), n);
}

float vec_dot_q3_k(const void* row, const void* act, size_t n) {
  return dot_q3_k(bytes(row), bytes(act), n);
}

float vec_dot_q4_k(const void* row, const void* act, size_t n) {
  return dot_q45k_512<false>(bytes(row), bytes(act), n);
}

float vec_dot_q5_k(const void* row, const void* act, size_t n) {
  return dot_q45k_512<true>(bytes(row), bytes(act), n);
}

float vec_dot_q6_k(const void* row, const void* act, size_t n) {
  return dot_q6k_512(bytes(row), bytes(act), n);
}

}  // namespace slim::kernels::avx512
