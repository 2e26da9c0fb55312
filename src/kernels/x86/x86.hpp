// x86-64 kernel variants. Declarations only: each *_avx2.cpp / *_avx512.cpp file is compiled with
// its own target flags (src/CMakeLists.txt) and must not share inline code with the rest of the
// library (a non-inlined copy compiled for AVX-512 could be picked by the linker for all callers);
// dispatch.cpp puts these functions into tables only when the CPU supports them.
// Signatures and reduction orders as in kernels/ref/ref.hpp unless a definition says otherwise.
#pragma once

#include <cstddef>

namespace slim::kernels::avx2 {

float vec_dot_f32(const void* row, const void* act, size_t n);
float vec_dot_f16(const void* row, const void* act, size_t n);
float vec_dot_bf16(const void* row, const void* act, size_t n);
void quantize_q8(const float* x, void* act, size_t n);
float vec_dot_q8_0(const void* row, const void* act, size_t n);
float vec_dot_q4_0(const void* row, const void* act, size_t n);
// dot_k_*.cpp: the other block formats (order of kernels/ref/vec_dot_k.cpp, bit-identical).
float vec_dot_q4_1(const void* row, const void* act, size_t n);
float vec_dot_q5_0(const void* row, const void* act, size_t n);
float vec_dot_q5_1(const void* row, const void* act, size_t n);
float vec_dot_q2_k(const void* row, const void* act, size_t n);
float vec_dot_q3_k(const void* row, const void* act, size_t n);
float vec_dot_q4_k(const void* row, const void* act, size_t n);
float vec_dot_q5_k(const void* row, const void* act, size_t n);
float vec_dot_q6_k(const void* row, const void* act, size_t n);
// dot_multi_*.cpp: n_tok tokens at once, bit-identical to vec_dot token by token (kernels.hpp).
void vec_dot_multi_q8_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q4_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
// dot_multi_k_*.cpp
void vec_dot_multi_q4_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q5_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q5_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q4_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q5_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q6_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);

void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps);
void softmax(float* x, size_t n);
void swiglu(float* gate, const float* up, size_t n);
void add(float* y, const float* x, size_t n);
void layernorm(float* y, const float* x, const float* w, const float* b, size_t n, float eps);
void gelu(float* x, size_t n);
void relu(float* x, size_t n);
void attention(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
               size_t hd, float scale, float* scores, float* out);

}  // namespace slim::kernels::avx2

namespace slim::kernels::avx512 {

float vec_dot_f32(const void* row, const void* act, size_t n);
float vec_dot_f16(const void* row, const void* act, size_t n);
float vec_dot_bf16(const void* row, const void* act, size_t n);
void quantize_q8(const float* x, void* act, size_t n);
float vec_dot_q8_0(const void* row, const void* act, size_t n);
float vec_dot_q4_0(const void* row, const void* act, size_t n);
// dot_k_*.cpp: the other block formats (order of kernels/ref/vec_dot_k.cpp, bit-identical).
float vec_dot_q4_1(const void* row, const void* act, size_t n);
float vec_dot_q5_0(const void* row, const void* act, size_t n);
float vec_dot_q5_1(const void* row, const void* act, size_t n);
float vec_dot_q2_k(const void* row, const void* act, size_t n);
float vec_dot_q3_k(const void* row, const void* act, size_t n);
float vec_dot_q4_k(const void* row, const void* act, size_t n);
float vec_dot_q5_k(const void* row, const void* act, size_t n);
float vec_dot_q6_k(const void* row, const void* act, size_t n);
// dot_multi_*.cpp: n_tok tokens at once, bit-identical to vec_dot token by token (kernels.hpp).
void vec_dot_multi_q8_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q4_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
// dot_multi_k_*.cpp
void vec_dot_multi_q4_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q5_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q5_1(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q4_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q5_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
void vec_dot_multi_q6_k(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);

void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps);
void softmax(float* x, size_t n);
void swiglu(float* gate, const float* up, size_t n);
void add(float* y, const float* x, size_t n);
void layernorm(float* y, const float* x, const float* w, const float* b, size_t n, float eps);
void gelu(float* x, size_t n);
void relu(float* x, size_t n);
void attention(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
               size_t hd, float scale, float* scores, float* out);

}  // namespace slim::kernels::avx512
