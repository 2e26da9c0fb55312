// W8A8 kernels (SlimLLM's static int8 type, docs/adr/0004-w8a8.md): the static int8 activation
// quantizer and the int8 x int8 row dot, per ISA. Declarations only (each *_avx2.cpp,
// *_avx512.cpp, *_neon.cpp, *_neon_dot.cpp file is compiled with its own target flags, see
// kernels/x86/x86.hpp); w8a8_table.cpp puts them into the kernel tables.
//
// Weight row (n elements, n % 32 == 0, n <= kW8A8MaxCols): float s_w, then n int8 w[j].
// Activation row: kernels.hpp, ActFormat::kI8 (n int8 x[j], then float s_x).
// Every variant computes exactly
//   isum   = sum_j w[j] * x[j]                 exact int32 (|w| <= 128, |x| <= 127, n <= 2^17)
//   result = float(isum) * (s_w * s_x)         s_w * s_x rounded first, then the product
// so all ISAs give the same bits (integer sums are exact in any order).
#pragma once

#include <cstddef>
#include <cstdint>

namespace slim::kernels {

struct KernelTable;

// Longest W8A8 row: keeps every int32 partial sum exact (2^17 * 128 * 127 < 2^31).
inline constexpr uint64_t kW8A8MaxCols = uint64_t{1} << 17;

// Most tokens a vec_dot_multi_w8a8 call takes (kernels::kMaxMultiTok; a constant here so the ISA
// files need not include kernels.hpp's inline code).
inline constexpr size_t kW8A8MaxTok = 8;

// Fills the W8A8 slot and quantize_i8 of a table whose isa is set (called by dispatch.cpp).
void install_w8a8(KernelTable& table);

namespace ref {
void quantize_i8(const float* x, float s, void* act, size_t n);
float vec_dot_w8a8(const void* row, const void* act, size_t n);
}  // namespace ref
// x86: also n_tok tokens at once (kernels.hpp VecDotMultiFn, bit-identical to vec_dot_w8a8).
namespace avx2 {
void quantize_i8(const float* x, float s, void* act, size_t n);
float vec_dot_w8a8(const void* row, const void* act, size_t n);
void vec_dot_multi_w8a8(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
}  // namespace avx2
namespace avx512 {
void quantize_i8(const float* x, float s, void* act, size_t n);
float vec_dot_w8a8(const void* row, const void* act, size_t n);
void vec_dot_multi_w8a8(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                        float* out);
}  // namespace avx512
namespace neon {
void quantize_i8(const float* x, float s, void* act, size_t n);
float vec_dot_w8a8(const void* row, const void* act, size_t n);
}  // namespace neon
namespace neon_dot {
float vec_dot_w8a8(const void* row, const void* act, size_t n);
}  // namespace neon_dot

}  // namespace slim::kernels
