// The kernel table: the only way model code reaches compute kernels.
// dispatch.cpp fills one table per instruction set this build and this CPU support, and selects
// one, once, at first use, from the CPU's features (or SLIM_ISA=scalar|avx2|avx512|neon|neon-dot).
// Every entry has a scalar reference in kernels/ref/; ISA files only add faster versions and
// entries they do not provide fall back to the reference.
//
// Matrix products work on "prepared" activations: per weight type, the table says which
// activation format the dot product consumes (ActFormat). F32/F16/BF16 weights are dotted with
// the F32 activations as they are; every block type (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K)
// with a Q8 activation row made once per token per product by quantize_q8
// (docs/adr/0003-q8-activations-and-dispatch.md). SlimLLM's W8A8 weights with a static int8
// activation row made by quantize_i8 with the matrix's calibrated scale (ADR 0004).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "quant/types.hpp"

namespace slim::kernels {

inline constexpr uint32_t kMaxTypeId = 32;  // ggml ids below this index the table directly
// One more slot for SlimLLM's W8A8 (GGUF id 0x5338, far above ggml's ids).
inline constexpr uint32_t kNumTypeSlots = kMaxTypeId + 1;
inline constexpr uint32_t kW8A8Slot = kMaxTypeId;
// The table slot of a type, or kNumTypeSlots if the table has none.
inline uint32_t type_slot(TensorType t) {
  const auto id = static_cast<uint32_t>(t);
  if (id < kMaxTypeId) return id;
  return t == TensorType::kW8A8 ? kW8A8Slot : kNumTypeSlots;
}

// Instruction sets a table can be built for. x86: AVX2 = AVX2+FMA+F16C; AVX-512 = F, BW, VL, DQ,
// VNNI (+FMA, F16C). aarch64: NEON, NEON + dotprod.
enum class Isa : uint8_t { kScalar = 0, kAvx2, kAvx512, kNeon, kNeonDot };
inline constexpr size_t kNumIsas = 5;

// "scalar", "avx2", "avx512", "neon", "neon-dot".
const char* isa_name(Isa isa);
// Parses an isa_name (case-sensitive). False if unknown.
bool parse_isa(std::string_view name, Isa* out);

// The activation format a weight type's dot product consumes.
enum class ActFormat : uint8_t {
  kF32,  // the activation row itself: n floats
  kQ8,   // a Q8 activation row (below), made by KernelTable::quantize_q8
  kI8,   // a static int8 activation row (below), made by KernelTable::quantize_i8
};

// Q8 activation row of n elements (n a multiple of 32), nb = n / 32 blocks, struct of arrays:
//   int8_t  qs[n]    at byte 0            q[j] = nearest-even(clamp(x[j] / d, -127, 127))
//   float   d[nb]    at byte n            d = max|x| / 127 over the block (0 for a zero block)
//   int32_t s[nb]    at byte n + 4 * nb   s = sum of the block's 32 q (exact; offsets and mins)
// No alignment is required (kernels use unaligned loads).
inline constexpr size_t kQ8ActBlock = 32;
// Static int8 activation row of n elements (W8A8), with the weight matrix's calibrated
// per-tensor scale s (> 0):
//   int8_t  qs[n]    at byte 0            v = x[j] / s, clamped `v > -127 ? v : -127` then
//                                         `v < 127 ? v : 127` (nan -> -127), q = nearbyint(v)
//   float   s        at byte n            the scale itself (the dot multiplies by it)
// Values beyond +-127 s saturate silently (the calibration reports how often, ADR 0004).
// Bytes of a prepared row of n elements in format f.
inline size_t act_row_bytes(ActFormat f, size_t n) {
  if (f == ActFormat::kI8) return n + sizeof(float);
  return f == ActFormat::kF32 ? n * sizeof(float) : n + 8 * (n / kQ8ActBlock);
}

// dot(weight row, prepared activation row) for one row of `n` elements (n a multiple of the
// type's block size). The reduction order of every variant is documented beside its code.
using VecDotFn = float (*)(const void* row, const void* act, size_t n);
// The same dot for n_tok tokens at once (1 <= n_tok <= kMaxMultiTok): out[t] = vec_dot(row,
// act + t * act_stride, n). Each weight block is loaded and unpacked once and dotted with every
// token's activation block; out[t] is BIT-IDENTICAL to the table's vec_dot for that token (same
// integer block sums, same float order per token, only interleaved), so results do not depend on
// how tokens are grouped (a nan result aside: with several nan inputs the compiler may keep
// another one's payload). act_stride: bytes between tokens' prepared rows (any alignment).
using VecDotMultiFn = void (*)(const void* row, const void* act, size_t act_stride, size_t n_tok,
                               size_t n, float* out);
inline constexpr size_t kMaxMultiTok = 8;
// Q8 activation rows of up to kTokGroup tokens interleaved for prompt processing ("tok16"): the
// rows of a group of tokens side by side in 4-byte units, so one 512-bit vector holds the same
// 4 elements of all 16 tokens. For n elements (nb = n / 32 blocks), token t < kTokGroup,
// element j, block b:
//   int8_t  q   at byte 64 * (j / 4) + 4 * t + j % 4                 (16 * n bytes)
//   float   d   at byte 16 * n + 4 * (16 * b + t)                     (64 * nb bytes)
//   int32_t s   at byte 16 * n + 64 * nb + 4 * (16 * b + t)           (64 * nb bytes)
// with q, d, s as in the Q8 activation row above; tokens >= the group's count are all zero.
inline constexpr size_t kTokGroup = 16;
inline size_t tok16_bytes(size_t n) {
  return 16 * n + 128 * (n / kQ8ActBlock);
}
// Interleaves n_tok <= kTokGroup Q8 activation rows (row t at rows + t * stride) into `out`
// (tok16_bytes(n) bytes).
void interleave_q8(const uint8_t* rows, size_t stride, size_t n_tok, size_t n, uint8_t* out);
// The dot of one weight row with every token of an interleaved group: out[t] for t < n_tok,
// BIT-IDENTICAL to the table's vec_dot of the row with token t's Q8 row (same integer block
// sums, same float operations per token, 16 tokens per vector instead of 8 blocks).
using VecDotTok16Fn = void (*)(const void* row, const void* act16, size_t n_tok, size_t n,
                               float* out);
// Expands one row of `n` elements to floats.
using DequantFn = void (*)(const void* row, float* y, size_t n);
// Makes the Q8 activation row `act` (act_row_bytes(kQ8, n) bytes) from n floats (n % 32 == 0).
using QuantizeActFn = void (*)(const float* x, void* act, size_t n);
// Makes the static int8 activation row `act` (act_row_bytes(kI8, n) bytes) from n floats with
// the scale s > 0 (n % 32 == 0).
using QuantizeStaticActFn = void (*)(const float* x, float s, void* act, size_t n);

struct TypeKernels {
  ActFormat act = ActFormat::kF32;  // what vec_dot's second operand is
  VecDotFn vec_dot = nullptr;       // nullptr = type unsupported
  DequantFn dequantize = nullptr;   // nullptr = type unsupported
  // Optional multi-token vec_dot (nullptr = none: callers loop over vec_dot). When set it is
  // bit-identical to this table's vec_dot, token by token.
  VecDotMultiFn vec_dot_multi = nullptr;
  // Optional dot against an interleaved group of up to kTokGroup tokens (nullptr = none).
  VecDotTok16Fn vec_dot_tok16 = nullptr;
};

struct KernelTable {
  Isa isa = Isa::kScalar;
  const char* name = "scalar";
  TypeKernels type[kNumTypeSlots];  // indexed by type_slot(TensorType)
  QuantizeActFn quantize_q8 = nullptr;
  QuantizeStaticActFn quantize_i8 = nullptr;
  // Q8_0 weights dotted with the F32 activation row itself (act = kF32): no 8-bit activation
  // rounding, slower. Used instead of type[Q8_0] when a matmul asks for Q8_0Act::kF32
  // (matmul.hpp; SessionParams::q8_0_float_activations). Order: kernels/ref/vec_dot_q8_f32.cpp.
  TypeKernels q8_0_f32;

