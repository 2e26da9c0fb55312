// Forward pass of the Llama family over a batch of tokens, with the KV cache.
#include <cmath>
#include <vector>

#include "model/forward_pass.hpp"
#include "model/llama.hpp"

namespace slim {

namespace {

// cos and sin of pos * freq_i for the rotary pairs i < rope_dims / 2 of one position:
// cs[2 i] = cos, cs[2 i + 1] = sin, freq_i = 1 / base^(2 i / rope_dims). Made once per token per
// forward pass and shared by every head of every layer (the same values each time, so the same
// bits as computing them per head).
void rope_angles(float* cs, int32_t rope_dims, int32_t pos, float base) {
  const int32_t half = rope_dims / 2;
  for (int32_t i = 0; i < half; ++i) {
    const float freq =
        1.0f / std::pow(base, static_cast<float>(2 * i) / static_cast<float>(rope_dims));
    const float theta = static_cast<float>(pos) * freq;
    cs[2 * i] = std::cos(theta);
    cs[2 * i + 1] = std::sin(theta);
  }
}

// Rotates the first rope_dims dims of one head vector by the angles of rope_angles.
void apply_rope(float* v, int32_t rope_dims, const float* cs, RopeStyle style) {
  const int32_t half = rope_dims / 2;
  for (int32_t i = 0; i < half; ++i) {
    const float c = cs[2 * i], s = cs[2 * i + 1];
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
  // Rotary angles of every token of the batch, once for all layers and heads.
  thread_local std::vector<float> rope_cs;
  const auto rope_stride = static_cast<size_t>(hp.rope_dims);
  rope_cs.resize(n * rope_stride);
  for (size_t t = 0; t < n; ++t)
    rope_angles(&rope_cs[t * rope_stride], hp.rope_dims, batch[t].pos, hp.rope_base);

  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LlamaLayer& L = w.layers[l];
    // Attention block.
    rmsnorm_rows(s.xb.data(), s.x.data(), L.attn_norm);
    fp.mark(Op::kNorm);
    fp.mm_group({&L.wq, &L.wk, &L.wv}, {s.q.data(), s.k.data(), s.v.data()}, s.xb.data());
    fp.add_bias(s.q.data(), L.bq);
    fp.add_bias(s.k.data(), L.bk);
    fp.add_bias(s.v.data(), L.bv);
    fp.mark(Op::kQkv);
    for (size_t t = 0; t < n; ++t) {
      const float* cs = &rope_cs[t * rope_stride];
      for (int32_t h = 0; h < hp.n_head; ++h) {
        apply_rope(&s.q[t * embd + static_cast<size_t>(h) * hd], hp.rope_dims, cs, hp.rope_style);
      }
      for (int32_t h = 0; h < hp.n_head_kv; ++h) {
        apply_rope(&s.k[t * kv + static_cast<size_t>(h) * hd], hp.rope_dims, cs, hp.rope_style);
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
    fp.mm_group({&L.w_gate, &L.w_up}, {s.hb.data(), s.hb2.data()}, s.xb.data());
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
