// OPT (GGUF `opt`, SlimLLM's names, docs/formats.md): learned positions with HF's offset of 2,
// LayerNorm blocks (pre-norm, or post-norm as in opt-350m), separate q/k/v, ReLU, biases,
// optional project_in / project_out around a narrower word embedding (word_embed_proj_dim).
#pragma once

#include <memory>
#include <vector>

#include "model/ln_decoder.hpp"

namespace slim {

inline constexpr int32_t kOptPositionOffset = 2;  // position p uses row p + 2 of the table

struct OptWeights {
  kernels::MatrixView token_embd;     // n_vocab rows of word_embed_proj_dim
  kernels::MatrixView position_embd;  // context_length + 2 rows of n_embd
  kernels::MatrixView output;         // n_vocab rows of word_embed_proj_dim (may alias)
  kernels::MatrixView project_in;     // word_embed_proj_dim -> n_embd, or unbound
  kernels::MatrixView project_out;    // n_embd -> word_embed_proj_dim, or unbound
  NormWeights output_norm;            // absent for post-norm models
  std::vector<LnLayer> layers;
};

class OptModel final : public Architecture {
 public:
  OptModel(LnHParams hp, OptWeights w) : hp_(std::move(hp)), w_(std::move(w)) {}
  const DecoderDims& dims() const override { return hp_.dims; }
  void forward_batch(DecoderState& scratch, const BatchToken* batch, size_t n, float* logits_out,
                     ThreadPool& pool) const override;
  void describe(ModelInfo& info) const override;

 private:
  LnHParams hp_;
  OptWeights w_;
};

Result<std::unique_ptr<Architecture>> load_opt(const gguf::GgufFile& file,
                                               const TensorLookup& lookup);

}  // namespace slim
