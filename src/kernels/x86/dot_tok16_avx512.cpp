// AVX-512 (F, BW, VL, DQ, VNNI) dot products of Q8_0 / Q4_0 weight rows with an interleaved group
// of up to 16 tokens (prompt processing; layout: kernels.hpp, kTokGroup). Compiled with its own
// flags (src/CMakeLists.txt); only intrinsics and this file's own internal functions are used.
//
// Lane t of every vector is token t. For each weight block, the 4 weight bytes of each element
// group are broadcast as unsigned bytes u (Q8_0: w XOR 0x80 = w + 128; Q4_0: the nibbles) and
// dotted with the 16 tokens' 4 activation bytes (vpdpbusd): isum = sum u * x - (s << 7 or 3),
// exact, so the block sums are the reference's. Then per token exactly the reference's float
// order: term = float(isum) * (dw * dx), added to accumulator b % 8, and the final tree
// ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)) — bit-identical to vec_dot for every token,
// with no per-token horizontal folding of the 8 dpbusd lanes of a block.
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
constexpr size_t kGroupBytes = 64;               // one element group (4 bytes) of 16 tokens
constexpr size_t kBlockBytes = 8 * kGroupBytes;  // one block of 16 tokens

#include "kernels/x86/helpers_x86.inc"

// Forced inline: a block's work called out of line costs a call and a spill per block.
#define SLIM_TOK16_INLINE inline __attribute__((always_inline))

SLIM_TOK16_INLINE __m512i broadcast4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// The block's 8 element groups as unsigned weight bytes, broadcast to every lane. Groups 4-7
// come scaled by 2^kHighShift (their sums are shifted back, exactly, before use).
struct Q8_0Tok {
  static constexpr size_t kBytes = 34;
  static constexpr int kShift = 7;
  static constexpr int kHighShift = 0;
  SLIM_TOK16_INLINE static void groups(const uint8_t* q, __m512i* u) {
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    for (size_t g = 0; g < 8; ++g) u[g] = _mm512_xor_si512(broadcast4(q + 4 * g), flip);
  }
};

// Q4_0: element j < 16 is the low nibble of byte j, j >= 16 the high nibble of byte j - 16. The
// high nibbles are used in place (v & 0xf0 = 16 * nibble): one AND per group, no shift.
struct Q4_0Tok {
  static constexpr size_t kBytes = 18;
  static constexpr int kShift = 3;
  static constexpr int kHighShift = 4;
  SLIM_TOK16_INLINE static void groups(const uint8_t* q, __m512i* u) {
    const __m512i low = _mm512_set1_epi8(0x0f);
    const __m512i high = _mm512_set1_epi8(static_cast<char>(0xf0));
    for (size_t g = 0; g < 4; ++g) {
      u[g] = _mm512_and_si512(broadcast4(q + 4 * g), low);
      u[g + 4] = _mm512_and_si512(broadcast4(q + 4 * g), high);
    }
  }
};

// acc + term of block b for all 16 tokens.
template <typename K>
SLIM_TOK16_INLINE __m512 block_term(__m512 acc, const uint8_t* blk, const uint8_t* xq,
                                    const uint8_t* xd, const uint8_t* xs) {
  __m512i u[8];
  K::groups(blk + 2, u);
  // Groups 0-3 and 4-7 in two chains; the second chain's sum is a multiple of 2^kHighShift
  // (every weight byte is), so the arithmetic shift back is exact.
  __m512i lo = _mm512_setzero_si512(), hi = _mm512_setzero_si512();
  for (size_t g = 0; g < 4; ++g) {
    lo = _mm512_dpbusd_epi32(lo, u[g], _mm512_loadu_si512(xq + g * kGroupBytes));
    hi = _mm512_dpbusd_epi32(hi, u[g + 4], _mm512_loadu_si512(xq + (g + 4) * kGroupBytes));
  }
  if constexpr (K::kHighShift != 0) hi = _mm512_srai_epi32(hi, K::kHighShift);
  __m512i isum = _mm512_add_epi32(lo, hi);
  isum = _mm512_sub_epi32(isum, _mm512_slli_epi32(_mm512_loadu_si512(xs), K::kShift));
  const __m512 dw = _mm512_set1_ps(fp16_to_f32(load_u16(blk)));
  const __m512 scale = _mm512_mul_ps(dw, _mm512_loadu_ps(reinterpret_cast<const float*>(xd)));
  return _mm512_add_ps(acc, _mm512_mul_ps(_mm512_cvtepi32_ps(isum), scale));
}

template <typename K>
void dot_tok16(const uint8_t* w, const uint8_t* xi, size_t n_tok, size_t n, float* out) {
  const size_t nb = n / kBlock;
  const uint8_t* xd = xi + 16 * n;
  const uint8_t* xs = xd + 64 * nb;
  __m512 acc[8];
  for (__m512& a : acc) a = _mm512_setzero_ps();
  size_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    for (size_t k = 0; k < 8; ++k) {
      acc[k] = block_term<K>(acc[k], w + (b + k) * K::kBytes, xi + (b + k) * kBlockBytes,
                             xd + 64 * (b + k), xs + 64 * (b + k));
    }
  }
  for (size_t k = 0; b + k < nb; ++k) {
    acc[k] = block_term<K>(acc[k], w + (b + k) * K::kBytes, xi + (b + k) * kBlockBytes,
                           xd + 64 * (b + k), xs + 64 * (b + k));
  }
  const __m512 r =
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[4]), _mm512_add_ps(acc[2], acc[6])),
                    _mm512_add_ps(_mm512_add_ps(acc[1], acc[5]), _mm512_add_ps(acc[3], acc[7])));
  _mm512_mask_storeu_ps(out, static_cast<__mmask16>((1u << n_tok) - 1u), r);
}

}  // namespace

void vec_dot_tok16_q8_0(const void* row, const void* act16, size_t n_tok, size_t n, float* out) {
  dot_tok16<Q8_0Tok>(static_cast<const uint8_t*>(row), static_cast<const uint8_t*>(act16), n_tok, n,
                     out);
}

void vec_dot_tok16_q4_0(const void* row, const void* act16, size_t n_tok, size_t n, float* out) {
  dot_tok16<Q4_0Tok>(static_cast<const uint8_t*>(row), static_cast<const uint8_t*>(act16), n_tok, n,
                     out);
}

}  // namespace slim::kernels::avx512
