// AVX-512 (F, BW, VL, DQ, VNNI) multi-token dot products for Q8_0 and Q4_0 (prompt processing,
// batched decoding). Compiled with its own flags (src/CMakeLists.txt); only intrinsics and this
// file's own internal functions are used (see x86.hpp).
//
// The same 16-block steps as vec_dot_q8_0 / vec_dot_q4_0 (q8_blocks_avx512.inc), with each
// step's weights loaded and unpacked once and dotted with every token: per token the integer
// block sums and the float operations are the single-token kernel's, so out[t] is bit-identical
// to it (and so to the reference).
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers build some results from _mm*_undefined_*() and then warn about the
// "uninitialized" value once inlined (GCC bug 105593); nothing here reads undefined lanes.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx512 {

namespace {

#include "kernels/x86/helpers_x86.inc"
#include "kernels/x86/q8_blocks_avx512.inc"

// dot_multi<K, N> for multi_group_x86.inc.
template <typename K, size_t kNt>
void dot_multi(const uint8_t* w, const uint8_t* xa, size_t stride, size_t n, float* out) {
  dot_tokens<K, kNt>(w, xa, stride, n, out);
}

#include "kernels/x86/multi_group_x86.inc"

}  // namespace

void vec_dot_multi_q8_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  dot_multi_any<Q8_0Kind>(row, act, act_stride, n_tok, n, out);
}

void vec_dot_multi_q4_0(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out) {
  dot_multi_any<Q4_0Kind>(row, act, act_stride, n_tok, n, out);
}

}  // namespace slim::kernels::avx512
