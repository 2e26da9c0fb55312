// AVX2 + FMA + F16C multi-token dot products for Q8_0 and Q4_0 (prompt processing).
// Compiled with -mavx2 -mfma -mf16c; only intrinsics and this file's own internal functions are
// used (see x86.hpp).
//
// out[t] is bit-identical to avx2::vec_dot_q8_0 / vec_dot_q4_0 (and so to the reference) for every
// token: per group of 8 weight blocks the 8 fp16 scales are converted once and Q4_0's nibbles are
// unpacked once (into a 256-byte L1 scratch; AVX2 has too few registers to keep 8 blocks), then
// every token's 8 blocks are dotted exactly as the single-token kernel does (maddubs + madd, the
// sign trick for Q8_0), transposed into 8 block sums, and term = float(isum) * (dw * dx) is added
// to that token's 8-lane accumulator (lane = block % 8). The last nb % 8 blocks go one at a time
// into the token's lanes, and each token ends with the 8-lane tree.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx2 {

namespace {

constexpr size_t kBlock = 32;

#include "kernels/x86/helpers_x86.inc"

__m256 loadu8(const uint8_t* p) {
  return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
}

__m256i loadu_si256(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
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

// Q8_0: nothing to unpack (the sign trick needs the raw weights): the block is read in place.
struct Q8_0Kind {
  static constexpr size_t kBytes = 34;
  static constexpr bool kOffset = false;
  static constexpr bool kPrep = false;
  static void prep(const uint8_t*, uint8_t*) {}
  static __m256i dot(const uint8_t* wq, const uint8_t* /*prepared*/, const uint8_t* xq) {
    const __m256i w = loadu_si256(wq);
    const __m256i x = loadu_si256(xq);
    const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
  }
};

// Q4_0: the 32 levels u (0..15) unpacked once into `prepared`.
struct Q4_0Kind {
  static constexpr size_t kBytes = 18;
  static constexpr bool kOffset = true;
  static constexpr bool kPrep = true;
  static void prep(const uint8_t* qs, uint8_t* dst) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i u =
        _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0f));
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst), u);
  }
  static __m256i dot(const uint8_t* /*wq*/, const uint8_t* prepared, const uint8_t* xq) {
    const __m256i u = _mm256_load_si256(reinterpret_cast<const __m256i*>(prepared));
    const __m256i p = _mm256_maddubs_epi16(u, loadu_si256(xq));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
  }
};

// kNt tokens (1..8): token t's activation row at xa + t * stride.
template <typename K, size_t kNt>
void dot_multi(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  constexpr size_t kB = K::kBytes;
  const size_t nb = n / kBlock;
  const size_t xd_off = n, xs_off = n + 4 * nb;  // float d[nb], int32 s[nb] in each row
  alignas(32) uint8_t prepared[8][32];
  __m256 acc[kNt];
  for (size_t t = 0; t < kNt; ++t) acc[t] = _mm256_setzero_ps();
  size_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    if (K::kPrep) {
      for (size_t k = 0; k < 8; ++k) K::prep(w + (b + k) * kB + 2, prepared[k]);
    }
    const __m256 dw = scales8(w + b * kB, kB);
    for (size_t t = 0; t < kNt; ++t) {
      const uint8_t* xt = xa + t * stride;
      __m256i v[8];
      for (size_t k = 0; k < 8; ++k) {
        v[k] = K::dot(w + (b + k) * kB + 2, prepared[k], xt + (b + k) * kBlock);
      }
      __m256i isum = transpose_sum8(v);
      if (K::kOffset) {
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(loadu_si256(xt + xs_off + 4 * b), 3));
      }
      const __m256 dx = loadu8(xt + xd_off + 4 * b);
      acc[t] =
          _mm256_add_ps(acc[t], _mm256_mul_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, dx)));
    }
  }
  if (b == nb) {
    for (size_t t = 0; t < kNt; ++t) out[t] = hsum8(acc[t]);
    return;
  }
  // The last nb % 8 blocks, one at a time, into each token's lanes.
  alignas(32) float lane[kNt][8];
  for (size_t t = 0; t < kNt; ++t) _mm256_store_ps(lane[t], acc[t]);
  for (; b < nb; ++b) {
    if (K::kPrep) K::prep(w + b * kB + 2, prepared[0]);
    const float dw = fp16_to_f32(load_u16(w + b * kB));
    for (size_t t = 0; t < kNt; ++t) {
      const uint8_t* xt = xa + t * stride;
      int32_t isum = hsum_i32(K::dot(w + b * kB + 2, prepared[0], xt + b * kBlock));
      if (K::kOffset) isum -= 8 * load_i32(xt + xs_off + 4 * b);
      const float scale = dw * load_f32(xt + xd_off + 4 * b);
      lane[t][b % 8] += static_cast<float>(isum) * scale;
    }
  }
  for (size_t t = 0; t < kNt; ++t) out[t] = lane_tree(lane[t]);
}

#include "kernels/x86/multi_group_x86.inc"

}  // namespace

void vec_dot_multi_q8_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  dot_multi_any<Q8_0Kind>(row, act, act_stride, n_tok, n, out);
}

void vec_dot_multi_q4_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  dot_multi_any<Q4_0Kind>(row, act, act_stride, n_tok, n, out);
}

}  // namespace slim::kernels::avx2
