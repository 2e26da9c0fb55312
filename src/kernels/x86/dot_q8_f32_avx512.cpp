// AVX-512: Q8_0 weights against F32 activations (KernelTable::q8_0_f32), in the order of
// kernels/ref/vec_dot_q8_f32.cpp, bit for bit: per block two 16-lane FMAs (lanes 0-7 hold the
// reference's lo, lanes 8-15 its hi), then acc = fma(d, low half + high half, acc) on 8 lanes.
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

// 16 int8 weights at p as floats.
__m512 q8x16(const uint8_t* p) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}

}  // namespace

float vec_dot_q8_0_f32(const void* row, const void* act, size_t n) {
  const auto* blk = static_cast<const uint8_t*>(row);
  const auto* x = static_cast<const float*>(act);
  const size_t nb = n / kBlock;
  __m256 acc = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b, blk += kQ8_0Bytes, x += kBlock) {
    __m512 t = _mm512_fmadd_ps(q8x16(blk + 2), _mm512_loadu_ps(x), _mm512_setzero_ps());
    t = _mm512_fmadd_ps(q8x16(blk + 18), _mm512_loadu_ps(x + 16), t);
    const __m256 s = _mm256_add_ps(_mm512_castps512_ps256(t), _mm512_extractf32x8_ps(t, 1));
    const __m256 d = _mm256_set1_ps(block_scale(blk));
    acc = _mm256_fmadd_ps(d, s, acc);
  }
  return hsum8(acc);
}

}  // namespace slim::kernels::avx512
