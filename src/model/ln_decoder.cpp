// Shared parts of GPT-2 and OPT: hyper-parameters, common tensors, one residual layer.
#include "model/ln_decoder.hpp"

#include <cmath>
#include <cstring>

#include "format/gguf.hpp"
#include "model/weights.hpp"

namespace slim {

Result<LnHParams> ln_hparams_from_gguf(const gguf::GgufFile& f, const std::string& arch) {
  LnHParams hp;
  hp.arch = arch;
  DecoderDims& d = hp.dims;
  const std::string p = arch + ".";
  auto bad = [&](const std::string& m) { return corrupt(arch + " hyper-parameters: " + m); };
  SLIM_ASSIGN_OR_RETURN(d.n_embd, gguf_i32(f, p + "embedding_length", kMaxModelWidth));
  SLIM_ASSIGN_OR_RETURN(d.n_ff, gguf_i32(f, p + "feed_forward_length", kMaxModelWidth * 8));
  SLIM_ASSIGN_OR_RETURN(d.n_layer, gguf_i32(f, p + "block_count", kMaxModelLayers));
  SLIM_ASSIGN_OR_RETURN(d.n_head, gguf_i32(f, p + "attention.head_count", kMaxModelWidth));
  SLIM_ASSIGN_OR_RETURN(d.n_ctx_train, gguf_i32(f, p + "context_length", kMaxModelCtx));
  if (f.find(p + "attention.layer_norm_epsilon")) {
    SLIM_ASSIGN_OR_RETURN(double eps, f.get_float(p + "attention.layer_norm_epsilon"));
    if (!(eps > 0.0) || !(eps < 1.0)) return bad("attention.layer_norm_epsilon out of range");
    hp.eps = static_cast<float>(eps);
  }
  if (d.n_embd <= 0) return bad("embedding_length must be positive");
  if (d.n_ff <= 0) return bad("feed_forward_length must be positive");
  if (d.n_layer <= 0) return bad("block_count must be positive");
  if (d.n_head <= 0 || d.n_embd % d.n_head != 0)
    return bad("head_count must be positive and divide embedding_length");
  if (d.n_ctx_train <= 0) return bad("context_length must be positive");
  d.n_head_kv = d.n_head;
  d.head_dim = d.n_embd / d.n_head;
  d.n_embd_io = d.n_embd;
  SLIM_ASSIGN_OR_RETURN(d.n_vocab, gguf_vocab_rows(f));
  return hp;
}

Status bind_ln_layer_common(const TensorLookup& lookup, const LnHParams& hp, int32_t layer,
                            LnLayer& L) {
  const auto embd = static_cast<uint64_t>(hp.dims.n_embd);
  const auto ff = static_cast<uint64_t>(hp.dims.n_ff);
  const std::string p = "blk." + std::to_string(layer) + ".";
  SLIM_ASSIGN_OR_RETURN(L.attn_norm, bind_layer_norm(lookup, p + "attn_norm", embd));
  SLIM_ASSIGN_OR_RETURN(L.ffn_norm, bind_layer_norm(lookup, p + "ffn_norm", embd));
  SLIM_ASSIGN_OR_RETURN(L.out, bind_linear(lookup, p + "attn_output", embd, embd, Bias::kRequired));
  SLIM_ASSIGN_OR_RETURN(L.up, bind_linear(lookup, p + "ffn_up", embd, ff, Bias::kRequired));
  SLIM_ASSIGN_OR_RETURN(L.down, bind_linear(lookup, p + "ffn_down", ff, embd, Bias::kRequired));
  return Status::ok();
}

Result<kernels::MatrixView> bind_positions(const TensorLookup& lookup, const LnHParams& hp,
                                           uint64_t rows) {
  const TensorRef* t = lookup("position_embd.weight");
  if (t == nullptr) return not_found("model has no tensor 'position_embd.weight'");
  if (t->n_dims != 2 || t->ne[1] != rows) {
    return corrupt("tensor 'position_embd.weight' must have " + std::to_string(rows) + " rows (" +
                   hp.arch + ".context_length " + std::to_string(hp.dims.n_ctx_train) +
                   (rows != static_cast<uint64_t>(hp.dims.n_ctx_train) ? " + offset" : "") +
                   "), has " + std::to_string(t->n_dims == 2 ? t->ne[1] : 0));
  }
  return bind_matrix(lookup, "position_embd.weight", static_cast<uint64_t>(hp.dims.n_embd), rows);
}

void ln_decoder_layer(ForwardPass& fp, const LnHParams& hp, const LnLayer& L, size_t layer) {
  DecoderState& s = fp.s;
  const size_t n = fp.n;
  const auto embd = static_cast<size_t>(hp.dims.n_embd), ff = static_cast<size_t>(hp.dims.n_ff);
  // Pre-norm: the block sees LayerNorm(x); post-norm: x itself, and x is normalised after the
  // residual add.
  const float* block_in = s.x.data();
  if (hp.pre_norm) {
    fp.layer_norm(s.xb.data(), s.x.data(), L.attn_norm, hp.eps);
    block_in = s.xb.data();
  }
  fp.mark(Op::kNorm);
  if (L.qkv.w.data != nullptr) {
    fp.linear(L.qkv, block_in, s.qkv.data());
    for (size_t t = 0; t < n; ++t) {
      const float* row = &s.qkv[t * 3 * embd];
      std::memcpy(&s.q[t * embd], row, embd * sizeof(float));
      std::memcpy(&s.k[t * embd], row + embd, embd * sizeof(float));
      std::memcpy(&s.v[t * embd], row + 2 * embd, embd * sizeof(float));
    }
  } else {
    fp.linear(L.q, block_in, s.q.data());
    fp.linear(L.k, block_in, s.k.data());
    fp.linear(L.v, block_in, s.v.data());
  }
  fp.mark(Op::kQkv);
  fp.store_kv(layer);
  fp.mark(Op::kRope);
  fp.attend(layer);
  fp.mark(Op::kAttention);
  fp.linear(L.out, s.att_out.data(), s.xb.data());
  fp.add_rows(s.x.data(), s.xb.data(), embd);
  if (!hp.pre_norm) fp.layer_norm(s.x.data(), s.x.data(), L.attn_norm, hp.eps);
  fp.mark(Op::kOutProj);

  block_in = s.x.data();
  if (hp.pre_norm) {
    fp.layer_norm(s.xb.data(), s.x.data(), L.ffn_norm, hp.eps);
    block_in = s.xb.data();
  }
  fp.mark(Op::kNorm);
  fp.linear(L.up, block_in, s.hb.data());
  fp.mark(Op::kGateUp);
  for (size_t t = 0; t < n; ++t) {
    if (hp.act == Activation::kGelu) {
      fp.K.gelu(&s.hb[t * ff], ff);
    } else {
      fp.K.relu(&s.hb[t * ff], ff);
    }
  }
  fp.mark(Op::kActivation);
  fp.linear(L.down, s.hb.data(), s.xb.data());
  fp.add_rows(s.x.data(), s.xb.data(), embd);
  if (!hp.pre_norm) fp.layer_norm(s.x.data(), s.x.data(), L.ffn_norm, hp.eps);
  fp.mark(Op::kDown);
}

void describe_ln(const LnHParams& hp, bool tied_output, ModelInfo& i) {
  const DecoderDims& d = hp.dims;
  i.architecture = hp.arch;
  i.n_vocab = d.n_vocab;
  i.n_embd = d.n_embd;
  i.n_ff = d.n_ff;
  i.n_layer = d.n_layer;
  i.n_head = d.n_head;
  i.n_head_kv = d.n_head_kv;
  i.n_ctx_train = d.n_ctx_train;
  i.rope_dims = 0;
  i.rope_base = 0.0f;
  i.rope_style = "";
  i.rms_eps = 0.0f;
  i.norm = "layernorm";
  i.norm_eps = hp.eps;
  i.positions = "learned";
  i.activation = hp.act == Activation::kGelu ? "gelu" : "relu";
  i.pre_norm = hp.pre_norm;
  i.n_embd_io = d.n_embd_io;
  i.tied_output = tied_output;
}

}  // namespace slim
