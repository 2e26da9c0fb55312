// Forward pass of the Llama family over a chunk of tokens, with the KV cache.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernels.hpp"
#include "model/llama.hpp"

namespace slim {

namespace {

constexpr size_t kMinParallelWork = 32 * 1024;  // multiply-adds

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

void add_bias(float* y, const std::vector<float>& b, size_t n_tok) {
  if (b.empty()) return;
  for (size_t t = 0; t < n_tok; ++t) kernels::active().add(y + t * b.size(), b.data(), b.size());
}

}  // namespace

Result<LlamaState> llama_make_state(const LlamaHParams& hp, int32_t n_ctx, size_t max_batch,
                                    int n_threads) {
  if (n_ctx <= 0) return invalid_argument("context length must be positive");
  if (max_batch == 0) return invalid_argument("batch size must be positive");
  LlamaState s;
  s.n_ctx = n_ctx;
  s.max_batch = max_batch;
  const size_t kv_elems = static_cast<size_t>(hp.n_layer) * static_cast<size_t>(n_ctx) *
                          static_cast<size_t>(hp.kv_dim());
  const auto embd = static_cast<size_t>(hp.n_embd), ff = static_cast<size_t>(hp.n_ff);
  const auto kv = static_cast<size_t>(hp.kv_dim());
  try {
    s.k_cache = std::make_unique_for_overwrite<float[]>(kv_elems);
    s.v_cache = std::make_unique_for_overwrite<float[]>(kv_elems);
    s.x.resize(max_batch * embd);
    s.xb.resize(max_batch * embd);
    s.q.resize(max_batch * embd);
    s.k.resize(max_batch * kv);
    s.v.resize(max_batch * kv);
    s.att_out.resize(max_batch * embd);
    s.hb.resize(max_batch * ff);
    s.hb2.resize(max_batch * ff);
    s.scores.resize(static_cast<size_t>(n_threads) * static_cast<size_t>(n_ctx));
    s.logits.resize(static_cast<size_t>(hp.n_vocab));
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kOutOfMemory,
                  "cannot allocate the KV cache for " + std::to_string(n_ctx) + " tokens");
  }
  return s;
}

void llama_forward(const LlamaHParams& hp, const LlamaWeights& w, LlamaState& s,
                   const int32_t* tokens, size_t n, int32_t pos, ThreadPool& pool) {
  std::vector<LlamaBatchToken> batch(n);
  for (size_t t = 0; t < n; ++t) {
    batch[t] = {tokens[t], &s, pos + static_cast<int32_t>(t), t + 1 == n};
  }
  llama_forward_batch(hp, w, s, batch.data(), n, s.logits.data(), pool);
}

