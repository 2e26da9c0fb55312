// Shared pieces of the decoder forward passes (see forward_pass.hpp).
#include "model/forward_pass.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace slim {

namespace {
constexpr size_t kMinParallelWork = 32 * 1024;  // multiply-adds
}

ForwardPass::ForwardPass(const DecoderDims& d, DecoderState& state, const BatchToken* b,
                         size_t n_tok, ThreadPool& pool)
    : s(state),
      batch(b),
      n(n_tok),
      K(kernels::active()),
      d_(d),
      pool_(pool),
      timer_(state.profile) {
  if (s.profile) ++s.profile->forward_calls;
  // Per-thread score rows must hold the longest context in the batch.
  size_t max_keys = 0;
  for (size_t t = 0; t < n; ++t) {
    max_keys = std::max(max_keys, static_cast<size_t>(batch[t].pos) + 1);
    total_keys_ += static_cast<size_t>(batch[t].pos) + 1;
  }
  score_stride_ = std::max(max_keys, static_cast<size_t>(s.n_ctx));
  if (s.scores.size() < score_stride_ * static_cast<size_t>(pool.size())) {
    s.scores.resize(score_stride_ * static_cast<size_t>(pool.size()));
  }
}

void ForwardPass::mm(const kernels::MatrixView& w, const float* x, float* y, size_t n_tok) {
  if (s.observer != nullptr) s.observer->observe(w, x, n_tok);
  kernels::matmul(w, x, n_tok, y, pool_, s.q8_0_act);
}

void ForwardPass::mm_group(std::initializer_list<const kernels::MatrixView*> ws,
                           std::initializer_list<float*> ys, const float* x) {
  if (s.observer != nullptr) {
    for (const kernels::MatrixView* w : ws) s.observer->observe(*w, x, n);
  }
  kernels::matmul_group(ws.begin(), ys.begin(), ws.size(), x, n, pool_, s.q8_0_act);
}

void ForwardPass::linear(const Linear& l, const float* x, float* y) {
  mm(l.w, x, y);
  add_bias(y, l.b);
}

void ForwardPass::add_bias(float* y, const std::vector<float>& b) const {
  if (b.empty()) return;
  for (size_t t = 0; t < n; ++t) K.add(y + t * b.size(), b.data(), b.size());
}

void ForwardPass::add_rows(float* y, const float* x, size_t width) const {
  for (size_t t = 0; t < n; ++t) K.add(y + t * width, x + t * width, width);
}

void ForwardPass::embed(const kernels::MatrixView& table, float* out) const {
  const auto width = static_cast<size_t>(table.cols);
  for (size_t t = 0; t < n; ++t)
    kernels::get_row(table, static_cast<uint64_t>(batch[t].token), out + t * width);
}

void ForwardPass::add_positions(const kernels::MatrixView& table, int32_t offset, float* out,
                                float* scratch) const {
  const auto width = static_cast<size_t>(table.cols);
  for (size_t t = 0; t < n; ++t) {
    kernels::get_row(table, static_cast<uint64_t>(batch[t].pos) + static_cast<uint64_t>(offset),
                     scratch);
    K.add(out + t * width, scratch, width);
  }
}

void ForwardPass::layer_norm(float* y, const float* x, const NormWeights& nw, float eps) const {
  const auto embd = static_cast<size_t>(d_.n_embd);
  for (size_t t = 0; t < n; ++t)
    K.layernorm(y + t * embd, x + t * embd, nw.weight.data(), nw.bias.data(), embd, eps);
}

float* ForwardPass::k_layer(const BatchToken& b, size_t layer) const {
  const auto kv = static_cast<size_t>(d_.kv_dim());
  return b.seq->k_cache.get() + layer * static_cast<size_t>(b.seq->n_ctx) * kv;
}

float* ForwardPass::v_layer(const BatchToken& b, size_t layer) const {
  const auto kv = static_cast<size_t>(d_.kv_dim());
  return b.seq->v_cache.get() + layer * static_cast<size_t>(b.seq->n_ctx) * kv;
}

void ForwardPass::store_kv(size_t layer) const {
  const auto kv = static_cast<size_t>(d_.kv_dim());
  for (size_t t = 0; t < n; ++t) {
    const auto p = static_cast<size_t>(batch[t].pos);
    std::memcpy(k_layer(batch[t], layer) + p * kv, &s.k[t * kv], kv * sizeof(float));
    std::memcpy(v_layer(batch[t], layer) + p * kv, &s.v[t * kv], kv * sizeof(float));
  }
}

void ForwardPass::attend(size_t layer) {
  const auto embd = static_cast<size_t>(d_.n_embd), kv = static_cast<size_t>(d_.kv_dim());
  const auto hd = static_cast<size_t>(d_.head_dim), n_head = static_cast<size_t>(d_.n_head);
  const size_t group = static_cast<size_t>(d_.n_head / d_.n_head_kv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const size_t n_jobs = n * n_head;
  // Jobs (token, head) are dealt round-robin: a prompt's later tokens attend to more keys, so
  // contiguous ranges would leave the first thread with a quarter of the work. Each job is
  // computed the same way whichever thread takes it.
  auto attention = [&](int index, int count) {
    float* att = &s.scores[static_cast<size_t>(index) * score_stride_];
    for (size_t job = static_cast<size_t>(index); job < n_jobs; job += static_cast<size_t>(count)) {
      const size_t t = job / n_head, h = job % n_head;
      const size_t n_keys = static_cast<size_t>(batch[t].pos) + 1;
      const size_t kv_off = (h / group) * hd;
      K.attention(&s.q[t * embd + h * hd], k_layer(batch[t], layer) + kv_off,
                  v_layer(batch[t], layer) + kv_off, kv, n_keys, hd, scale, att,
                  &s.att_out[t * embd + h * hd]);
    }
  };
  // Same split rule as matmul: small work runs inline (results do not depend on it).
  const size_t work = n_head * total_keys_ * hd * 2;
  if (work < kMinParallelWork) {
    ThreadPool::run_inline(attention);
  } else {
    pool_.run(attention);
  }
}

}  // namespace slim
