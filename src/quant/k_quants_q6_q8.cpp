// Q6_K (weights) and Q8_K (K-quant dot-product activations): super-blocks of 256, as ggml's
// quantize_row_q6_K_ref / quantize_row_q8_K_ref and dequantize_row_q6_K / q8_K (layouts in
// blocks.hpp).
//
// Q6_K: element e = 128h + 32t + l (h < 2, t < 4, l < 32): low four bits in nibble t / 2 of
//       ql[64h + 32(t % 2) + l], top two bits at bit 2t of qh[32h + l]; q = that - 32;
//       int8 scale of sub-block e / 16; x = (d * scales[e / 16]) * q.
// Q8_K: x = d * qs[e] with a float32 d; bsums[k] = sum of qs[16k .. 16k + 15].
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

// qw: importance weights of the 256 elements (quantize_row_q6_K_impl passes them to
// make_qx_quants as they are), or null for the reference quantizer (weights x^2).
void quantize_q6_k_block(const float* x, uint8_t* out, const float* qw) {
  int8_t L[kQK_K];
  float scales[16];
  float max_scale = 0.0f;
  float max_abs_scale = 0.0f;
  for (size_t ib = 0; ib < 16; ++ib) {
    scales[ib] =
        make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, qw != nullptr ? qw + 16 * ib : nullptr);
    const float abs_scale = std::fabs(scales[ib]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scales[ib];
    }
  }
  if (max_abs_scale < 1e-15f) {  // ggml's GROUP_MAX_EPS: an all-zero block
    std::memset(out, 0, kQ6_KBytes);
    return;
  }
  const float iscale = -128.0f / max_scale;
  store_block_scale(out + kQ6_KD, 1.0f / iscale);
  int8_t sc[16];
  for (size_t ib = 0; ib < 16; ++ib) {
    sc[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
  }
  std::memcpy(out + kQ6_KScales, sc, 16);
  const float dd = block_scale(out + kQ6_KD);
  for (size_t j = 0; j < 16; ++j) {
    const float d = dd * static_cast<float>(sc[j]);
    if (d == 0.0f) continue;  // keeps the first fit's levels, as in ggml
    for (size_t i = 0; i < 16; ++i) {
      const int l = nearest_int(x[16 * j + i] / d);
      L[16 * j + i] = static_cast<int8_t>(std::max(-32, std::min(31, l)) + 32);
    }
  }
  uint8_t* ql = out + kQ6_KQl;
  uint8_t* qh = out + kQ6_KQh;
  std::memset(ql, 0, 128 + 64);
  for (size_t e = 0; e < kQK_K; ++e) {
    const size_t h = e / 128, t = (e % 128) / 32, l = e % 32;
    const auto q = static_cast<unsigned>(L[e]);
    uint8_t& lo = ql[64 * h + 32 * (t % 2) + l];
    lo = static_cast<uint8_t>(lo | ((q & 0xf) << (4 * (t / 2))));
    uint8_t& hi = qh[32 * h + l];
    hi = static_cast<uint8_t>(hi | ((q >> 4) << (2 * t)));
  }
}

void quantize_q8_k_block(const float* x, uint8_t* out) {
  float amax = 0.0f;
  float max = 0.0f;
  for (size_t j = 0; j < kQK_K; ++j) {
    const float ax = std::fabs(x[j]);
    if (ax > amax) {
      amax = ax;
      max = x[j];
    }
  }
  if (amax == 0.0f) {  // d = 0, all zero (ggml leaves bsums unset here; they are 0)
    std::memset(out, 0, kQ8_KBytes);
    return;
  }
  const float iscale = -127.0f / max;
  int8_t q[kQK_K];
  for (size_t j = 0; j < kQK_K; ++j) {
    q[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
  }
  std::memcpy(out + kQ8_KQs, q, kQK_K);
  for (size_t k = 0; k < 16; ++k) {
    int sum = 0;
    for (size_t i = 0; i < 16; ++i) sum += q[16 * k + i];
    const auto s = static_cast<int16_t>(sum);
    std::memcpy(out + kQ8_KBsums + 2 * k, &s, 2);
  }
  const float d = 1.0f / iscale;
  std::memcpy(out + kQ8_KD, &d, 4);
}

}  // namespace

Status quantize_q6_k(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q6_K", src, n));
  for (size_t b = 0; b < n / kQK_K; ++b) {
    quantize_q6_k_block(src + b * kQK_K, dst + b * kQ6_KBytes, nullptr);
  }
  return Status::ok();
}

void quantize_q6_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    quantize_q6_k_block(src + b * kQK_K, dst + b * kQ6_KBytes, qw + b * kQK_K);
  }
}

void dequantize_q6_k(const uint8_t* src, float* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const uint8_t* in = src + b * kQ6_KBytes;
    const float d = block_scale(in + kQ6_KD);
    float* y = dst + b * kQK_K;
    for (size_t e = 0; e < kQK_K; ++e) {
      const size_t h = e / 128, t = (e % 128) / 32, l = e % 32;
      const unsigned lo = (in[kQ6_KQl + 64 * h + 32 * (t % 2) + l] >> (4 * (t / 2))) & 0xfu;
      const unsigned hi = (in[kQ6_KQh + 32 * h + l] >> (2 * t)) & 3u;
      int8_t sc;
      std::memcpy(&sc, in + kQ6_KScales + e / 16, 1);
      const float dl = d * static_cast<float>(sc);
      y[e] = dl * static_cast<float>(static_cast<int>(lo | (hi << 4)) - 32);
    }
  }
}

Status quantize_q8_k(const float* src, uint8_t* dst, size_t n) {
  SLIM_TRY(check_finite("Q8_K", src, n));
  for (size_t b = 0; b < n / kQK_K; ++b) quantize_q8_k_block(src + b * kQK_K, dst + b * kQ8_KBytes);
  return Status::ok();
}

void dequantize_q8_k(const uint8_t* src, float* dst, size_t n) {
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const uint8_t* in = src + b * kQ8_KBytes;
    float d;
    std::memcpy(&d, in + kQ8_KD, 4);
    for (size_t j = 0; j < kQK_K; ++j) {
      int8_t q;
      std::memcpy(&q, in + kQ8_KQs + j, 1);
      dst[b * kQK_K + j] = d * static_cast<float>(q);
    }
  }
}

}  // namespace slim::quant
