// AVX-512 (F, BW, VL, DQ, VNNI) weight-row dot products and the Q8 activation quantizer.
// Compiled with its own flags (src/CMakeLists.txt); only intrinsics and this file's own internal
// functions are used (see x86.hpp). Any alignment of rows and activations is fine.
//
// Float types: 4 accumulators of 16 lanes; element i goes to accumulator (i / 16) % 4, lane
// i % 16, via FMA, over whole groups of 64; then remaining groups of 16 into accumulator 0; then
// the last n % 16 elements (masked load, zeros elsewhere) into accumulator 0. Result:
// (acc0 + acc1) + (acc2 + acc3), halves added (lane i + lane i + 8), then the 8-lane tree
// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).
//
// BF16 weights are widened by a 16-bit shift and multiplied with the F32 activations; the
// AVX512-BF16 dot instruction is not used because it would round the activations to bf16.
//
// Block types (Q8_0, Q4_0): the order of kernels/ref/vec_dot.cpp exactly (bit-identical), 16
// blocks per step with the building blocks of q8_blocks_avx512.inc (integer sums with VNNI on
// unsigned weight bytes, offset by the activation block sums; terms float(isum) * (dw * dx) added
// to an 8-lane accumulator, lane = block % 8; the row's last blocks in the same step, padded).
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

#include "kernels/x86/helpers_x86.inc"
#include "kernels/x86/q8_blocks_avx512.inc"

#include "kernels/x86/float_weights_avx512.inc"

template <typename W>
float dot_float(const uint8_t* w, const float* x, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_fmadd_ps(W::load(w + W::kBytes * i), _mm512_loadu_ps(x + i), a0);
    a1 = _mm512_fmadd_ps(W::load(w + W::kBytes * (i + 16)), _mm512_loadu_ps(x + i + 16), a1);
    a2 = _mm512_fmadd_ps(W::load(w + W::kBytes * (i + 32)), _mm512_loadu_ps(x + i + 32), a2);
    a3 = _mm512_fmadd_ps(W::load(w + W::kBytes * (i + 48)), _mm512_loadu_ps(x + i + 48), a3);
  }
  for (; i + 16 <= n; i += 16) {
    a0 = _mm512_fmadd_ps(W::load(w + W::kBytes * i), _mm512_loadu_ps(x + i), a0);
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    a0 = _mm512_fmadd_ps(W::load(w + W::kBytes * i, m), _mm512_maskz_loadu_ps(m, x + i), a0);
  }
  return hsum16(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

}  // namespace

float vec_dot_f32(const void* row, const void* act, size_t n) {
  return dot_float<F32W>(static_cast<const uint8_t*>(row), static_cast<const float*>(act), n);
}

float vec_dot_f16(const void* row, const void* act, size_t n) {
  return dot_float<F16W>(static_cast<const uint8_t*>(row), static_cast<const float*>(act), n);
}

float vec_dot_bf16(const void* row, const void* act, size_t n) {
  return dot_float<BF16W>(static_cast<const uint8_t*>(row), static_cast<const float*>(act), n);
}

// The math of ref::quantize_q8, 16 lanes at a time (see the AVX2 version for the equivalences).
void quantize_q8(const float* x, void* act, size_t n) {
  auto* base = static_cast<uint8_t*>(act);
  const size_t nb = n / kBlock;
  const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * kBlock;
    const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
    const __m512 m =
        _mm512_max_ps(_mm512_abs_ps(v1), _mm512_max_ps(_mm512_abs_ps(v0), _mm512_setzero_ps()));
    __m256 m8 = _mm256_max_ps(_mm512_castps512_ps256(m), _mm512_extractf32x8_ps(m, 1));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m512 vid = _mm512_set1_ps(id);
    const __m512i q0 =
        _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v0, vid), lo), hi));
    const __m512i q1 =
        _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v1, vid), lo), hi));
    const int32_t s = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(base + b * kBlock), _mm512_cvtsepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(base + b * kBlock + 16), _mm512_cvtsepi32_epi8(q1));
    std::memcpy(base + n + 4 * b, &d, 4);
    std::memcpy(base + n + 4 * nb + 4 * b, &s, 4);
  }
}

float vec_dot_q8_0(const void* row, const void* act, size_t n) {
  float out;
  dot_tokens<Q8_0Kind, 1>(static_cast<const uint8_t*>(row), static_cast<const uint8_t*>(act), 0, n,
                          &out);
  return out;
}

float vec_dot_q4_0(const void* row, const void* act, size_t n) {
  float out;
  dot_tokens<Q4_0Kind, 1>(static_cast<const uint8_t*>(row), static_cast<const uint8_t*>(act), 0, n,
                          &out);
  return out;
}

}  // namespace slim::kernels::avx512
