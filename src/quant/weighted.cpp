// ggml's weighted quantizers (quantize_row_*_impl with quant_weights): the legacy 32-element
// formats here, the K-quants next to their reference quantizers (k_quants_*.cpp).
#include "quant/weighted.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "quant/blocks.hpp"
#include "quant/formats.hpp"
#include "quant/quantize.hpp"

namespace slim {

namespace {

using quant::kQ4_0Bytes;
using quant::kQ4_0Elems;
using quant::kQ4_1Bytes;
using quant::kQ5_0Bytes;
using quant::kQ5_1Bytes;

constexpr size_t kBlock = 32;

// sum(x^2) / n over the row, accumulated in float in order (as ggml).
float row_sigma2(const float* x, size_t n) {
  float sum = 0.0f;
  for (size_t j = 0; j < n; ++j) sum += x[j] * x[j];
  return sum / static_cast<float>(n);
}

void block_weights(const float* x, const float* qw, float sigma2, float* w) {
  for (size_t j = 0; j < kBlock; ++j) w[j] = qw[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

void store_half(uint8_t* p, float v) {
  quant::store_block_scale(p, v);
}

// Low nibbles of elements j and j + 16 into qs[j]; bit 4 into qh (Q5 formats).
void pack_nibbles(const uint8_t* L, uint8_t* qs) {
  for (size_t j = 0; j < kBlock / 2; ++j)
    qs[j] = static_cast<uint8_t>((L[j] & 0x0f) | ((L[j + kBlock / 2] & 0x0f) << 4));
}

uint32_t high_bits(const uint8_t* L) {
  uint32_t qh = 0;
  for (size_t j = 0; j < kBlock / 2; ++j) {
    qh |= ((L[j] & 0x10u) >> 4) << j;
    qh |= ((L[j + kBlock / 2] & 0x10u) >> 4) << (j + kBlock / 2);
  }
  return qh;
}

// Symmetric: d = make_qx_quants(32, nmax, ...) with weights; levels 0..2*nmax-1.
void weighted_symmetric(const float* src, uint8_t* dst, size_t n, const float* qw, int nmax,
                        size_t block_bytes) {
  const float sigma2 = row_sigma2(src, n);
  float w[kBlock];
  int8_t L[kBlock];
  uint8_t U[kBlock];
  for (size_t b = 0; b < n / kBlock; ++b) {
    const float* x = src + b * kBlock;
    uint8_t* out = dst + b * block_bytes;
    block_weights(x, qw + b * kBlock, sigma2, w);
    const float d = quant::make_qx_quants(static_cast<int>(kBlock), nmax, x, L, w);
    store_half(out, d);
    for (size_t j = 0; j < kBlock; ++j) U[j] = static_cast<uint8_t>(L[j]);
    if (nmax == 8) {
      pack_nibbles(U, out + 2);
    } else {
      const uint32_t qh = high_bits(U);
      std::memcpy(out + 2, &qh, 4);
      pack_nibbles(U, out + 6);
    }
  }
}

// Asymmetric: x ~ d * l - min with make_qkx3_quants (= make_qkx2_quants given weights).
void weighted_asymmetric(const float* src, uint8_t* dst, size_t n, const float* qw, int nmax,
                         size_t block_bytes) {
  const float sigma2 = row_sigma2(src, n);
  float w[kBlock];
  uint8_t L[kBlock];
  uint8_t Laux[kBlock];
  for (size_t b = 0; b < n / kBlock; ++b) {
    const float* x = src + b * kBlock;
    uint8_t* out = dst + b * block_bytes;
    block_weights(x, qw + b * kBlock, sigma2, w);
    float min = 0.0f;
    const float d = quant::make_qkx2_quants(static_cast<int>(kBlock), nmax, x, w, L, &min, Laux,
                                            -0.9f, 0.05f, 36, false);
    store_half(out, d);
    store_half(out + 2, -min);
    if (nmax == 15) {
      pack_nibbles(L, out + 4);
    } else {
      const uint32_t qh = high_bits(L);
      std::memcpy(out + 4, &qh, 4);
      pack_nibbles(L, out + 8);
    }
  }
}

}  // namespace

bool has_weighted_quantizer(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1:
    case TensorType::kQ2_K:
    case TensorType::kQ3_K:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K:
      return true;
    default:
      return false;
  }
}

Status quantize_row_weighted(TensorType type, const float* src, void* dst, size_t n,
                             const float* qw) {
  if (qw == nullptr || !has_weighted_quantizer(type)) return quantize_row(type, src, dst, n);
  // Argument and finiteness checks exactly as the unweighted path (writes dst; overwritten).
  SLIM_TRY(quantize_row(type, src, dst, n));
  for (size_t j = 0; j < n; ++j) {
    if (!std::isfinite(qw[j]) || qw[j] < 0.0f) {
      return invalid_argument("quantize " + std::string(type_name(type)) + ": importance weight " +
                              std::to_string(j) + " is negative or not finite");
    }
  }
  auto* out = static_cast<uint8_t*>(dst);
  switch (type) {
    case TensorType::kQ4_0:
      weighted_symmetric(src, out, n, qw, 8, kQ4_0Bytes);
      break;
    case TensorType::kQ5_0:
      weighted_symmetric(src, out, n, qw, 16, kQ5_0Bytes);
      break;
    case TensorType::kQ4_1:
      weighted_asymmetric(src, out, n, qw, 15, kQ4_1Bytes);
      break;
    case TensorType::kQ5_1:
      weighted_asymmetric(src, out, n, qw, 31, kQ5_1Bytes);
      break;
    case TensorType::kQ2_K:
      quant::quantize_q2_k_weighted(src, out, n, qw);
      break;
    case TensorType::kQ3_K:
      quant::quantize_q3_k_weighted(src, out, n, qw);
      break;
    case TensorType::kQ4_K:
      quant::quantize_q4_k_weighted(src, out, n, qw);
      break;
    case TensorType::kQ5_K:
      quant::quantize_q5_k_weighted(src, out, n, qw);
      break;
    case TensorType::kQ6_K:
      quant::quantize_q6_k_weighted(src, out, n, qw);
      break;
    default:
      break;
  }
  static_assert(kQ4_0Elems == kBlock);
  return Status::ok();
}

}  // namespace slim
