// Hyper-parameters and weight binding for the Llama family.
#include <cmath>

#include "format/gguf.hpp"
#include "format/llama2c.hpp"
#include "kernels/kernels.hpp"
#include "model/llama.hpp"
#include "model/w8a8_bind.hpp"
#include "quant/quantize.hpp"

namespace slim {

namespace {

constexpr int64_t kMaxWidth = 1 << 17;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxVocab = 1 << 22;
constexpr int64_t kMaxCtx = 1 << 24;

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

Result<int32_t> get_i32(const gguf::GgufFile& f, const std::string& key, int64_t max) {
  auto v = f.get_uint(key, static_cast<uint64_t>(max));
  if (!v) return v.status();
  return static_cast<int32_t>(*v);
}

}  // namespace

Result<LlamaHParams> llama_hparams_from_gguf(const gguf::GgufFile& f, const std::string& arch) {
  LlamaHParams hp;
  hp.arch = arch;
  const std::string p = arch + ".";
  SLIM_ASSIGN_OR_RETURN(hp.n_embd, get_i32(f, p + "embedding_length", kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(hp.n_ff, get_i32(f, p + "feed_forward_length", kMaxWidth * 8));
  SLIM_ASSIGN_OR_RETURN(hp.n_layer, get_i32(f, p + "block_count", kMaxLayers));
  SLIM_ASSIGN_OR_RETURN(hp.n_head, get_i32(f, p + "attention.head_count", kMaxWidth));
  hp.n_head_kv = hp.n_head;
  if (f.find(p + "attention.head_count_kv")) {
    SLIM_ASSIGN_OR_RETURN(hp.n_head_kv, get_i32(f, p + "attention.head_count_kv", kMaxWidth));
  }
  SLIM_ASSIGN_OR_RETURN(hp.n_ctx_train, get_i32(f, p + "context_length", kMaxCtx));
  hp.head_dim = hp.n_head > 0 ? hp.n_embd / hp.n_head : 0;
  hp.rope_dims = hp.head_dim;
  if (f.find(p + "rope.dimension_count")) {
    SLIM_ASSIGN_OR_RETURN(hp.rope_dims, get_i32(f, p + "rope.dimension_count", kMaxWidth));
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
  const gguf::TensorInfo* emb = f.find_tensor("token_embd.weight");
  if (emb == nullptr) return not_found("model has no tensor 'token_embd.weight'");
  if (emb->n_dims != 2 || emb->ne[1] > static_cast<uint64_t>(kMaxVocab)) {
    return corrupt("token_embd.weight must be 2-D with at most 4M rows");
  }
  hp.n_vocab = static_cast<int32_t>(emb->ne[1]);
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

namespace {

// Checks a tensor's presence, shape and type, and returns a view of it.
Result<kernels::MatrixView> bind_matrix(const TensorLookup& lookup, const std::string& name,
                                        uint64_t cols, uint64_t rows) {
  const TensorRef* t = lookup(name);
  if (t == nullptr) return not_found("model has no tensor '" + name + "'");
  if (t->n_dims != 2 || t->ne[0] != cols || t->ne[1] != rows) {
    return corrupt("tensor '" + name + "' has shape [" + std::to_string(t->ne[0]) + ", " +
                   std::to_string(t->ne[1]) + "], expected [" + std::to_string(cols) + ", " +
                   std::to_string(rows) + "]");
  }
  if (kernels::vec_dot_for(t->type) == nullptr || kernels::dequantize_for(t->type) == nullptr) {
    return unsupported("tensor '" + name + "' has type " + std::string(type_name(t->type)) +
                       ", which this build cannot compute with yet");
  }
  kernels::MatrixView m;
  m.type = t->type;
  m.cols = cols;
  m.rows = rows;
  if (!row_bytes(t->type, cols, &m.row_bytes))
    return corrupt("tensor '" + name + "' rows do not fit its type");
  m.data = t->data;
  m.name = t->name;
  SLIM_TRY(bind_w8a8(lookup, &m));  // W8A8: activation scale and row-scale checks
  return m;
}

// Loads a 1-D tensor (norm weight or bias) as floats; empty if optional and absent.
Result<std::vector<float>> bind_vector(const TensorLookup& lookup, const std::string& name,
                                       uint64_t n, bool optional) {
  const TensorRef* t = lookup(name);
  if (t == nullptr) {
    if (optional) return std::vector<float>{};
    return not_found("model has no tensor '" + name + "'");
  }
  if (t->n_dims != 1 || t->ne[0] != n) {
    return corrupt("tensor '" + name + "' must be 1-D of length " + std::to_string(n));
  }
  std::vector<float> v(static_cast<size_t>(n));
  Status st = dequantize_row(t->type, t->data, v.data(), v.size());
  if (!st) return st.with_context("tensor '" + name + "'");
  return v;
}

}  // namespace

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

}  // namespace slim
