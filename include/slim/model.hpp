// libslim C++ API: models.
//
// A Model is immutable after load and may be shared by any number of Sessions on any
// number of threads. Weights stay in the read-only file mapping (or the caller's buffer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim {

struct ModelInfo {
  std::string format;        // "gguf" | "llama2c"
  std::string architecture;  // "llama", "qwen2", "gpt2", "opt"
  std::string name;          // general.name if present
  std::string file_type;     // dominant weight type, e.g. "F32", "Q8_0"
  uint64_t file_bytes = 0;
  uint64_t n_params = 0;  // elements in all tensors
  int32_t n_vocab = 0;
  int32_t n_embd = 0;
  int32_t n_ff = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd_io = 0;  // width of the token embedding / output head rows (OPT-350m: 512)
  std::string positions;  // "rope" | "learned"
  std::string norm;       // "rmsnorm" | "layernorm"
  float norm_eps = 0.0f;
  std::string activation;  // "swiglu" | "gelu" (tanh approximation) | "relu"
  bool pre_norm = true;    // normalisation before each block (false: after each residual add)
  int32_t rope_dims = 0;   // rope: 0 for learned positions
  float rope_base = 0.0f;
  std::string rope_style;  // "interleaved" | "neox" ("" without rope)
  float rms_eps = 0.0f;    // = norm_eps for rmsnorm models, 0 otherwise
  bool tied_output = false;
  std::string tokenizer;  // "llama" (SentencePiece) ...
  int32_t bos_id = -1;
  int32_t eos_id = -1;
};

struct TensorSummary {
  std::string name;
  std::string type;             // "F32", "Q8_0" ...
  std::vector<uint64_t> shape;  // ne[0] first (contiguous dimension)
  uint64_t bytes = 0;
};

struct ModelParams {
  // llama2.c checkpoints carry no vocabulary: the tokenizer.bin to use. When empty,
  // tokenizer.bin or tok<N>.bin next to the checkpoint is used.
  std::string tokenizer_path;
};

class Model {
 public:
  // Loads a GGUF file (by magic) or a llama2.c checkpoint (otherwise).
  static Result<std::shared_ptr<const Model>> load(const std::string& path,
                                                   const ModelParams& params = {});
  // Loads a GGUF image from a caller-owned buffer that must outlive the Model
  // (e.g. a model decrypted into memory).
  static Result<std::shared_ptr<const Model>> load_from_memory(const uint8_t* data, size_t size);

  const ModelInfo& info() const;
  std::vector<TensorSummary> tensors() const;

  Result<std::vector<int32_t>> tokenize(std::string_view text, bool add_bos,
                                        bool parse_special = false) const;
  // The text bytes of one token (see StreamDecoder for streaming-safe decoding).
  std::string token_piece(int32_t id) const;
  std::string detokenize(const std::vector<int32_t>& ids) const;
  bool is_end_of_generation(int32_t id) const;
  bool add_bos_default() const;
  // The model's chat template (GGUF tokenizer.chat_template), "" if it has none.
  std::string chat_template() const;

  class Impl;
  const Impl& impl() const { return *impl_; }
  explicit Model(std::unique_ptr<Impl> impl);
  ~Model();

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace slim
