// A named tensor inside a loaded model file (GGUF or llama2.c), already bounds-checked
// by the format reader. The bytes belong to the file mapping.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "quant/types.hpp"

namespace slim {

struct TensorRef {
  std::string name;
  TensorType type = TensorType::kF32;
  uint32_t n_dims = 1;
  uint64_t ne[4] = {1, 1, 1, 1};  // ne[0] contiguous
  const uint8_t* data = nullptr;
  uint64_t n_bytes = 0;
};

// Finds a tensor by name; nullptr if absent.
using TensorLookup = std::function<const TensorRef*(std::string_view)>;

}  // namespace slim
