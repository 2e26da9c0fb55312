// Tensor element types with GGUF's (ggml's) numeric ids and block layouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace slim {

// Ids are GGUF's on-disk values; do not renumber.
enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ4_NL = 20,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
  // SlimLLM-specific (no ggml equivalent; other GGUF engines refuse it): static int8 weights
  // with a per-row float scale, for int8 x int8 products (docs/formats.md, ADR 0004).
  kW8A8 = 0x5338,
};

struct TypeTraits {
  std::string_view name;  // "Q8_0"
  uint32_t block_elems;   // elements per block (1 for plain types)
  uint32_t block_bytes;   // bytes per block
};

// Traits for a GGUF type id, or nullptr if the id is unknown to SlimLLM.
const TypeTraits* type_traits(uint32_t id);
inline const TypeTraits* type_traits(TensorType t) {
  return type_traits(static_cast<uint32_t>(t));
}
std::string_view type_name(TensorType t);
// Parses "F16", "q8_0" ... (case-insensitive). Returns false if unknown.
bool parse_type_name(std::string_view name, TensorType* out);

// Bytes every row of a type carries before its blocks: 4 for W8A8 (the row's float scale), 0 for
// every ggml type.
uint32_t row_header_bytes(TensorType t);
// True for types GGUF engines other than SlimLLM do not know (W8A8).
bool is_slim_specific(TensorType t);

// Bytes of one row of `n` elements (row header + blocks); false if n is not a multiple of the
// block size or overflows.
bool row_bytes(TensorType t, uint64_t n, uint64_t* bytes);

}  // namespace slim
