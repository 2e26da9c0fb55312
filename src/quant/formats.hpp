// Per-format scalar row codecs behind quantize.hpp. Callers (quantize.cpp) have already checked
// pointers and that n is a multiple of the block size; dst holds row_bytes(type, n) bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "slim/status.hpp"

namespace slim::quant {

void quantize_f32(const float* src, uint8_t* dst, size_t n);
void dequantize_f32(const uint8_t* src, float* dst, size_t n);
void quantize_f16(const float* src, uint8_t* dst, size_t n);
void dequantize_f16(const uint8_t* src, float* dst, size_t n);
void quantize_bf16(const float* src, uint8_t* dst, size_t n);
void dequantize_bf16(const uint8_t* src, float* dst, size_t n);

// Block formats reject non-finite input (invalid_argument naming the element); on failure the
// contents of dst are unspecified.
Status quantize_q8_0(const float* src, uint8_t* dst, size_t n);
void dequantize_q8_0(const uint8_t* src, float* dst, size_t n);
Status quantize_q4_0(const float* src, uint8_t* dst, size_t n);
void dequantize_q4_0(const uint8_t* src, float* dst, size_t n);
Status quantize_q4_1(const float* src, uint8_t* dst, size_t n);
void dequantize_q4_1(const uint8_t* src, float* dst, size_t n);
Status quantize_q5_0(const float* src, uint8_t* dst, size_t n);
void dequantize_q5_0(const uint8_t* src, float* dst, size_t n);
Status quantize_q5_1(const float* src, uint8_t* dst, size_t n);
void dequantize_q5_1(const uint8_t* src, float* dst, size_t n);

// K-quants (super-blocks of 256), ggml's reference quantizers without importance matrix.
Status quantize_q2_k(const float* src, uint8_t* dst, size_t n);
void dequantize_q2_k(const uint8_t* src, float* dst, size_t n);
Status quantize_q3_k(const float* src, uint8_t* dst, size_t n);
void dequantize_q3_k(const uint8_t* src, float* dst, size_t n);
Status quantize_q4_k(const float* src, uint8_t* dst, size_t n);
void dequantize_q4_k(const uint8_t* src, float* dst, size_t n);
Status quantize_q5_k(const float* src, uint8_t* dst, size_t n);
void dequantize_q5_k(const uint8_t* src, float* dst, size_t n);
Status quantize_q6_k(const float* src, uint8_t* dst, size_t n);
void dequantize_q6_k(const uint8_t* src, float* dst, size_t n);
// The same with importance weights qw[n] (ggml's quantize_row_q*_K_impl with quant_weights;
// quant/weighted.hpp). src was checked finite by the caller.
void quantize_q2_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw);
void quantize_q3_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw);
void quantize_q4_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw);
void quantize_q5_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw);
void quantize_q6_k_weighted(const float* src, uint8_t* dst, size_t n, const float* qw);
// Q8_K: the activation format of K-quant dot products (float32 d, bsums filled in).
Status quantize_q8_k(const float* src, uint8_t* dst, size_t n);
void dequantize_q8_k(const uint8_t* src, float* dst, size_t n);

// Shared by the block formats: invalid_argument if some x[i] is inf or nan.
Status check_finite(const char* type, const float* src, size_t n);

// W8A8 (SlimLLM-specific): one row = f32 scale + n int8 (w8a8_row.cpp).
Status quantize_w8a8(const float* src, uint8_t* dst, size_t n);
void dequantize_w8a8(const uint8_t* src, float* dst, size_t n);

}  // namespace slim::quant
