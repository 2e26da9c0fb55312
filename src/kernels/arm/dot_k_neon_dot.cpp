// NEON + dotprod (SDOT) versions of dot_k_neon.cpp, compiled with -march=armv8.2-a+dotprod. The
// same body (blocks_k_neon.inc) and order as kernels/ref/vec_dot_k.cpp (bit-identical); only the
// integer sums use SDOT (4 int8 products summed into each int32 lane).
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon_dot {

namespace {

int32x4_t dot16(int8x16_t a, int8x16_t x, int32x4_t acc) {
  return vdotq_s32(acc, a, x);
}

#include "kernels/arm/blocks_k_neon.inc"

}  // namespace

float vec_dot_q4_1(const void* row, const void* act, size_t n) {
  return dot_q4_1(row, act, n);
}

float vec_dot_q5_0(const void* row, const void* act, size_t n) {
  return dot_q5_0(row, act, n);
}

float vec_dot_q5_1(const void* row, const void* act, size_t n) {
  return dot_q5_1(row, act, n);
}

float vec_dot_q2_k(const void* row, const void* act, size_t n) {
  return dot_q2_k(row, act, n);
}

float vec_dot_q3_k(const void* row, const void* act, size_t n) {
  return dot_q3_k(row, act, n);
}

float vec_dot_q4_k(const void* row, const void* act, size_t n) {
  return dot_q4_k(row, act, n);
}

float vec_dot_q5_k(const void* row, const void* act, size_t n) {
  return dot_q5_k(row, act, n);
}

float vec_dot_q6_k(const void* row, const void* act, size_t n) {
  return dot_q6_k(row, act, n);
}

}  // namespace slim::kernels::neon_dot
