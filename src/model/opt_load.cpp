// OPT: hyper-parameters and weight binding.
#include "format/gguf.hpp"
#include "model/opt.hpp"
#include "model/weights.hpp"

namespace slim {

void OptModel::describe(ModelInfo& info) const {
  describe_ln(hp_, w_.output.data == w_.token_embd.data, info);
}

namespace {

// A bias-free matrix that must be present when `required`, may be otherwise.
Result<kernels::MatrixView> bind_projection(const TensorLookup& lookup, const std::string& name,
                                            uint64_t cols, uint64_t rows, bool required) {
  if (!required && lookup(name) == nullptr) return kernels::MatrixView{};
  return bind_matrix(lookup, name, cols, rows);
}

}  // namespace

Result<std::unique_ptr<Architecture>> load_opt(const gguf::GgufFile& f,
                                               const TensorLookup& lookup) {
  SLIM_ASSIGN_OR_RETURN(LnHParams hp, ln_hparams_from_gguf(f, "opt"));
  DecoderDims& d = hp.dims;
  hp.act = Activation::kRelu;
  if (f.find("opt.do_layer_norm_before")) {
    SLIM_ASSIGN_OR_RETURN(hp.pre_norm, f.get_bool("opt.do_layer_norm_before"));
  }
  if (f.find("opt.word_embed_proj_dim")) {
    SLIM_ASSIGN_OR_RETURN(d.n_embd_io, gguf_i32(f, "opt.word_embed_proj_dim", kMaxModelWidth));
    if (d.n_embd_io <= 0)
      return corrupt("opt hyper-parameters: word_embed_proj_dim must be positive");
  }
  if (d.n_ctx_train > kMaxModelCtx - kOptPositionOffset)
    return corrupt("opt hyper-parameters: context_length out of range");
  d.max_positions = d.n_ctx_train;
  const auto embd = static_cast<uint64_t>(d.n_embd), io = static_cast<uint64_t>(d.n_embd_io);
  const auto vocab = static_cast<uint64_t>(d.n_vocab);
  const bool projected = io != embd;
  OptWeights w;
  SLIM_ASSIGN_OR_RETURN(w.token_embd, bind_matrix(lookup, "token_embd.weight", io, vocab));
  SLIM_ASSIGN_OR_RETURN(
      w.position_embd,
      bind_positions(lookup, hp, static_cast<uint64_t>(d.n_ctx_train) + kOptPositionOffset));
  w.output = w.token_embd;
  if (lookup("output.weight") != nullptr) {
    SLIM_ASSIGN_OR_RETURN(w.output, bind_matrix(lookup, "output.weight", io, vocab));
  }
  SLIM_ASSIGN_OR_RETURN(w.project_in,
                        bind_projection(lookup, "project_in.weight", io, embd, projected));
  SLIM_ASSIGN_OR_RETURN(w.project_out,
                        bind_projection(lookup, "project_out.weight", embd, io, projected));
  if (lookup("output_norm.weight") != nullptr || lookup("output_norm.bias") != nullptr) {
    SLIM_ASSIGN_OR_RETURN(w.output_norm, bind_layer_norm(lookup, "output_norm", embd));
  }
  w.layers.resize(static_cast<size_t>(d.n_layer));
  for (int32_t l = 0; l < d.n_layer; ++l) {
    LnLayer& L = w.layers[static_cast<size_t>(l)];
    SLIM_TRY(bind_ln_layer_common(lookup, hp, l, L));
    const std::string p = "blk." + std::to_string(l) + ".";
    SLIM_ASSIGN_OR_RETURN(L.q, bind_linear(lookup, p + "attn_q", embd, embd, Bias::kRequired));
    SLIM_ASSIGN_OR_RETURN(L.k, bind_linear(lookup, p + "attn_k", embd, embd, Bias::kRequired));
    SLIM_ASSIGN_OR_RETURN(L.v, bind_linear(lookup, p + "attn_v", embd, embd, Bias::kRequired));
  }
  return std::unique_ptr<Architecture>(std::make_unique<OptModel>(std::move(hp), std::move(w)));
}

}  // namespace slim
