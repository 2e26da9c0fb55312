// AVX2 + FMA + F16C: Q8_0 weights against F32 activations (KernelTable::q8_0_f32), in the order
// of kernels/ref/vec_dot_q8_f32.cpp, bit for bit: per block four 8-lane FMAs (elements 0-7 and
// 16-23 into lo, 8-15 and 24-31 into hi), then acc = fma(d, lo + hi, acc).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx2 {

namespace {

constexpr size_t kBlock = 32;
constexpr size_t kQ8_0Bytes = 34;

// The block's fp16 scale as float.
float block_scale(const uint8_t* blk) {
  uint16_t h;
  std::memcpy(&h, blk, 2);
  return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), the reference's final tree.
float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 8 int8 weights at p as floats.
__m256 q8x8(const uint8_t* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(v)));
}

}  // namespace

float vec_dot_q8_0_f32(const void* row, const void* act, size_t n) {
  const auto* blk = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const float*>(act);
  const size_t nb = n / kBlock;
  const __m256 zero = _mm256_setzero_ps();
  __m256 acc = zero;
  for (size_t b = 0; b < nb; ++b, blk += kQ8_0Bytes, x += kBlock) {
    const uint8_t* q = blk + 2;
    __m256 lo = _mm256_fmadd_ps(q8x8(q), _mm256_loadu_ps(x), zero);
    __m256 hi = _mm256_fmadd_ps(q8x8(q + 8), _mm256_loadu_ps(x + 8), zero);
    lo = _mm256_fmadd_ps(q8x8(q + 16), _mm256_loadu_ps(x + 16), lo);
    hi = _mm256_fmadd_ps(q8x8(q + 24), _mm256_loadu_ps(x + 24), hi);
    const __m256 d = _mm256_set1_ps(block_scale(blk));
    acc = _mm256_fmadd_ps(d, _mm256_add_ps(lo, hi), acc);
  }
  return hsum8(acc);
}

}  // namespace slim::kernels::avx2
