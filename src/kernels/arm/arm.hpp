// aarch64 kernel variants. Declarations only: *_neon.cpp files are compiled for baseline
// aarch64 (Advanced SIMD is always there), *_neon_dot.cpp with +dotprod (src/CMakeLists.txt);
// dispatch.cpp puts these functions into tables only when the CPU supports them (see x86.hpp
// for why ISA files share no inline code with the rest of the library).
// Signatures and reduction orders as in kernels/ref/ref.hpp unless a definition says otherwise.
#pragma once

#include <cstddef>

namespace slim::kernels::neon {

float vec_dot_f32(const void* row, const void* act, size_t n);
float vec_dot_f16(const void* row, const void* act, size_t n);
float vec_dot_bf16(const void* row, const void* act, size_t n);
void quantize_q8(const float* x, void* act, size_t n);
float vec_dot_q8_0(const void* row, const void* act, size_t n);
float vec_dot_q4_0(const void* row, const void* act, size_t n);
// dot_multi_float_neon.cpp: n_tok tokens at once, bit-identical to vec_dot_f32 / f16 / bf16
// token by token (kernels.hpp).
void vec_dot_multi_f32(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                       float* out);
void vec_dot_multi_f16(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                       float* out);
void vec_dot_multi_bf16(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
// dot_k_neon.cpp: Q4_1, Q5_0, Q5_1, Q2_K..Q6_K.
float vec_dot_q4_1(const void* row, const void* act, size_t n);
float vec_dot_q5_0(const void* row, const void* act, size_t n);
float vec_dot_q5_1(const void* row, const void* act, size_t n);
float vec_dot_q2_k(const void* row, const void* act, size_t n);
float vec_dot_q3_k(const void* row, const void* act, size_t n);
float vec_dot_q4_k(const void* row, const void* act, size_t n);
float vec_dot_q5_k(const void* row, const void* act, size_t n);
float vec_dot_q6_k(const void* row, const void* act, size_t n);

void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps);
void softmax(float* x, size_t n);
void swiglu(float* gate, const float* up, size_t n);
void add(float* y, const float* x, size_t n);
void layernorm(float* y, const float* x, const float* w, const float* b, size_t n, float eps);
void gelu(float* x, size_t n);
void relu(float* x, size_t n);
uint64_t read_sum(const void* p, size_t n);
void attention(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
               size_t hd, float scale, float* scores, float* out);

}  // namespace slim::kernels::neon

namespace slim::kernels::neon_dot {

// SDOT versions of the block dots (the rest of the neon-dot table is the neon one).
float vec_dot_q8_0(const void* row, const void* act, size_t n);
float vec_dot_q4_0(const void* row, const void* act, size_t n);
// dot_k_neon_dot.cpp
float vec_dot_q4_1(const void* row, const void* act, size_t n);
float vec_dot_q5_0(const void* row, const void* act, size_t n);
float vec_dot_q5_1(const void* row, const void* act, size_t n);
float vec_dot_q2_k(const void* row, const void* act, size_t n);
float vec_dot_q3_k(const void* row, const void* act, size_t n);
float vec_dot_q4_k(const void* row, const void* act, size_t n);
float vec_dot_q5_k(const void* row, const void* act, size_t n);
float vec_dot_q6_k(const void* row, const void* act, size_t n);

}  // namespace slim::kernels::neon_dot
