// Q2_K and Q3_K: super-blocks of 256 = 16 sub-blocks of 16, as ggml's quantize_row_q2_K_ref /
// quantize_row_q3_K_ref and dequantize_row_q2_K / q3_K (layouts in blocks.hpp).
//
// Both store 2-bit low levels the same way: element e = 128h + 32s + l (h < 2, s < 4, l < 32) in
// bits 2s..2s+1 of qs[32h + l]; sub-block b = e / 16.
//   Q2_K: scales[b] = 4-bit scale | 4-bit min << 4; x = (d * sc) * q - dmin * mn.
//   Q3_K: high bit of q in bit e / 32 of hmask[e % 32] (set = +0, clear = -4 after the low bits);
//         6-bit signed scales (offset 32): low nibble of scales[b % 8] (b < 8) or its high nibble
//         (b >= 8), top two bits at bit 2 * (b / 4) of scales[8 + b % 4];
//         x = (d * (sc - 32)) * q.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

// qs[64] from 256 levels in 0..3 (Q2_K, and Q3_K's low bits).
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (size_t j = 0; j < kQK_K; j += 128) {
    for (size_t l = 0; l < 32; ++l) {
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                           (L[j + l + 96] << 6));
    }
  }
}

// The 2-bit low level of element e.
uint8_t low_2bit(const uint8_t* qs, size_t e) {
  const size_t h = e / 128, s = (e % 128) / 32, l = e % 32;
  return static_cast<uint8_t>((qs[32 * h + l] >> (2 * s)) & 3);
}

// Q3_K's 6-bit scale of sub-block b (0..63, stored with offset 32).
int q3_k_scale(const uint8_t* scales, size_t b) {
  const int low = b < 8 ? scales[b] & 0xf : scales[b - 8] >> 4;
  const int high = (scales[8 + b % 4] >> (2 * (b / 4))) & 3;
  return low | (high << 4);
}

void finish_q2_k_block(const float* x, uint8_t* out, uint8_t* L);

