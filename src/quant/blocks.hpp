// GGUF/ggml block layouts of the formats SlimLLM quantizes itself (little-endian, packed):
//   Q8_0: 34 bytes = fp16 d, then int8 qs[32];                 x[j] = qs[j] * d
//   Q4_0: 18 bytes = fp16 d, then uint8 qs[16];                x[j]      = ((qs[j] & 15) - 8) * d
//                                                              x[j + 16] = ((qs[j] >> 4) - 8) * d
//   Q4_1: 20 bytes = fp16 d, fp16 m, uint8 qs[16]; nibbles as Q4_0, x = q * d + m
//   Q5_0: 22 bytes = fp16 d, uint32 qh, uint8 qs[16]; q = nibble | bit j of qh << 4,
//         x = (q - 16) * d
//   Q5_1: 24 bytes = fp16 d, fp16 m, uint32 qh, uint8 qs[16]; x = q * d + m
// K-quants: super-blocks of 256 (field offsets below; the per-element math is in the .cpp files
// and in tests/ref/quant_kquants_ref.py):
//   Q2_K  84: scales[16] (4-bit scale | 4-bit min << 4), qs[64] (2-bit), fp16 d, fp16 dmin
//   Q3_K 110: hmask[32] (high bit), qs[64] (low 2 bits), scales[12] (16 x 6 bits), fp16 d
//   Q4_K 144: fp16 d, fp16 dmin, scales[12] (8 x 6-bit scale + 8 x 6-bit min), qs[128]
//   Q5_K 176: fp16 d, fp16 dmin, scales[12], qh[32] (high bit), qs[128] (low 4 bits)
//   Q6_K 210: ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16], fp16 d
//   Q8_K 292: float32 d, int8 qs[256], int16 bsums[16] (sums of 16 qs; dot-product activations)
// Blocks are read byte-wise (memcpy), so rows need no particular alignment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/fp16.hpp"

namespace slim::quant {

inline constexpr size_t kQ8_0Elems = 32;
inline constexpr size_t kQ8_0Bytes = 2 + kQ8_0Elems;
inline constexpr size_t kQ4_0Elems = 32;
inline constexpr size_t kQ4_0Bytes = 2 + kQ4_0Elems / 2;
inline constexpr size_t kQ4_1Elems = 32;
inline constexpr size_t kQ4_1Bytes = 4 + kQ4_1Elems / 2;
inline constexpr size_t kQ5_0Elems = 32;
inline constexpr size_t kQ5_0Bytes = 2 + 4 + kQ5_0Elems / 2;
inline constexpr size_t kQ5_1Elems = 32;
inline constexpr size_t kQ5_1Bytes = 4 + 4 + kQ5_1Elems / 2;

inline constexpr size_t kQK_K = 256;  // K-quant super-block
inline constexpr size_t kQ2_KBytes = 84;
inline constexpr size_t kQ2_KScales = 0, kQ2_KQs = 16, kQ2_KD = 80, kQ2_KDmin = 82;
inline constexpr size_t kQ3_KBytes = 110;
inline constexpr size_t kQ3_KHmask = 0, kQ3_KQs = 32, kQ3_KScales = 96, kQ3_KD = 108;
inline constexpr size_t kQ4_KBytes = 144;
inline constexpr size_t kQ4_KD = 0, kQ4_KDmin = 2, kQ4_KScales = 4, kQ4_KQs = 16;
inline constexpr size_t kQ5_KBytes = 176;
inline constexpr size_t kQ5_KD = 0, kQ5_KDmin = 2, kQ5_KScales = 4, kQ5_KQh = 16, kQ5_KQs = 48;
inline constexpr size_t kQ6_KBytes = 210;
inline constexpr size_t kQ6_KQl = 0, kQ6_KQh = 128, kQ6_KScales = 192, kQ6_KD = 208;
inline constexpr size_t kQ8_KBytes = 292;
inline constexpr size_t kQ8_KD = 0, kQ8_KQs = 4, kQ8_KBsums = 260;

// The fp16 scale at the start of a block, as float.
inline float block_scale(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return fp16_to_f32(h);
}

inline void store_block_scale(uint8_t* block, float d) {
  const uint16_t h = f32_to_fp16(d);
  std::memcpy(block, &h, 2);
}

// ggml's nearest_int: adding 1.5 * 2^23 rounds to an integer (half to even) in float; the
// result is read from the mantissa. Exact for |fval| <= 2^22; outside that range (or for
// inf/nan) it returns a deterministic garbage value in [-2^22, 2^22), which callers clamp, never
// undefined behaviour.
inline int nearest_int(float fval) {
  const float val = fval + 12582912.0f;
  int32_t i;
  std::memcpy(&i, &val, 4);
  return (i & 0x007fffff) - 0x00400000;
}

// Q4_K / Q5_K: the 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes
// (ggml's get_scale_min_k4).
inline void scale_min_k4(size_t j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Sub-block fits shared by the K-quant quantizers (k_quants_fit.cpp), transcriptions of ggml's
// make_qx_quants (rmse_type 1, no importance weights), make_q3_quants (do_rmse) and
// make_qkx2_quants. Each returns the sub-block scale; L gets the levels (offset by nmax for the
// symmetric fits, so 0..2*nmax-1), or zeros for an all-(near-)zero group.
// qw: per-element importance weights (ggml's quant_weights); null = x^2 (rmse_type 1).
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, const float* qw = nullptr);
float make_q3_quants(int n, int nmax, const float* x, int8_t* L);
// Asymmetric fit x ~ scale * L - the_min with L in 0..nmax, weighted by `weights`; Laux is n
// bytes of scratch.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep,
                       bool use_mad);
// ggml's make_qp_quants: levels 0..nmax for non-negative x with weights qw (the weighted K-quants
// fit their sub-block scales and mins with it).
float make_qp_quants(int n, int nmax, const float* x, uint8_t* L, const float* qw);

}  // namespace slim::quant
