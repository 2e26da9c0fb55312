// Scalar reference kernels: the ground truth every ISA variant is tested against.
#pragma once

#include <cstddef>

namespace slim::kernels::ref {

// Weight-row dot products, one per storage type (see kernels.hpp VecDotFn).
float vec_dot_f32(const void* row, const float* x, size_t n);
float vec_dot_f16(const void* row, const float* x, size_t n);
float vec_dot_bf16(const void* row, const float* x, size_t n);
float vec_dot_q8_0(const void* row, const float* x, size_t n);
float vec_dot_q4_0(const void* row, const float* x, size_t n);

// Element-wise and normalisation ops.
void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps);
void softmax(float* x, size_t n);
void swiglu(float* gate, const float* up, size_t n);
void add(float* y, const float* x, size_t n);

}  // namespace slim::kernels::ref