void quantize_q2_k_block(const float* x, uint8_t* out) {
  uint8_t L[kQK_K];
  uint8_t Laux[16];
  float weights[16];
  float mins[16];
  float scales[16];
  float max_scale = 0.0f;  // scales are positive: the min is subtracted
  float max_min = 0.0f;
  for (size_t j = 0; j < 16; ++j) {
    for (size_t l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
    scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f,
                                 0.1f, 15, true);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  constexpr float kQ4Scale = 15.0f;
  uint8_t* sc = out + kQ2_KScales;
  std::memset(sc, 0, 16);
  if (max_scale > 0.0f) {
    const float iscale = kQ4Scale / max_scale;
    for (size_t j = 0; j < 16; ++j) sc[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
    store_block_scale(out + kQ2_KD, max_scale / kQ4Scale);
  } else {
    store_block_scale(out + kQ2_KD, 0.0f);
  }
  if (max_min > 0.0f) {
    const float iscale = kQ4Scale / max_min;
    for (size_t j = 0; j < 16; ++j) {
      sc[j] = static_cast<uint8_t>(sc[j] | (nearest_int(iscale * mins[j]) << 4));
    }
    store_block_scale(out + kQ2_KDmin, max_min / kQ4Scale);
  } else {
    store_block_scale(out + kQ2_KDmin, 0.0f);
  }
  finish_q2_k_block(x, out, L);
}

// Requantizes against the stored (fp16, 4-bit) scales and mins -- groups whose scale rounds to 0
// keep the levels of the first fit, as in ggml -- and packs the 2-bit levels.
void finish_q2_k_block(const float* x, uint8_t* out, uint8_t* L) {
  const uint8_t* sc = out + kQ2_KScales;
  const float dd = block_scale(out + kQ2_KD);
  const float dmin = block_scale(out + kQ2_KDmin);
  for (size_t j = 0; j < 16; ++j) {
    const float d = dd * static_cast<float>(sc[j] & 0xf);
    if (d == 0.0f) continue;
    const float dm = dmin * static_cast<float>(sc[j] >> 4);
    for (size_t i = 0; i < 16; ++i) {
      const int l = nearest_int((x[16 * j + i] + dm) / d);
      L[16 * j + i] = static_cast<uint8_t>(std::max(0, std::min(3, l)));
    }
  }
  pack_2bit(L, out + kQ2_KQs);
}

void finish_q3_k_block(const float* x, uint8_t* out, int8_t* L);

void quantize_q3_k_block(const float* x, uint8_t* out) {
  int8_t L[kQK_K];
  float scales[16];
  float max_scale = 0.0f;
  float amax = 0.0f;
  for (size_t j = 0; j < 16; ++j) {
    scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
    const float scale = std::fabs(scales[j]);
    if (scale > amax) {
      amax = scale;
      max_scale = scales[j];
    }
  }
  uint8_t* sc = out + kQ3_KScales;
  std::memset(sc, 0, 12);
  if (max_scale != 0.0f) {
    const float iscale = -32.0f / max_scale;
    for (size_t j = 0; j < 16; ++j) {
      int l = static_cast<int8_t>(nearest_int(iscale * scales[j]));  // int8_t as in ggml
      l = std::max(-32, std::min(31, l)) + 32;
      if (j < 8) {
        sc[j] = static_cast<uint8_t>(l & 0xf);
      } else {
        sc[j - 8] = static_cast<uint8_t>(sc[j - 8] | ((l & 0xf) << 4));
      }
      sc[j % 4 + 8] = static_cast<uint8_t>(sc[j % 4 + 8] | ((l >> 4) << (2 * (j / 4))));
    }
    store_block_scale(out + kQ3_KD, 1.0f / iscale);
  } else {
    store_block_scale(out + kQ3_KD, 0.0f);
  }
  finish_q3_k_block(x, out, L);
}

// Requantizes against the stored d and 6-bit scales (sub-blocks whose scale is 0 keep the levels
// in L, 0..7) and packs hmask and the low bits.
void finish_q3_k_block(const float* x, uint8_t* out, int8_t* L) {
  const uint8_t* sc = out + kQ3_KScales;
  const float dd = block_scale(out + kQ3_KD);
  for (size_t j = 0; j < 16; ++j) {
    const float d = dd * static_cast<float>(q3_k_scale(sc, j) - 32);
    if (d == 0.0f) continue;
    for (size_t i = 0; i < 16; ++i) {
      const int l = nearest_int(x[16 * j + i] / d);
      L[16 * j + i] = static_cast<int8_t>(std::max(-4, std::min(3, l)) + 4);
    }
  }
  // Levels 4..7 set the high bit (element e: bit e / 32 of hmask[e % 32]) and keep q - 4.
  uint8_t* hmask = out + kQ3_KHmask;
  std::memset(hmask, 0, 32);
  uint8_t low[kQK_K];
  for (size_t e = 0; e < kQK_K; ++e) {
    int l = L[e];
    if (l > 3) {
      hmask[e % 32] = static_cast<uint8_t>(hmask[e % 32] | (1u << (e / 32)));
      l -= 4;
    }
    low[e] = static_cast<uint8_t>(l);
  }
  pack_2bit(low, out + kQ3_KQs);
}

}  // namespace

namespace {

// quantize_row_q2_K_impl with quant_weights: weights qw * sqrt(sigma2 + x^2) (sigma2 = mean x^2
// of the super-block), make_qkx3_quants per sub-block of 16 (nmax 3, rmin -0.9, rdelta 0.05,
// 37 steps), 4-bit scales and mins by make_qp_quants weighted by each sub-block's total weight.
void quantize_q2_k_block_weighted(const float* x, const float* qw, uint8_t* out) {
  uint8_t L[kQK_K];
  uint8_t Laux[16];
  float weight[16];
  float mins[16];
  float scales[16];
  float sw[16];
  float sumx2 = 0.0f;
  for (size_t j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = sumx2 / static_cast<float>(kQK_K);
  for (size_t j = 0; j < 16; ++j) {
    for (size_t l = 0; l < 16; ++l) {
      weight[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
    }
    float sumw = 0.0f;
    for (size_t l = 0; l < 16; ++l) sumw += weight[l];
    sw[j] = sumw;
    scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weight, L + 16 * j, &mins[j], Laux, -0.9f,
                                 0.05f, 36, false);
  }
  uint8_t Ls[16];
  uint8_t Lm[16];
  const float dm = make_qp_quants(16, 15, scales, Ls, sw);
  const float mm = make_qp_quants(16, 15, mins, Lm, sw);
  store_block_scale(out + kQ2_KD, dm);
  store_block_scale(out + kQ2_KDmin, mm);
  uint8_t* sc = out + kQ2_KScales;
  for (size_t j = 0; j < 16; ++j) sc[j] = static_cast<uint8_t>(Ls[j] | (Lm[j] << 4));
  finish_q2_k_block(x, out, L);
}

// quantize_row_q3_K_impl with quant_weights: weights qw * sqrt(sigma2 + x^2) (sigma2 = 2 * mean
// x^2 of the super-block), make_qx_quants per sub-block (nmax 4) with them, then the 6-bit scales
// by make_qx_quants (nmax 32) weighted by each sub-block's total weight.
void quantize_q3_k_block_weighted(const float* x, const float* qw, uint8_t* out) {
  int8_t L[kQK_K];
  float scales[16];
  float weight[16];
  float sw[16];
  int8_t Ls[16];
  float sumx2 = 0.0f;
  for (size_t j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = 2.0f * sumx2 / static_cast<float>(kQK_K);
  for (size_t j = 0; j < 16; ++j) {
    for (size_t l = 0; l < 16; ++l) {
      weight[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
    }
    float sumw = 0.0f;
    for (size_t l = 0; l < 16; ++l) sumw += weight[l];
    sw[j] = sumw;
    scales[j] = make_qx_quants(16, 4, x + 16 * j, L + 16 * j, weight);
  }
  uint8_t* sc = out + kQ3_KScales;
  std::memset(sc, 0, 12);
  const float d_block = make_qx_quants(16, 32, scales, Ls, sw);
  for (size_t j = 0; j < 16; ++j) {
    int l = Ls[j];
    if (j < 8) {
      sc[j] = static_cast<uint8_t>(l & 0xf);
    } else {
      sc[j - 8] = static_cast<uint8_t>(sc[j - 8] | ((l & 0xf) << 4));
    }
    l >>= 4;
    sc[j % 4 + 8] = static_cast<uint8_t>(sc[j % 4 + 8] | (l << (2 * (j / 4))));
  }
  store_block_scale(out + kQ3_KD, d_block);
  finish_q3_k_block(x, out, L);
}

}  // namespace

void quantize_q2_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    quantize_q2_k_block_weighted(src + b * kQK_K, qw + b * kQK_K, dst + b * kQ2_KBytes);
  }
}

void quantize_q3_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    quantize_q3_k_block_weighted(src + b * kQK_K, qw + b * kQK_K, dst + b * kQ3_KBytes);
  }
}

