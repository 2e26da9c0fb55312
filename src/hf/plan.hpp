// A Hugging Face checkpoint (config.json + tensor names and shapes) mapped onto GGUF: which
// architecture, which {arch}.* metadata, and for every GGUF tensor the checkpoint tensor it
// comes from and how its bytes are rearranged. Pure data: no file access, so the same plan
// drives `slim run -m HF_DIR` (tensors used in place where possible) and `slim convert`.
//
// config.json and the tensor list are outside input: every value is range-checked and every
// tensor's shape is checked against the configuration; errors name the key or tensor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "slim/status.hpp"

namespace slim::hf {

// A tensor of the checkpoint: its name and PyTorch shape (outermost first).
struct SourceTensor {
  std::string_view name;
  std::vector<uint64_t> shape;
};

enum class Transform {
  kNone,       // bytes as they are (a Linear weight [out, in] is GGUF [in, out] already)
  kTranspose,  // GPT-2 Conv1D weight [in, out] -> rows of `in` (GGUF [in, out])
  kPermuteQK,  // Llama q/k rows: Hugging Face's rotate-half order -> GGUF's interleaved pairs
};

struct TensorPlan {
  std::string gguf_name;
  std::string source_name;
  std::vector<uint64_t> gguf_dims;  // ne[0] (contiguous) first
  Transform transform = Transform::kNone;
  int32_t heads = 0;  // kPermuteQK: number of heads the rows are grouped in
};

using MetaValue = std::variant<uint32_t, float, bool, std::string>;
struct MetaEntry {
  std::string key;
  MetaValue value;
};

struct ModelPlan {
  std::string architecture;  // GGUF general.architecture: llama, qwen2, gpt2, opt
  std::string hf_class;      // config.json architectures[0], e.g. "LlamaForCausalLM"
  std::vector<MetaEntry> metadata;
  std::vector<TensorPlan> tensors;
  std::vector<std::string> notes;  // checkpoint tensors left out, and why
};

// Plans the mapping of a checkpoint given its config.json text and tensor list.
// Architectures: LlamaForCausalLM (SmolLM/SmolLM2, TinyLlama), Qwen2ForCausalLM,
// GPT2LMHeadModel (and bare GPT2Model checkpoints), OPTForCausalLM.
Result<ModelPlan> plan_model(std::string_view config_json,
                             const std::vector<SourceTensor>& tensors);

// The Hugging Face class names plan_model accepts, for messages.
std::string supported_hf_classes();

// Element order of a kPermuteQK tensor: row r of the GGUF tensor is row permute_qk_row(r) of the
// source (rows of `rows_per_head * heads`; applies to weights and to biases).
uint64_t permute_qk_row(uint64_t r, uint64_t rows_per_head);

}  // namespace slim::hf
