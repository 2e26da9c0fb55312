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
// Block types: the order of kernels/ref/vec_dot.cpp exactly (bit-identical): two blocks per
// 512-bit register, integer sums with VNNI (vpdpbusd; Q8_0 via |w| and x negated where w < 0),
// 8 blocks transposed into one vector of 8 sums, terms float(isum) * (dw * dx) added to an
// 8-lane accumulator (lane = block % 8).
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
constexpr size_t kQ4_0Bytes = 18;

#include "kernels/x86/helpers_x86.inc"

float hsum16(__m512 v) {
  return hsum8(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

__m256i loadu_si256(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

__mmask16 tail_mask(size_t count) {
  return static_cast<__mmask16>((1u << count) - 1u);
}

// Weight element type -> 16 floats (full or masked).
struct F32W {
  static constexpr size_t kBytes = 4;
  static __m512 load(const uint8_t* p) { return _mm512_loadu_ps(p); }
  static __m512 load(const uint8_t* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
};
struct F16W {
  static constexpr size_t kBytes = 2;
  static __m512 load(const uint8_t* p) { return _mm512_cvtph_ps(loadu_si256(p)); }
  static __m512 load(const uint8_t* p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
  }
};
struct BF16W {
  static constexpr size_t kBytes = 2;
  static __m512 widen(__m256i h) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static __m512 load(const uint8_t* p) { return widen(loadu_si256(p)); }
  static __m512 load(const uint8_t* p, __mmask16 m) {
    return widen(_mm256_maskz_loadu_epi16(m, p));
  }
};

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

// Two blocks' int8 weights (32 bytes at p0, 32 bytes at p1) in one register.
__m512i load2x32(const uint8_t* p0, const uint8_t* p1) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(loadu_si256(p0)), loadu_si256(p1), 1);
}

// 16 int32 partial sums, lanes 0-7 for block b, 8-15 for block b + 1 (Q8_0 weights at w0, w1;
// activations: 64 contiguous int8 at xq).
__m512i blocks_q8_0(const uint8_t* w0, const uint8_t* w1, const uint8_t* xq) {
  const __m512i w = load2x32(w0, w1);
  const __m512i x = _mm512_loadu_si512(xq);
  const __m512i sx = _mm512_mask_sub_epi8(x, _mm512_movepi8_mask(w), _mm512_setzero_si512(), x);
  return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(w), sx);
}

// As blocks_q8_0 for Q4_0 (16 bytes of nibbles at q0, q1): sum u[j] * x[j], u = nibble 0..15.
__m512i blocks_q4_0(const uint8_t* q0, const uint8_t* q1, const uint8_t* xq) {
  const __m256i raw = _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q0))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(q1)), 1);
  // [q0, q1, q0 >> 4, q1 >> 4] -> [q0, q0 >> 4, q1, q1 >> 4] (128-bit quarters)
  const __m512i both =
      _mm512_inserti64x4(_mm512_castsi256_si512(raw), _mm256_srli_epi16(raw, 4), 1);
  const __m512i u = _mm512_and_si512(_mm512_shuffle_i64x2(both, both, _MM_SHUFFLE(3, 1, 2, 0)),
                                     _mm512_set1_epi8(0x0f));
  return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, _mm512_loadu_si512(xq));
}

// One block of each (for the last blocks of a row): 8 int32 partial sums.
__m256i block_q8_0(const uint8_t* wq, const uint8_t* xq) {
  const __m256i w = loadu_si256(wq);
  const __m256i x = loadu_si256(xq);
  const __m256i sx = _mm256_mask_sub_epi8(x, _mm256_movepi8_mask(w), _mm256_setzero_si256(), x);
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), sx);
}

__m256i block_q4_0(const uint8_t* qs, const uint8_t* xq) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i u =
      _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0f));
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, loadu_si256(xq));
}

// Lanes 2i and 2i + 1 of the 32-lane concatenation [a, b] added: 16 lanes.
__m512i pair_sum(__m512i a, __m512i b) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  return _mm512_add_epi32(_mm512_permutex2var_epi32(a, even, b),
                          _mm512_permutex2var_epi32(a, odd, b));
}

// v[k] holds blocks 2k and 2k + 1 (8 lanes each) -> [sum(block 0), ..., sum(block 7)].
__m256i transpose_sum8(const __m512i* v) {
  const __m512i p = pair_sum(pair_sum(v[0], v[1]), pair_sum(v[2], v[3]));  // 2 lanes per block
  return _mm512_castsi512_si256(pair_sum(p, p));
}

using BlocksFn = __m512i (*)(const uint8_t*, const uint8_t*, const uint8_t*);
using BlockFn = __m256i (*)(const uint8_t*, const uint8_t*);

// Blocks: two blocks at a time (main loop); Block: one block (the last nb % 8).
template <size_t kBytesPerBlock, bool kOffset, BlocksFn Blocks, BlockFn Block>
float dot_blocks(const uint8_t* w, const uint8_t* xa, size_t n) {
  const size_t nb = n / kBlock;
  const uint8_t* xd = xa + n;           // float d[nb]
  const uint8_t* xs = xa + n + 4 * nb;  // int32 s[nb]
  __m256 acc = _mm256_setzero_ps();
  size_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    __m512i v[4];
    for (size_t k = 0; k < 4; ++k) {
      const uint8_t* w0 = w + (b + 2 * k) * kBytesPerBlock + 2;
      v[k] = Blocks(w0, w0 + kBytesPerBlock, xa + (b + 2 * k) * kBlock);
    }
    __m256i isum = transpose_sum8(v);
    if (kOffset) isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(loadu_si256(xs + 4 * b), 3));
    const __m256 dw = scales8(w + b * kBytesPerBlock, kBytesPerBlock);
    const __m256 dx = _mm256_loadu_ps(reinterpret_cast<const float*>(xd + 4 * b));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, dx)));
  }
  if (b == nb) return hsum8(acc);
  // The last nb % 8 blocks, one at a time, into the same lanes.
  alignas(32) float lane[8];
  _mm256_store_ps(lane, acc);
  for (; b < nb; ++b) {
    int32_t isum = hsum_i32(Block(w + b * kBytesPerBlock + 2, xa + b * kBlock));
    if (kOffset) isum -= 8 * load_i32(xs + 4 * b);
    const float scale = fp16_to_f32(load_u16(w + b * kBytesPerBlock)) * load_f32(xd + 4 * b);
    lane[b % 8] += static_cast<float>(isum) * scale;
  }
  return lane_tree(lane);
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
  return dot_blocks<kQ8_0Bytes, false, blocks_q8_0, block_q8_0>(
      static_cast<const uint8_t*>(row), static_cast<const uint8_t*>(act), n);
}

float vec_dot_q4_0(const void* row, const void* act, size_t n) {
  return dot_blocks<kQ4_0Bytes, true, blocks_q4_0, block_q4_0>(static_cast<const uint8_t*>(row),
                                                               static_cast<const uint8_t*>(act), n);
}

}  // namespace slim::kernels::avx512
