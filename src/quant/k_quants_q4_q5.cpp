// Q4_K and Q5_K: super-blocks of 256 = 8 sub-blocks of 32 with a 6-bit scale and a 6-bit min
// each, as ggml's quantize_row_q4_K_ref / quantize_row_q5_K_ref and dequantize_row_q4_K / q5_K
// (layouts in blocks.hpp).
//
// Element e = 64c + 32u + l (c < 4, u < 2, l < 32): low four bits in nibble u of qs[32c + l];
// Q5_K's fifth bit is bit 2c + u of qh[l]. Sub-block b = e / 32 = 2c + u, with scale sc and
// min mn from scale_min_k4; x = (d * sc) * q - dmin * mn.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

// The 12 scale bytes from eight 6-bit scales and mins (inverse of scale_min_k4).
void pack_scale_min_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* s) {
  std::memset(s, 0, 12);
  for (size_t j = 0; j < 8; ++j) {
    if (j < 4) {
      s[j] = ls[j];
      s[j + 4] = lm[j];
    } else {
      s[j + 4] = static_cast<uint8_t>((ls[j] & 0xf) | ((lm[j] & 0xf) << 4));
      s[j - 4] = static_cast<uint8_t>(s[j - 4] | ((ls[j] >> 4) << 6));
      s[j] = static_cast<uint8_t>(s[j] | ((lm[j] >> 4) << 6));
    }
  }
}

// Levels 0..nmax against the stored d, dmin and 6-bit scales/mins at `out`.
void requantize_q45_k(const float* x, int nmax, const uint8_t* out, uint8_t* L);

