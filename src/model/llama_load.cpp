// Hyper-parameters and weight binding for the Llama family.
#include <cmath>

#include "format/gguf.hpp"
#include "format/llama2c.hpp"
#include "model/llama.hpp"
#include "model/weights.hpp"

namespace slim {

namespace {

constexpr int64_t kMaxWidth = kMaxModelWidth;
constexpr int64_t kMaxLayers = kMaxModelLayers;
constexpr int64_t kMaxVocab = kMaxModelVocab;
constexpr int64_t kMaxCtx = kMaxModelCtx;

Status check_hparams(const LlamaHParams& hp) {
  auto bad = [&](const std::string& m) { return corrupt(hp.arch + " hyper-parameters: " + m); };
  if (hp.n_embd <= 0 || hp.n_embd > kMaxWidth) return bad("embedding_length out of range");
  if (hp.n_ff <= 0 || hp.n_ff > kMaxWidth * 8) return bad("feed_forward_length out of range");
  if (hp.n_layer <= 0 || hp.n_layer > kMaxLayers) return bad("block_count out of range");
  if (hp.n_head <= 0 || hp.n_embd % hp.n_head != 0)
    return bad("head_count must divide embedding_length");
  if (hp.n_head_kv <= 0 || hp.n_head % hp.n_head_kv != 0)
    return bad("head_count_kv must divide head_count");
  if (hp.head_dim % 2 != 0) return bad("head size must be even");
  if (hp.rope_dims <= 0 || hp.rope_dims > hp.head_dim || hp.rope_dims % 2 != 0) {
    return bad("rope.dimension_count must be even and at most the head size");
  }
  if (hp.n_ctx_train <= 0 || hp.n_ctx_train > kMaxCtx) return bad("context_length out of range");
  if (hp.n_vocab <= 0 || hp.n_vocab > kMaxVocab) return bad("vocabulary size out of range");
  if (!(hp.rope_base > 0.0f) || !std::isfinite(hp.rope_base))
    return bad("rope.freq_base must be positive");
  if (!(hp.rms_eps > 0.0f) || !(hp.rms_eps < 1.0f))
    return bad("layer_norm_rms_epsilon out of range");
  return Status::ok();
}

}  // namespace

Result<LlamaHParams> llama_hparams_from_gguf(const gguf::GgufFile& f, const std::string& arch) {
  LlamaHParams hp;
  hp.arch = arch;
  const std::string p = arch + ".";
  SLIM_ASSIGN_OR_RETURN(hp.n_embd, gguf_i32(f, p + "embedding_length", kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(hp.n_ff, gguf_i32(f, p + "feed_forward_length", kMaxWidth * 8));
  SLIM_ASSIGN_OR_RETURN(hp.n_layer, gguf_i32(f, p + "block_count", kMaxLayers));
  SLIM_ASSIGN_OR_RETURN(hp.n_head, gguf_i32(f, p + "attention.head_count", kMaxWidth));
  hp.n_head_kv = hp.n_head;
  if (f.find(p + "attention.head_count_kv")) {
    SLIM_ASSIGN_OR_RETURN(hp.n_head_kv, gguf_i32(f, p + "attention.head_count_kv", kMaxWidth));
  }
  SLIM_ASSIGN_OR_RETURN(hp.n_ctx_train, gguf_i32(f, p + "context_length", kMaxCtx));
  hp.head_dim = hp.n_head > 0 ? hp.n_embd / hp.n_head : 0;
  hp.rope_dims = hp.head_dim;
  if (f.find(p + "rope.dimension_count")) {
    SLIM_ASSIGN_OR_RETURN(hp.rope_dims, gguf_i32(f, p + "rope.dimension_count", kMaxWidth));
  }
  if (f.find(p + "rope.freq_base")) {
    SLIM_ASSIGN_OR_RETURN(double base, f.get_float(p + "rope.freq_base"));
    hp.rope_base = static_cast<float>(base);
  }
  if (f.find(p + "attention.layer_norm_rms_epsilon")) {
    SLIM_ASSIGN_OR_RETURN(double eps, f.get_float(p + "attention.layer_norm_rms_epsilon"));
    hp.rms_eps = static_cast<float>(eps);
  }
  hp.rope_style = arch == "qwen2" ? RopeStyle::kNeox : RopeStyle::kInterleaved;
  // Vocabulary size: from the embedding matrix (the tokenizer is checked against it later).
  SLIM_ASSIGN_OR_RETURN(hp.n_vocab, gguf_vocab_rows(f));
  SLIM_TRY(check_hparams(hp));
  return hp;
}

Result<LlamaHParams> llama_hparams_from_llama2c(const llama2c::Config& c) {
  LlamaHParams hp;
  hp.arch = "llama";
  hp.n_vocab = c.vocab_size;
  hp.n_embd = c.dim;
  hp.n_ff = c.hidden_dim;
  hp.n_layer = c.n_layers;
  hp.n_head = c.n_heads;
  hp.n_head_kv = c.n_kv_heads;
  hp.head_dim = c.dim / c.n_heads;
  hp.rope_dims = hp.head_dim;
  hp.n_ctx_train = c.seq_len;
  hp.rms_eps = 1e-5f;  // run.c's rmsnorm epsilon
  SLIM_TRY(check_hparams(hp));
  return hp;
}

Result<LlamaWeights> bind_llama_weights(const LlamaHParams& hp, const TensorLookup& lookup) {
  LlamaWeights w;
  const auto embd = static_cast<uint64_t>(hp.n_embd), ff = static_cast<uint64_t>(hp.n_ff);
  const auto kv = static_cast<uint64_t>(hp.kv_dim()), vocab = static_cast<uint64_t>(hp.n_vocab);
  SLIM_ASSIGN_OR_RETURN(w.token_embd, bind_matrix(lookup, "token_embd.weight", embd, vocab));
  if (lookup("output.weight") != nullptr) {
    SLIM_ASSIGN_OR_RETURN(w.output, bind_matrix(lookup, "output.weight", embd, vocab));
  } else {
    w.output = w.token_embd;  // tied head
  }
  SLIM_ASSIGN_OR_RETURN(w.output_norm, bind_vector(lookup, "output_norm.weight", embd, false));
  w.layers.resize(static_cast<size_t>(hp.n_layer));
  for (int32_t l = 0; l < hp.n_layer; ++l) {
    LlamaLayer& L = w.layers[static_cast<size_t>(l)];
    const std::string p = "blk." + std::to_string(l) + ".";
    SLIM_ASSIGN_OR_RETURN(L.attn_norm, bind_vector(lookup, p + "attn_norm.weight", embd, false));
    SLIM_ASSIGN_OR_RETURN(L.ffn_norm, bind_vector(lookup, p + "ffn_norm.weight", embd, false));
    SLIM_ASSIGN_OR_RETURN(L.bq, bind_vector(lookup, p + "attn_q.bias", embd, true));
    SLIM_ASSIGN_OR_RETURN(L.bk, bind_vector(lookup, p + "attn_k.bias", kv, true));
    SLIM_ASSIGN_OR_RETURN(L.bv, bind_vector(lookup, p + "attn_v.bias", kv, true));
    SLIM_ASSIGN_OR_RETURN(L.wq, bind_matrix(lookup, p + "attn_q.weight", embd, embd));
    SLIM_ASSIGN_OR_RETURN(L.wk, bind_matrix(lookup, p + "attn_k.weight", embd, kv));
    SLIM_ASSIGN_OR_RETURN(L.wv, bind_matrix(lookup, p + "attn_v.weight", embd, kv));
    SLIM_ASSIGN_OR_RETURN(L.wo, bind_matrix(lookup, p + "attn_output.weight", embd, embd));
    SLIM_ASSIGN_OR_RETURN(L.w_gate, bind_matrix(lookup, p + "ffn_gate.weight", embd, ff));
    SLIM_ASSIGN_OR_RETURN(L.w_up, bind_matrix(lookup, p + "ffn_up.weight", embd, ff));
    SLIM_ASSIGN_OR_RETURN(L.w_down, bind_matrix(lookup, p + "ffn_down.weight", ff, embd));
  }
  return w;
}

LlamaModel::LlamaModel(LlamaHParams hp, LlamaWeights w) : hp_(std::move(hp)), w_(std::move(w)) {
  dims_.n_vocab = hp_.n_vocab;
  dims_.n_embd = hp_.n_embd;
  dims_.n_ff = hp_.n_ff;
  dims_.n_layer = hp_.n_layer;
  dims_.n_head = hp_.n_head;
  dims_.n_head_kv = hp_.n_head_kv;
  dims_.head_dim = hp_.head_dim;
  dims_.n_ctx_train = hp_.n_ctx_train;
  dims_.n_embd_io = hp_.n_embd;
}

void LlamaModel::describe(ModelInfo& i) const {
  i.architecture = hp_.arch;
  i.n_vocab = hp_.n_vocab;
  i.n_embd = hp_.n_embd;
  i.n_ff = hp_.n_ff;
  i.n_layer = hp_.n_layer;
  i.n_head = hp_.n_head;
  i.n_head_kv = hp_.n_head_kv;
  i.n_ctx_train = hp_.n_ctx_train;
  i.rope_dims = hp_.rope_dims;
  i.rope_base = hp_.rope_base;
  i.rope_style = hp_.rope_style == RopeStyle::kNeox ? "neox" : "interleaved";
  i.rms_eps = hp_.rms_eps;
  i.norm = "rmsnorm";
  i.norm_eps = hp_.rms_eps;
  i.positions = "rope";
  i.activation = "swiglu";
  i.pre_norm = true;
  i.n_embd_io = hp_.n_embd;
  i.tied_output = w_.output.data == w_.token_embd.data;
}

namespace {
Result<std::unique_ptr<Architecture>> make_llama(LlamaHParams hp, const TensorLookup& lookup) {
  SLIM_ASSIGN_OR_RETURN(LlamaWeights w, bind_llama_weights(hp, lookup));
  return std::unique_ptr<Architecture>(std::make_unique<LlamaModel>(std::move(hp), std::move(w)));
}
}  // namespace

Result<std::unique_ptr<Architecture>> load_llama(const gguf::GgufFile& f,
                                                 const TensorLookup& lookup) {
  SLIM_ASSIGN_OR_RETURN(std::string_view arch, f.get_string("general.architecture"));
  SLIM_ASSIGN_OR_RETURN(LlamaHParams hp, llama_hparams_from_gguf(f, std::string(arch)));
  return make_llama(std::move(hp), lookup);
}

Result<std::unique_ptr<Architecture>> load_llama2c_model(const llama2c::Config& config,
                                                         const TensorLookup& lookup) {
  SLIM_ASSIGN_OR_RETURN(LlamaHParams hp, llama_hparams_from_llama2c(config));
  return make_llama(std::move(hp), lookup);
}

}  // namespace slim
