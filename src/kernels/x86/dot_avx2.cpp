// AVX2 + FMA + F16C weight-row dot products and the Q8 activation quantizer.
// Compiled with -mavx2 -mfma -mf16c; only intrinsics and this file's own internal functions are
// used (see x86.hpp). Rows and activations may have any alignment (unaligned loads only).
//
// Float types: 4 accumulators of 8 lanes; element i goes to accumulator (i / 8) % 4, lane i % 8,
// via FMA, over whole groups of 32; then remaining groups of 8 into accumulator 0; then the last
// n % 8 elements, zero-padded, into accumulator 0. Result: (acc0 + acc1) + (acc2 + acc3), then
// the 8-lane tree ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).
//
// Block types: the order of kernels/ref/vec_dot.cpp exactly (bit-identical): integer block sums
// (maddubs + madd, with the sign trick for Q8_0), 8 blocks at a time transposed into one vector of
// 8 sums, terms float(isum) * (dw * dx) added to an 8-lane accumulator (lane = block % 8).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx2 {

namespace {

constexpr size_t kBlock = 32;      // elements per Q8_0 / Q4_0 / Q8 activation block
constexpr size_t kQ8_0Bytes = 34;  // fp16 d + 32 int8
constexpr size_t kQ4_0Bytes = 18;  // fp16 d + 16 bytes of nibbles

#include "kernels/x86/helpers_x86.inc"

#include "kernels/x86/float_weights_avx2.inc"

template <typename W>
float dot_float(const uint8_t* w, const float* x, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_fmadd_ps(W::load(w + W::kBytes * i), _mm256_loadu_ps(x + i), a0);
    a1 = _mm256_fmadd_ps(W::load(w + W::kBytes * (i + 8)), _mm256_loadu_ps(x + i + 8), a1);
    a2 = _mm256_fmadd_ps(W::load(w + W::kBytes * (i + 16)), _mm256_loadu_ps(x + i + 16), a2);
    a3 = _mm256_fmadd_ps(W::load(w + W::kBytes * (i + 24)), _mm256_loadu_ps(x + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8) {
    a0 = _mm256_fmadd_ps(W::load(w + W::kBytes * i), _mm256_loadu_ps(x + i), a0);
  }
  if (i < n) {  // zero-padded copies: never read past the row
    alignas(32) uint8_t tw[8 * 4] = {};
    alignas(32) float tx[8] = {};
    std::memcpy(tw, w + W::kBytes * i, W::kBytes * (n - i));
    std::memcpy(tx, x + i, sizeof(float) * (n - i));
    a0 = _mm256_fmadd_ps(W::load(tw), _mm256_load_ps(tx), a0);
  }
  return hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

__m256i loadu_si256(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// 8 int32 partial sums of one Q8_0 block (32 int8 at wq) times 32 int8 activations at xq.
// Sign trick: |w| (unsigned; -128 becomes 128) times x * sign(w); pairs stay within int16.
__m256i block_q8_0(const uint8_t* wq, const uint8_t* xq) {
  const __m256i w = loadu_si256(wq);
  const __m256i x = loadu_si256(xq);
  const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

// 8 int32 partial sums of sum_j u[j] * x[j] for one Q4_0 block (16 bytes of nibbles at qs).
__m256i block_q4_0(const uint8_t* qs, const uint8_t* xq) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i u =
      _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0f));
  const __m256i p = _mm256_maddubs_epi16(u, loadu_si256(xq));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

// [sum(v0), sum(v1), ..., sum(v7)] (exact integer sums).
__m256i transpose_sum8(const __m256i* v) {
  const __m256i t0 =
      _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
  const __m256i t1 =
      _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
  return _mm256_add_epi32(_mm256_permute2x128_si256(t0, t1, 0x20),
                          _mm256_permute2x128_si256(t0, t1, 0x31));
}

// The shared block loop. Block(b_bytes, xq) gives 8 partial int32 sums of block b; if kOffset,
// 8 * s_b is subtracted from the block sum (Q4_0's -8 offset).
template <size_t kBytesPerBlock, bool kOffset, __m256i (*Block)(const uint8_t*, const uint8_t*)>
float dot_blocks(const uint8_t* w, const uint8_t* xa, size_t n) {
  const size_t nb = n / kBlock;
  const uint8_t* xd = xa + n;           // float d[nb]
  const uint8_t* xs = xa + n + 4 * nb;  // int32 s[nb]
  __m256 acc = _mm256_setzero_ps();
  size_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    __m256i v[8];
    for (size_t k = 0; k < 8; ++k) {
      v[k] = Block(w + (b + k) * kBytesPerBlock + 2, xa + (b + k) * kBlock);
    }
    __m256i isum = transpose_sum8(v);
    if (kOffset) isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(loadu_si256(xs + 4 * b), 3));
    const __m256 dw = scales8(w + b * kBytesPerBlock, kBytesPerBlock);
    const __m256 dx = loadu8(xd + 4 * b);
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

// The math of ref::quantize_q8, 8 lanes at a time: max_ps(a, m) is `a > m ? a : m`, the clamps
// max_ps(v, -127) / min_ps(v, 127) are `v > -127 ? v : -127` / `v < 127 ? v : 127`, and
// cvtps_epi32 rounds in the current (default: nearest-even) mode like nearbyint.
void quantize_q8(const float* x, void* act, size_t n) {
  auto* base = static_cast<uint8_t*>(act);
  const size_t nb = n / kBlock;
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * kBlock;
    __m256 v[4];
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(xb + 8 * k);
      m = _mm256_max_ps(_mm256_and_ps(v[k], abs_mask), m);
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 t = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(v[k], vid), lo), hi);
      q[k] = _mm256_cvtps_epi32(t);
    }
    const __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    const int32_t s = _mm_cvtsi128_si32(s4);
    const __m256i p01 = _mm256_packs_epi32(q[0], q[1]);
    const __m256i p23 = _mm256_packs_epi32(q[2], q[3]);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(base + b * kBlock), bytes);
    std::memcpy(base + n + 4 * b, &d, 4);
    std::memcpy(base + n + 4 * nb + 4 * b, &s, 4);
  }
}

float vec_dot_q8_0(const void* row, const void* act, size_t n) {
  return dot_blocks<kQ8_0Bytes, false, block_q8_0>(static_cast<const uint8_t*>(row),
                                                   static_cast<const uint8_t*>(act), n);
}

float vec_dot_q4_0(const void* row, const void* act, size_t n) {
  return dot_blocks<kQ4_0Bytes, true, block_q4_0>(static_cast<const uint8_t*>(row),
                                                  static_cast<const uint8_t*>(act), n);
}

}  // namespace slim::kernels::avx2
