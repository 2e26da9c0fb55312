// Forward pass of the Llama family over a batch of tokens, with the KV cache.
#include <cmath>

#include "model/forward_pass.hpp"
#include "model/llama.hpp"

namespace slim {

namespace {

// Rotates the first rope_dims dims of one head vector for position pos.
void apply_rope(float* v, int32_t rope_dims, int32_t pos, float base, RopeStyle style) {
  const int32_t half = rope_dims / 2;
  for (int32_t i = 0; i < half; ++i) {
    const float freq =
        1.0f / std::pow(base, static_cast<float>(2 * i) / static_cast<float>(rope_dims));
    const float theta = static_cast<float>(pos) * freq;
    const float c = std::cos(theta), s = std::sin(theta);
    const int32_t a = style == RopeStyle::kInterleaved ? 2 * i : i;
    const int32_t b = style == RopeStyle::kInterleaved ? 2 * i + 1 : i + half;
    const float x0 = v[a], x1 = v[b];
    v[a] = x0 * c - x1 * s;
    v[b] = x0 * s + x1 * c;
  }
}

}  // namespace

void LlamaModel::forward_batch(DecoderState& s, const BatchToken* batch, size_t n,
                               float* logits_out, ThreadPool& pool) const {
  const LlamaHParams& hp = hp_;
  const LlamaWeights& w = w_;
  ForwardPass fp(dims_, s, batch, n, pool);
  const kernels::KernelTable& K = fp.K;
  const auto embd = static_cast<size_t>(hp.n_embd), ff = static_cast<size_t>(hp.n_ff);
  const auto kv = static_cast<size_t>(hp.kv_dim()), hd = static_cast<size_t>(hp.head_dim);
  auto rmsnorm_rows = [&](float* y, const float* x, const std::vector<float>& nw) {
    for (size_t t = 0; t < n; ++t)
      K.rmsnorm(y + t * embd, x + t * embd, nw.data(), embd, hp.rms_eps);
  };

  fp.embed(w.token_embd, s.x.data());
  fp.mark(Op::kEmbed);

  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LlamaLayer& L = w.layers[l];
    // Attention block.
    rmsnorm_rows(s.xb.data(), s.x.data(), L.attn_norm);
    fp.mark(Op::kNorm);
    fp.mm(L.wq, s.xb.data(), s.q.data());
    fp.mm(L.wk, s.xb.data(), s.k.data());
    fp.mm(L.wv, s.xb.data(), s.v.data());
    fp.add_bias(s.q.data(), L.bq);
    fp.add_bias(s.k.data(), L.bk);
    fp.add_bias(s.v.data(), L.bv);
    fp.mark(Op::kQkv);
    for (size_t t = 0; t < n; ++t) {
      const int32_t p = batch[t].pos;
      for (int32_t h = 0; h < hp.n_head; ++h) {
        apply_rope(&s.q[t * embd + static_cast<size_t>(h) * hd], hp.rope_dims, p, hp.rope_base,
                   hp.rope_style);
      }
      for (int32_t h = 0; h < hp.n_head_kv; ++h) {
        apply_rope(&s.k[t * kv + static_cast<size_t>(h) * hd], hp.rope_dims, p, hp.rope_base,
                   hp.rope_style);
      }
    }
    fp.store_kv(l);
    fp.mark(Op::kRope);
    fp.attend(l);
    fp.mark(Op::kAttention);
    fp.mm(L.wo, s.att_out.data(), s.xb.data());
    fp.add_rows(s.x.data(), s.xb.data(), embd);
    fp.mark(Op::kOutProj);

    // Feed-forward block.
    rmsnorm_rows(s.xb.data(), s.x.data(), L.ffn_norm);
    fp.mark(Op::kNorm);
    fp.mm(L.w_gate, s.xb.data(), s.hb.data());
    fp.mm(L.w_up, s.xb.data(), s.hb2.data());
    fp.mark(Op::kGateUp);
    for (size_t t = 0; t < n; ++t) K.swiglu(&s.hb[t * ff], &s.hb2[t * ff], ff);
    fp.mark(Op::kActivation);
    fp.mm(L.w_down, s.hb.data(), s.xb.data());
    fp.add_rows(s.x.data(), s.xb.data(), embd);
    fp.mark(Op::kDown);
  }

  // Head: normalise the rows whose logits are wanted, packed, then one product for all.
  const size_t n_out = fp.pack_wanted(s.x.data(), embd, s.xb.data(), [&](float* y, const float* x) {
    K.rmsnorm(y, x, w.output_norm.data(), embd, hp.rms_eps);
  });
  if (n_out > 0) fp.mm(w.output, s.xb.data(), logits_out, n_out);
  fp.mark(Op::kHead);
}

}  // namespace slim
