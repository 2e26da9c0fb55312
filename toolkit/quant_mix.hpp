// llama.cpp's model file types ("Q4_K_M" ...) and the per-tensor type choice behind them.
//
// A file type names a recipe, not one tensor type: llama.cpp's quantizer
// (src/llama-quant.cpp, llama_tensor_get_type) gives the output head, attention V, FFN down and
// a few others more bits in some layers. choose_tensor_types() follows those rules for the dense
// models SlimLLM runs, so a file written here has the tensor types a llama.cpp file of the same
// file type has. Not implemented (SlimLLM does not run such models): the extra rules for
// mixture-of-experts models (expert_count 8), for Falcon and for 70B-class models, and the IQ*
// file types.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quant/types.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

// llama.cpp's llama_ftype numbers, as stored in general.file_type. Do not renumber.
enum class FileType : uint32_t {
  kAllF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ8_0 = 7,
  kQ5_0 = 8,
  kQ5_1 = 9,
  kQ2_K = 10,
  kQ3_K_S = 11,
  kQ3_K_M = 12,
  kQ3_K_L = 13,
  kQ4_K_S = 14,
  kQ4_K_M = 15,
  kQ5_K_S = 16,
  kQ5_K_M = 17,
  kQ6_K = 18,
  kBF16 = 32,
};

struct FileTypeInfo {
  std::string_view name;  // "Q4_K_M" (llama-quantize's spelling)
  FileType ftype;
  TensorType base;  // the type most matrices get (Q4_K for Q4_K_M)
};

// Every file type this build writes, in the order they are listed to users.
std::span<const FileTypeInfo> file_types();
const FileTypeInfo& file_type_info(FileType ft);
// "F32 F16 BF16 Q8_0 ..." for usage and error messages.
std::string file_type_names(std::string_view separator = " ");
// Case-insensitive name -> file type; invalid_argument listing the valid names otherwise.
Result<FileType> parse_file_type(std::string_view name);

// The hyper-parameters the rules look at (0 = unknown).
struct MixModel {
  uint32_t n_layer = 0;  // {arch}.block_count; 0: highest blk.N index + 1
  uint32_t n_head = 0;   // {arch}.attention.head_count
  uint32_t n_head_kv = 0;
};

struct MixTensor {
  std::string name;
  uint32_t n_dims = 0;
  uint64_t ne0 = 0;                    // row length
  TensorType type = TensorType::kF32;  // the source type
};

// The output type of every tensor, in input order:
//   - matrices llama.cpp quantizes (names ending in "weight", 2 or more dimensions, not a norm,
//     positional/token-type embedding or MoE router) get the recipe's type for that tensor
//     (file_type_info(ft).base for the plain types and when `pure`);
//   - when the row length ne0 is not a multiple of that type's block size, the fallback
//     llama.cpp uses: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K / Q3_K -> Q4_0 (llama.cpp:
//     IQ4_NL, which SlimLLM does not have), then F16 if the row is not a multiple of 32 either;
//     each fallback adds a line to *notes (if given);
//   - 1-D floating-point tensors get F32; everything else keeps its type.
std::vector<TensorType> choose_tensor_types(FileType ft, const MixModel& model,
                                            const std::vector<MixTensor>& tensors, bool pure,
                                            std::vector<std::string>* notes);

}  // namespace slim::toolkit