Status quantize_q2_k(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q2_K", src, n));
  for (size_t b = 0; b < n / kQK_K; ++b) quantize_q2_k_block(src + b * kQK_K, dst + b * kQ2_KBytes);
  return Status::ok();
}

void dequantize_q2_k(const uint8_t* src, float* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const uint8_t* in = src + b * kQ2_KBytes;
    const float d = block_scale(in + kQ2_KD);
    const float dmin = block_scale(in + kQ2_KDmin);
    float* y = dst + b * kQK_K;
    for (size_t e = 0; e < kQK_K; ++e) {
      const uint8_t sc = in[kQ2_KScales + e / 16];
      const float dl = d * static_cast<float>(sc & 0xf);
      const float ml = dmin * static_cast<float>(sc >> 4);
      const float v = dl * static_cast<float>(low_2bit(in + kQ2_KQs, e));
      y[e] = v - ml;
    }
  }
}

Status quantize_q3_k(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q3_K", src, n));
  for (size_t b = 0; b < n / kQK_K; ++b) quantize_q3_k_block(src + b * kQK_K, dst + b * kQ3_KBytes);
  return Status::ok();
}

void dequantize_q3_k(const uint8_t* src, float* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const uint8_t* in = src + b * kQ3_KBytes;
    const float d = block_scale(in + kQ3_KD);
    float* y = dst + b * kQK_K;
    for (size_t sb = 0; sb < 16; ++sb) {
      const float dl = d * static_cast<float>(q3_k_scale(in + kQ3_KScales, sb) - 32);
      for (size_t e = 16 * sb; e < 16 * sb + 16; ++e) {
        const bool high = ((in[kQ3_KHmask + e % 32] >> (e / 32)) & 1) != 0;
        const int q = low_2bit(in + kQ3_KQs, e) - (high ? 0 : 4);
        y[e] = dl * static_cast<float>(q);
      }
    }
  }
}

}  // namespace slim::quant