  // y = x / rms(x) * w (y may alias x)
  void (*rmsnorm)(float* y, const float* x, const float* w, size_t n, float eps) = nullptr;
  // In-place numerically stable softmax.
  void (*softmax)(float* x, size_t n) = nullptr;
  // gate = silu(gate) * up
  void (*swiglu)(float* gate, const float* up, size_t n) = nullptr;
  // y += x
  void (*add)(float* y, const float* x, size_t n) = nullptr;
  // y = (x - mean(x)) / sqrt(var(x) + eps) * w + b, mean and (biased) variance over the n
  // elements (y may alias x). GPT-2 / OPT LayerNorm.
  void (*layernorm)(float* y, const float* x, const float* w, const float* b, size_t n,
                    float eps) = nullptr;
  // In place x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (GPT-2's "gelu_new"),
  // computed as x / (1 + exp(-2 sqrt(2/pi) (x + 0.044715 x^3))) (see kernels/ref/ops.cpp).
  void (*gelu)(float* x, size_t n) = nullptr;
  // In place x = x > 0 ? x : +0 (nan gives 0). Bit-identical in every variant.
  void (*relu)(float* x, size_t n) = nullptr;
  // Attention of one query head over n_keys cached positions, key/value j at k + j * stride
  // and v + j * stride (hd floats each): scores[j] = dot(q, k_j) * scale, softmax over the
  // scores, out = sum over j in order of scores[j] * v_j (mul then add per element, from 0;
  // bit-identical in every variant given the same scores). scores: n_keys floats of scratch.
  // Sum of the n / 8 little-endian uint64 words at p (n a multiple of 256), mod 2^64, read as
  // fast as the ISA can stream memory (wide loads, software prefetch 4 KiB ahead): the memory
  // probe behind `slim bench`'s roof. The same value in every variant.
  uint64_t (*read_sum)(const void* p, size_t n) = nullptr;
  void (*attention)(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
                    size_t hd, float scale, float* scores, float* out) = nullptr;

  const TypeKernels& of(TensorType t) const {
    static constexpr TypeKernels kNone{};
    const uint32_t slot = type_slot(t);
    return slot < kNumTypeSlots ? type[slot] : kNone;
  }
};

// The table for this process: selected once (thread-safe) from the CPU's features, or SLIM_ISA.
// A forced ISA the CPU (or this build) lacks falls back to the best available one, with a
// one-line warning on stderr.
const KernelTable& active();
// The scalar reference table (ground truth for tests).
const KernelTable& reference();
// The ISAs this build has tables for AND this CPU can run, scalar first, best last.
std::span<const Isa> available_isas();
// The table for `isa`, or nullptr if it is not in available_isas().
const KernelTable* table_for(Isa isa);
// The selection rule behind active(): `forced` is SLIM_ISA's value (nullptr or "" = unset),
// `available` is non-empty, best last. An unknown or unavailable `forced` gives the best ISA
// and a one-line message in *warning (left empty otherwise).
Isa choose_isa(const char* forced, std::span<const Isa> available, std::string* warning);

inline VecDotFn vec_dot_for(TensorType t) {
  return active().of(t).vec_dot;
}
inline DequantFn dequantize_for(TensorType t) {
  return active().of(t).dequantize;
}

}  // namespace slim::kernels