void llama_forward_batch(const LlamaHParams& hp, const LlamaWeights& w, LlamaState& s,
                         const LlamaBatchToken* batch, size_t n, float* logits_out,
                         ThreadPool& pool) {
  const kernels::KernelTable& K = kernels::active();
  const auto embd = static_cast<size_t>(hp.n_embd), ff = static_cast<size_t>(hp.n_ff);
  const auto kv = static_cast<size_t>(hp.kv_dim()), hd = static_cast<size_t>(hp.head_dim);
  const size_t group = static_cast<size_t>(hp.n_head / hp.n_head_kv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));

  // Per-thread score rows must hold the longest context in the batch.
  size_t max_keys = 0, total_keys = 0;
  for (size_t t = 0; t < n; ++t) {
    max_keys = std::max(max_keys, static_cast<size_t>(batch[t].pos) + 1);
    total_keys += static_cast<size_t>(batch[t].pos) + 1;
  }
  const size_t score_stride = std::max(max_keys, static_cast<size_t>(s.n_ctx));
  if (s.scores.size() < score_stride * static_cast<size_t>(pool.size())) {
    s.scores.resize(score_stride * static_cast<size_t>(pool.size()));
  }

  // Every weight product goes through mm so an observer (calibration) sees its input.
  auto mm = [&](const kernels::MatrixView& W, const float* x, size_t n_tok, float* y) {
    if (s.observer != nullptr) s.observer->observe(W, x, n_tok);
    kernels::matmul(W, x, n_tok, y, pool);
  };

  OpTimer timer(s.profile);
  if (s.profile) ++s.profile->forward_calls;
  for (size_t t = 0; t < n; ++t)
    kernels::get_row(w.token_embd, static_cast<uint64_t>(batch[t].token), &s.x[t * embd]);
  timer.mark(Op::kEmbed);

  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LlamaLayer& L = w.layers[l];
    // Layer l of a sequence's cache: [n_ctx][kv_dim] floats.
    auto k_layer = [&](const LlamaBatchToken& b) {
      return b.seq->k_cache.get() + l * static_cast<size_t>(b.seq->n_ctx) * kv;
    };
    auto v_layer = [&](const LlamaBatchToken& b) {
      return b.seq->v_cache.get() + l * static_cast<size_t>(b.seq->n_ctx) * kv;
    };

    // Attention block.
    for (size_t t = 0; t < n; ++t)
      K.rmsnorm(&s.xb[t * embd], &s.x[t * embd], L.attn_norm.data(), embd, hp.rms_eps);
    timer.mark(Op::kNorm);
    mm(L.wq, s.xb.data(), n, s.q.data());
    mm(L.wk, s.xb.data(), n, s.k.data());
    mm(L.wv, s.xb.data(), n, s.v.data());
    add_bias(s.q.data(), L.bq, n);
    add_bias(s.k.data(), L.bk, n);
    add_bias(s.v.data(), L.bv, n);
    timer.mark(Op::kQkv);
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
      std::memcpy(k_layer(batch[t]) + static_cast<size_t>(p) * kv, &s.k[t * kv],
                  kv * sizeof(float));
      std::memcpy(v_layer(batch[t]) + static_cast<size_t>(p) * kv, &s.v[t * kv],
                  kv * sizeof(float));
    }
    timer.mark(Op::kRope);
    const size_t n_jobs = n * static_cast<size_t>(hp.n_head);
    auto attention = [&](int index, int count) {
      size_t begin = 0, end = 0;
      split_range(n_jobs, index, count, &begin, &end);
      float* att = &s.scores[static_cast<size_t>(index) * score_stride];
      for (size_t job = begin; job < end; ++job) {
        const size_t t = job / static_cast<size_t>(hp.n_head),
                     h = job % static_cast<size_t>(hp.n_head);
        const size_t n_keys = static_cast<size_t>(batch[t].pos) + 1;
        const float* q = &s.q[t * embd + h * hd];
        const size_t kv_off = (h / group) * hd;
        K.attention(q, k_layer(batch[t]) + kv_off, v_layer(batch[t]) + kv_off, kv, n_keys, hd,
                    scale, att, &s.att_out[t * embd + h * hd]);
      }
    };
    // Same split rule as matmul: small work runs inline (results do not depend on it).
    const size_t work = static_cast<size_t>(hp.n_head) * total_keys * hd * 2;
    if (work < kMinParallelWork) {
      ThreadPool::run_inline(attention);
    } else {
      pool.run(attention);
    }
    timer.mark(Op::kAttention);
    mm(L.wo, s.att_out.data(), n, s.xb.data());
    for (size_t t = 0; t < n; ++t) K.add(&s.x[t * embd], &s.xb[t * embd], embd);
    timer.mark(Op::kOutProj);

    // Feed-forward block.
    for (size_t t = 0; t < n; ++t)
      K.rmsnorm(&s.xb[t * embd], &s.x[t * embd], L.ffn_norm.data(), embd, hp.rms_eps);
    timer.mark(Op::kNorm);
    mm(L.w_gate, s.xb.data(), n, s.hb.data());
    mm(L.w_up, s.xb.data(), n, s.hb2.data());
    timer.mark(Op::kGateUp);
    for (size_t t = 0; t < n; ++t) K.swiglu(&s.hb[t * ff], &s.hb2[t * ff], ff);
    timer.mark(Op::kActivation);
    mm(L.w_down, s.hb.data(), n, s.xb.data());
    for (size_t t = 0; t < n; ++t) K.add(&s.x[t * embd], &s.xb[t * embd], embd);
    timer.mark(Op::kDown);
  }

  // Head: normalise the rows whose logits are wanted, packed, then one product for all.
  size_t n_out = 0;
  for (size_t t = 0; t < n; ++t) {
    if (!batch[t].want_logits) continue;
    K.rmsnorm(&s.xb[n_out * embd], &s.x[t * embd], w.output_norm.data(), embd, hp.rms_eps);
    ++n_out;
  }
  if (n_out > 0) mm(w.output, s.xb.data(), n_out, logits_out);
  timer.mark(Op::kHead);
}

}  // namespace slim
