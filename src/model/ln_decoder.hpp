// The LayerNorm decoder family shared by GPT-2 and OPT: learned absolute positions, LayerNorm
// with bias, multi-head attention with biases, a two-matrix FFN with GELU or ReLU, pre-norm
// (GPT-2, most OPT) or post-norm (opt-350m) residual blocks. gpt2_*.cpp and opt_*.cpp add their
// embeddings, heads and tensor names; this file holds what they share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/forward_pass.hpp"
#include "model/tensor_ref.hpp"
#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim {

namespace gguf {
class GgufFile;
}

enum class Activation { kGelu, kRelu };

struct LnHParams {
  std::string arch;  // "gpt2" | "opt"
  DecoderDims dims;  // n_head_kv = n_head (no grouping)
  float eps = 1e-5f;
  Activation act = Activation::kGelu;
  bool pre_norm = true;  // LayerNorm before each block (else after each residual add)
};

// `{arch}.embedding_length`, `feed_forward_length`, `block_count`, `attention.head_count`,
// `context_length`, `attention.layer_norm_epsilon` (default 1e-5), and the vocabulary from
// token_embd.weight; every value validated.
Result<LnHParams> ln_hparams_from_gguf(const gguf::GgufFile& f, const std::string& arch);

// One residual layer. GPT-2 has the fused qkv product, OPT separate q, k, v.
struct LnLayer {
  NormWeights attn_norm, ffn_norm;
  Linear qkv;      // [n_embd -> 3 n_embd] (q | k | v) or unbound
  Linear q, k, v;  // [n_embd -> n_embd] each, or unbound
  Linear out, up, down;
};

// blk.N.{attn_norm,ffn_norm}.{weight,bias}, blk.N.{attn_output,ffn_up,ffn_down}.{weight,bias}.
Status bind_ln_layer_common(const TensorLookup& lookup, const LnHParams& hp, int32_t layer,
                            LnLayer& out);
// A learned position table of at least n_pos rows of n_embd, exactly `rows` rows.
Result<kernels::MatrixView> bind_positions(const TensorLookup& lookup, const LnHParams& hp,
                                           uint64_t rows);

// Runs layer `layer` of the batch on s.x (the residual stream) in place.
void ln_decoder_layer(ForwardPass& fp, const LnHParams& hp, const LnLayer& L, size_t layer);

// ModelInfo fields common to the family.
void describe_ln(const LnHParams& hp, bool tied_output, ModelInfo& info);

}  // namespace slim
