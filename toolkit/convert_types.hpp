// Re-encode the tensors of a GGUF model for one of llama.cpp's file types (F16, Q8_0, Q4_K_M ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imatrix_file.hpp"
#include "quant/types.hpp"
#include "quant_mix.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

// "f32", "Q4_K_M", "q8_0" ... (case-insensitive; see quant_mix.hpp for the list) -> the file
// type; invalid_argument listing the valid names otherwise.
Result<FileType> parse_convert_type(std::string_view name);

// llama.cpp's general.file_type number (ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_K_M = 15 ...).
inline uint32_t llama_file_type(FileType ft) {
  return static_cast<uint32_t>(ft);
}

struct ConvertOptions {
  // Every quantized matrix gets the file type's base type (llama-quantize --pure): no larger
  // types for the output head, attention V or FFN down. Row-length fallbacks still apply.
  bool pure = false;
  // Importance matrix (slim imatrix / llama-imatrix): matrices with an entry are quantized with
  // the weighted quantizers (quant/weighted.hpp) where the type has one. Not owned; may be null.
  // Without it the output is bit-identical to ggml's reference quantizers.
  const Imatrix* imatrix = nullptr;
  // Overrides for output.weight and token_embd.weight (llama-quantize's --output-tensor-type,
  // --token-embedding-type); empty = the recipe's choice. The row length must fit the type.
  std::optional<TensorType> output_type;
  std::optional<TensorType> embedding_type;
  // Threads quantizing the rows of a tensor (0 = all cores). The output does not depend on it.
  int n_threads = 1;
};

// Reads the GGUF model at in_path and writes it to out_path (atomically: via out_path + ".tmp")
// with every metadata value copied, general.file_type set for `target` (and
// general.quantization_version = 2 for the block types, as llama.cpp does), and each tensor
// stored as choose_tensor_types() (quant_mix.hpp) says: matrices as the recipe's type for that
// tensor, or a fallback type when the row length does not fit (one line in *notes per fallback,
// if given); 1-D floating-point tensors as F32; anything else copied.
// A tensor already in its output type is copied byte for byte. Source tensors may be any type
// dequantize_row supports. `progress` (optional) is called after each tensor with
// (tensors done, tensor count).
Status convert_gguf_types(const std::string& in_path, const std::string& out_path, FileType target,
                          const std::function<void(size_t done, size_t total)>& progress = {},
                          std::vector<std::string>* notes = nullptr,
                          const ConvertOptions& options = {});

}  // namespace slim::toolkit
