// GPT-2 (GGUF `gpt2`, llama.cpp's names): learned positions, pre-norm LayerNorm blocks, fused
// q|k|v product, GELU (tanh approximation), biases everywhere, tied or separate output head.
#pragma once

#include <memory>
#include <vector>

#include "model/ln_decoder.hpp"

namespace slim {

struct Gpt2Weights {
  kernels::MatrixView token_embd;     // n_vocab rows of n_embd
  kernels::MatrixView position_embd;  // context_length rows of n_embd
  kernels::MatrixView output;         // n_vocab rows of n_embd (may alias token_embd)
  NormWeights output_norm;
  std::vector<LnLayer> layers;
};

class Gpt2Model final : public Architecture {
 public:
  Gpt2Model(LnHParams hp, Gpt2Weights w) : hp_(std::move(hp)), w_(std::move(w)) {}
  const DecoderDims& dims() const override { return hp_.dims; }
  void forward_batch(DecoderState& scratch, const BatchToken* batch, size_t n, float* logits_out,
                     ThreadPool& pool) const override;
  void describe(ModelInfo& info) const override;

 private:
  LnHParams hp_;
  Gpt2Weights w_;
};

Result<std::unique_ptr<Architecture>> load_gpt2(const gguf::GgufFile& file,
                                                const TensorLookup& lookup);

}  // namespace slim
