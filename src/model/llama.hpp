// The Llama family: llama (Llama 2/3, TinyLlama, SmolLM/SmolLM2) and qwen2.
// Pre-norm transformer: RMSNorm, grouped-query attention with RoPE, SwiGLU FFN,
// optional q/k/v biases (qwen2), tied or separate output head.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/arch.hpp"
#include "model/tensor_ref.hpp"
#include "slim/status.hpp"

namespace slim {

namespace gguf {
class GgufFile;
}
namespace llama2c {
struct Config;
}

enum class RopeStyle {
  kInterleaved,  // rotate pairs (2i, 2i+1): GGUF llama ("normal" mode), llama2.c
  kNeox,         // rotate pairs (i, i + d/2): qwen2, GPT-NeoX
};

struct LlamaHParams {
  std::string arch;  // "llama" | "qwen2"
  int32_t n_vocab = 0;
  int32_t n_embd = 0;  // model width
  int32_t n_ff = 0;    // FFN width
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;     // n_embd / n_head
  int32_t n_ctx_train = 0;  // context length the model was trained with
  int32_t rope_dims = 0;    // leading dims of each head that RoPE rotates
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
  RopeStyle rope_style = RopeStyle::kInterleaved;

  int32_t kv_dim() const { return n_head_kv * head_dim; }
};

// Hyper-parameters from GGUF metadata (`{arch}.*` keys), validated.
Result<LlamaHParams> llama_hparams_from_gguf(const gguf::GgufFile& file, const std::string& arch);
Result<LlamaHParams> llama_hparams_from_llama2c(const llama2c::Config& config);

struct LlamaLayer {
  std::vector<float> attn_norm, ffn_norm;  // [n_embd]
  std::vector<float> bq, bk, bv;           // [n_embd], [kv_dim], [kv_dim] or empty
  kernels::MatrixView wq, wk, wv, wo;      // wq: n_embd x n_embd; wk/wv: n_embd -> kv_dim
  kernels::MatrixView w_gate, w_up, w_down;
};

struct LlamaWeights {
  kernels::MatrixView token_embd;  // n_vocab rows of n_embd
  kernels::MatrixView output;      // n_vocab rows of n_embd (may alias token_embd)
  std::vector<float> output_norm;  // [n_embd]
  std::vector<LlamaLayer> layers;
};

// Binds and shape/type-checks every tensor the forward pass needs.
Result<LlamaWeights> bind_llama_weights(const LlamaHParams& hp, const TensorLookup& lookup);

class LlamaModel final : public Architecture {
 public:
  LlamaModel(LlamaHParams hp, LlamaWeights w);
  const DecoderDims& dims() const override { return dims_; }
  void forward_batch(DecoderState& scratch, const BatchToken* batch, size_t n, float* logits_out,
                     ThreadPool& pool) const override;
  void describe(ModelInfo& info) const override;

 private:
  LlamaHParams hp_;
  LlamaWeights w_;
  DecoderDims dims_;
};

// Loaders: GGUF `llama` / `qwen2` (registry), llama2.c checkpoints.
Result<std::unique_ptr<Architecture>> load_llama(const gguf::GgufFile& file,
                                                 const TensorLookup& lookup);
Result<std::unique_ptr<Architecture>> load_llama2c_model(const llama2c::Config& config,
                                                         const TensorLookup& lookup);

}  // namespace slim
