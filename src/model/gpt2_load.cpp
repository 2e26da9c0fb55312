// GPT-2: hyper-parameters and weight binding.
#include "format/gguf.hpp"
#include "model/gpt2.hpp"
#include "model/weights.hpp"

namespace slim {

void Gpt2Model::describe(ModelInfo& info) const {
  describe_ln(hp_, w_.output.data == w_.token_embd.data, info);
}

Result<std::unique_ptr<Architecture>> load_gpt2(const gguf::GgufFile& f,
                                                const TensorLookup& lookup) {
  SLIM_ASSIGN_OR_RETURN(LnHParams hp, ln_hparams_from_gguf(f, "gpt2"));
  hp.act = Activation::kGelu;
  hp.pre_norm = true;
  hp.dims.fused_qkv = true;
  // Learned positions: the context can never exceed the table.
  hp.dims.max_positions = hp.dims.n_ctx_train;
  const auto embd = static_cast<uint64_t>(hp.dims.n_embd);
  const auto vocab = static_cast<uint64_t>(hp.dims.n_vocab);
  Gpt2Weights w;
  SLIM_ASSIGN_OR_RETURN(w.token_embd, bind_matrix(lookup, "token_embd.weight", embd, vocab));
  SLIM_ASSIGN_OR_RETURN(w.position_embd,
                        bind_positions(lookup, hp, static_cast<uint64_t>(hp.dims.n_ctx_train)));
  w.output = w.token_embd;
  if (lookup("output.weight") != nullptr) {
    SLIM_ASSIGN_OR_RETURN(w.output, bind_matrix(lookup, "output.weight", embd, vocab));
  }
  SLIM_ASSIGN_OR_RETURN(w.output_norm, bind_layer_norm(lookup, "output_norm", embd));
  w.layers.resize(static_cast<size_t>(hp.dims.n_layer));
  for (int32_t l = 0; l < hp.dims.n_layer; ++l) {
    LnLayer& L = w.layers[static_cast<size_t>(l)];
    SLIM_TRY(bind_ln_layer_common(lookup, hp, l, L));
    SLIM_ASSIGN_OR_RETURN(L.qkv, bind_linear(lookup, "blk." + std::to_string(l) + ".attn_qkv", embd,
                                             3 * embd, Bias::kRequired));
  }
  return std::unique_ptr<Architecture>(std::make_unique<Gpt2Model>(std::move(hp), std::move(w)));
}

}  // namespace slim
