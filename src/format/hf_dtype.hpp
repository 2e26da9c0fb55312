// Element types of Hugging Face checkpoints, named as safetensors names them ("F32", "BF16",
// "I64" ...). The PyTorch reader maps torch storage classes onto the same names, so both
// formats report dtypes the same way. Only F32, F16 and BF16 map to an engine TensorType.
#pragma once

#include <cstdint>
#include <string_view>

#include "quant/types.hpp"

namespace slim::hf {

struct DTypeInfo {
  std::string_view name;  // safetensors spelling
  uint32_t bytes;         // per element
  bool supported;         // F32, F16, BF16: the engine reads these
  TensorType type;        // valid when supported
};

inline constexpr DTypeInfo kDTypes[] = {
    {"F32", 4, true, TensorType::kF32},     {"F16", 2, true, TensorType::kF16},
    {"BF16", 2, true, TensorType::kBF16},   {"F64", 8, false, TensorType::kF64},
    {"I64", 8, false, TensorType::kI64},    {"U64", 8, false, TensorType::kI64},
    {"I32", 4, false, TensorType::kI32},    {"U32", 4, false, TensorType::kI32},
    {"I16", 2, false, TensorType::kI16},    {"U16", 2, false, TensorType::kI16},
    {"I8", 1, false, TensorType::kI8},      {"U8", 1, false, TensorType::kI8},
    {"BOOL", 1, false, TensorType::kI8},    {"F8_E5M2", 1, false, TensorType::kI8},
    {"F8_E4M3", 1, false, TensorType::kI8}, {"F8_E8M0", 1, false, TensorType::kI8},
};

// The entry for a dtype name (exact, case-sensitive as the format requires), or nullptr.
inline const DTypeInfo* find_dtype(std::string_view name) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

}  // namespace slim::hf