// The part of quantize_row_q4_K_ref / q5_K_ref before bit packing: fits each sub-block with
// make_qkx2_quants (weights rms(x) + |x|), stores d, dmin and the 6-bit scales/mins at `out`
// (Q4_K and Q5_K share those offsets), then requantizes to levels 0..nmax in L.
void fit_q45_k(const float* x, int nmax, float rmin, float rdelta, int nstep, uint8_t* out,
               uint8_t* L) {
  uint8_t Laux[32];
  float weights[32];
  float mins[8];
  float scales[8];
  float max_scale = 0.0f;  // scales are positive: the min is subtracted
  float max_min = 0.0f;
  for (size_t j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0.0f;
    for (size_t l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32.0f);
    for (size_t l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = make_qkx2_quants(32, nmax, xs, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta,
                                 nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
  uint8_t ls[8];
  uint8_t lm[8];
  for (size_t j = 0; j < 8; ++j) {
    // uint8_t first, then the clamp, as in ggml (a negative fit wraps to a large value -> 63).
    ls[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
    lm[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
  }
  uint8_t* s = out + kQ4_KScales;
  pack_scale_min_k4(ls, lm, s);
  store_block_scale(out + kQ4_KD, max_scale / 63.0f);
  store_block_scale(out + kQ4_KDmin, max_min / 63.0f);
  requantize_q45_k(x, nmax, out, L);
}

// quantize_row_q4_K_impl / q5_K_impl with quant_weights: weights qw * sqrt(sigma2 + x^2)
// (sigma2 = 2 * mean x^2 of the super-block), make_qkx3_quants per sub-block (rmin -0.9,
// rdelta 0.05, 37 steps), then the 6-bit scales and mins by make_qp_quants weighted by each
// sub-block's total weight.
void fit_q45_k_weighted(const float* x, const float* qw, int nmax, uint8_t* out, uint8_t* L) {
  uint8_t Laux[32];
  float weights[32];
  float sw[8];
  float mins[8];
  float scales[8];
  float sum_x2 = 0.0f;
  for (size_t l = 0; l < kQK_K; ++l) sum_x2 += x[l] * x[l];
  const float sigma2 = 2.0f * sum_x2 / static_cast<float>(kQK_K);
  for (size_t j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    for (size_t l = 0; l < 32; ++l) weights[l] = qw[32 * j + l] * std::sqrt(sigma2 + xs[l] * xs[l]);
    float sumw = 0.0f;
    for (size_t l = 0; l < 32; ++l) sumw += weights[l];
    sw[j] = sumw;
    scales[j] = make_qkx2_quants(32, nmax, xs, weights, L + 32 * j, &mins[j], Laux, -0.9f, 0.05f,
                                 36, false);
  }
  uint8_t ls[8];
  uint8_t lm[8];
  const float d_block = make_qp_quants(8, 63, scales, ls, sw);
  const float m_block = make_qp_quants(8, 63, mins, lm, sw);
  if (nmax == 31) {  // ggml's Q5_K clamps here (matters only for a wrapped negative level)
    for (size_t j = 0; j < 8; ++j) {
      ls[j] = std::min<uint8_t>(63, ls[j]);
      lm[j] = std::min<uint8_t>(63, lm[j]);
    }
  }
  pack_scale_min_k4(ls, lm, out + kQ4_KScales);
  store_block_scale(out + kQ4_KD, d_block);
  store_block_scale(out + kQ4_KDmin, m_block);
  requantize_q45_k(x, nmax, out, L);
}

void requantize_q45_k(const float* x, int nmax, const uint8_t* out, uint8_t* L) {
  const uint8_t* s = out + kQ4_KScales;
  // Requantize against the stored scales; sub-blocks whose scale is 0 keep the first fit.
  const float dd = block_scale(out + kQ4_KD);
  const float dmin = block_scale(out + kQ4_KDmin);
  for (size_t j = 0; j < 8; ++j) {
    uint8_t sc = 0;
    uint8_t m = 0;
    scale_min_k4(j, s, &sc, &m);
    const float d = dd * static_cast<float>(sc);
    if (d == 0.0f) continue;
    const float dm = dmin * static_cast<float>(m);
    for (size_t i = 0; i < 32; ++i) {
      const int l = nearest_int((x[32 * j + i] + dm) / d);
      L[32 * j + i] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
    }
  }
}

void pack_q4_k(const uint8_t* L, uint8_t* out) {
  uint8_t* qs = out + kQ4_KQs;
  for (size_t c = 0; c < 4; ++c) {
    for (size_t l = 0; l < 32; ++l) {
      qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
    }
  }
}

void pack_q5_k(const uint8_t* L, uint8_t* out) {
  uint8_t* qh = out + kQ5_KQh;
  uint8_t* qs = out + kQ5_KQs;
  std::memset(qh, 0, 32);
  for (size_t c = 0; c < 4; ++c) {
    for (size_t l = 0; l < 32; ++l) {
      const unsigned lo = L[64 * c + l];
      const unsigned hi = L[64 * c + 32 + l];
      qh[l] = static_cast<uint8_t>(qh[l] | ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
      qs[32 * c + l] = static_cast<uint8_t>((lo & 0xf) | ((hi & 0xf) << 4));
    }
  }
}

// Decodes one Q4_K (qh == nullptr) or Q5_K super-block.
void dequantize_q45_k_block(const uint8_t* in, const uint8_t* qh, const uint8_t* qs, float* y) {
  const float d = block_scale(in + kQ4_KD);
  const float dmin = block_scale(in + kQ4_KDmin);
  for (size_t b = 0; b < 8; ++b) {
    uint8_t sc = 0;
    uint8_t m = 0;
    scale_min_k4(b, in + kQ4_KScales, &sc, &m);
    const float dl = d * static_cast<float>(sc);
    const float ml = dmin * static_cast<float>(m);
    const size_t c = b / 2, u = b % 2;
    for (size_t l = 0; l < 32; ++l) {
      unsigned q = (qs[32 * c + l] >> (4 * u)) & 0xfu;
      if (qh != nullptr && ((qh[l] >> b) & 1) != 0) q += 16;
      const float v = dl * static_cast<float>(q);
      y[32 * b + l] = v - ml;
    }
  }
}

}  // namespace

Status quantize_q4_k(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q4_K", src, n));
  for (size_t b = 0; b < n / kQK_K; ++b) {
    uint8_t* out = dst + b * kQ4_KBytes;
    uint8_t L[kQK_K];
    fit_q45_k(src + b * kQK_K, 15, -1.0f, 0.1f, 20, out, L);
    pack_q4_k(L, out);
  }
  return Status::ok();
}

void quantize_q4_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    uint8_t* out = dst + b * kQ4_KBytes;
    uint8_t L[kQK_K];
    fit_q45_k_weighted(src + b * kQK_K, qw + b * kQK_K, 15, out, L);
    pack_q4_k(L, out);
  }
}

void dequantize_q4_k(const uint8_t* src, float* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const uint8_t* in = src + b * kQ4_KBytes;
    dequantize_q45_k_block(in, nullptr, in + kQ4_KQs, dst + b * kQK_K);
  }
}

Status quantize_q5_k(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q5_K", src, n));
  for (size_t b = 0; b < n / kQK_K; ++b) {
    uint8_t* out = dst + b * kQ5_KBytes;
    uint8_t L[kQK_K];
    fit_q45_k(src + b * kQK_K, 31, -0.5f, 0.1f, 15, out, L);
    pack_q5_k(L, out);
  }
  return Status::ok();
}

void quantize_q5_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    uint8_t* out = dst + b * kQ5_KBytes;
    uint8_t L[kQK_K];
    fit_q45_k_weighted(src + b * kQK_K, qw + b * kQK_K, 31, out, L);
    pack_q5_k(L, out);
  }
}

void dequantize_q5_k(const uint8_t* src, float* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const uint8_t* in = src + b * kQ5_KBytes;
    dequantize_q45_k_block(in, in + kQ5_KQh, in + kQ5_KQs, dst + b * kQK_K);
  }
}

}  // namespace slim::quant
