// Re-encode the tensors of a GGUF model in another type (F32, F16, BF16, Q8_0, Q4_0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "quant/types.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

// "f32", "F16", "bf16", "q8_0", "Q4_0" (case-insensitive) -> the type; invalid_argument otherwise.
Result<TensorType> parse_convert_type(std::string_view name);

// llama.cpp's general.file_type number for a model stored mostly in `type`
// (ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2, MOSTLY_Q8_0 = 7, MOSTLY_BF16 = 32).
Result<uint32_t> llama_file_type(TensorType type);

// Reads the GGUF model at in_path and writes it to out_path (atomically: via out_path + ".tmp")
// with every metadata value copied, general.file_type set for `target` (and
// general.quantization_version = 2 for the block types, as llama.cpp does), and:
//   - every 2-D tensor whose name ends in ".weight" stored as `target`, or as F16 when its row
//     length ne[0] is not a multiple of the target's block size (listed in *notes, if given);
//   - 1-D floating-point tensors (norms, biases) stored as F32;
//   - anything else (integer tensors, 3-D/4-D tensors, 2-D tensors not named *.weight) copied.
// A tensor already in its output type is copied byte for byte. Source tensors may be any type
// dequantize_row supports. `progress` (optional) is called after each tensor with
// (tensors done, tensor count).
Status convert_gguf_types(const std::string& in_path, const std::string& out_path,
                          TensorType target,
                          const std::function<void(size_t done, size_t total)>& progress = {},
                          std::vector<std::string>* notes = nullptr);

}  // namespace slim::toolkit
