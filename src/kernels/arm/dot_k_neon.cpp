// NEON (baseline aarch64) dot products of the block formats beyond Q8_0 / Q4_0: Q4_1, Q5_0, Q5_1
// and the K-quants Q2_K..Q6_K against the Q8 activation row. The order of kernels/ref/vec_dot_k.cpp
// exactly (bit-identical; blocks_k_neon.inc): integer sums from widening int8 multiplies (vmull_s8,
// pairwise-accumulated into int32), the float part 4 lanes x 2.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon {

namespace {

// |a * x| <= 64 * 127 fits int16; pairs are added in int32.
int32x4_t dot16(int8x16_t a, int8x16_t x, int32x4_t acc) {
  acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(x)));
  return vpadalq_s16(acc, vmull_high_s8(a, x));
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

}  // namespace slim::kernels::neon
