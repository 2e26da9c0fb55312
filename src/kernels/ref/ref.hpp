// Scalar reference kernels: the ground truth every ISA variant is tested against.
// Signatures follow kernels.hpp (VecDotFn, QuantizeActFn, ...); reduction orders are documented
// in the .cpp files and in docs/adr/0003-q8-activations-and-dispatch.md.
#pragma once

#include <cstddef>
#include <cstdint>

namespace slim::kernels::ref {

// Weight row . F32 activation row (act points at n floats).
float vec_dot_f32(const void* row, const void* act, size_t n);
float vec_dot_f16(const void* row, const void* act, size_t n);
float vec_dot_bf16(const void* row, const void* act, size_t n);

// F32 row -> Q8 activation row (layout in kernels.hpp), and weight row . Q8 activation row.
void quantize_q8(const float* x, void* act, size_t n);
float vec_dot_q8_0(const void* row, const void* act, size_t n);
float vec_dot_q4_0(const void* row, const void* act, size_t n);
// vec_dot_q8_f32.cpp: Q8_0 weight row . F32 activation row (KernelTable::q8_0_f32).
float vec_dot_q8_0_f32(const void* row, const void* act, size_t n);
// vec_dot_k.cpp: the other block formats, also against the Q8 activation row.
float vec_dot_q4_1(const void* row, const void* act, size_t n);
float vec_dot_q5_0(const void* row, const void* act, size_t n);
float vec_dot_q5_1(const void* row, const void* act, size_t n);
float vec_dot_q2_k(const void* row, const void* act, size_t n);
float vec_dot_q3_k(const void* row, const void* act, size_t n);
float vec_dot_q4_k(const void* row, const void* act, size_t n);
float vec_dot_q5_k(const void* row, const void* act, size_t n);
float vec_dot_q6_k(const void* row, const void* act, size_t n);

// Element-wise and normalisation ops.
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

}  // namespace slim::kernels::ref
