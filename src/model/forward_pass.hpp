// Shared pieces of every decoder forward pass over a batch of tokens: the observer-aware
// weight product, biases and residuals, normalisation of every row, the KV-cache store and
// attention over each token's own cache, and the packed output head. Each architecture's
// forward_batch is a short sequence of these calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/kernels.hpp"
#include "model/arch.hpp"

namespace slim {

// A LayerNorm / RMSNorm weight (and bias; empty for RMSNorm or a bias-free norm), as floats.
struct NormWeights {
  std::vector<float> weight, bias;
  bool present() const { return !weight.empty(); }
};

// A weight matrix and its optional bias (empty = none).
struct Linear {
  kernels::MatrixView w;
  std::vector<float> b;
};

class ForwardPass {
 public:
  ForwardPass(const DecoderDims& d, DecoderState& s, const BatchToken* batch, size_t n,
              ThreadPool& pool);

  DecoderState& s;
  const BatchToken* const batch;
  const size_t n;

  // y[t] = W x[t] for n_tok tokens (default: the whole batch). Every weight product of a forward
  // pass goes through here so that an observer (calibration) sees its input.
  void mm(const kernels::MatrixView& w, const float* x, float* y, size_t n_tok);
  void mm(const kernels::MatrixView& w, const float* x, float* y) { mm(w, x, y, n); }
  // y[t] = W x[t] + b for the whole batch.
  void linear(const Linear& l, const float* x, float* y);
  // y[t] += b for every token (rows of b.size(); nothing if b is empty).
  void add_bias(float* y, const std::vector<float>& b) const;
  // y[t] += x[t], rows of `width`.
  void add_rows(float* y, const float* x, size_t width) const;
  // out[t] = row `token` of `table` (rows of table.cols floats).
  void embed(const kernels::MatrixView& table, float* out) const;

  // out[t] += row (pos + offset) of `table` (learned absolute positions); scratch: one row.
  void add_positions(const kernels::MatrixView& table, int32_t offset, float* out,
                     float* scratch) const;
  // y[t] = LayerNorm(x[t]) * w + b (y may alias x), rows of n_embd.
  void layer_norm(float* y, const float* x, const NormWeights& nw, float eps) const;

  // Appends s.k / s.v (rows of kv_dim) at each token's position in layer `layer` of its cache.
  void store_kv(size_t layer) const;
  // s.att_out[t] = causal attention of s.q[t] over positions <= pos of its sequence's cache in
  // layer `layer` (query head h reads KV head h / (n_head / n_head_kv)).
  void attend(size_t layer);

  // Copies the rows of `x` whose logits are wanted, packed, into `out` through `f(dst, src)`;
  // returns how many.
  template <class F>
  size_t pack_wanted(const float* x, size_t width, float* out, F f) const {
    size_t n_out = 0;
    for (size_t t = 0; t < n; ++t) {
      if (!batch[t].want_logits) continue;
      f(out + n_out * width, x + t * width);
      ++n_out;
    }
    return n_out;
  }

  void mark(Op op) { timer_.mark(op); }
  const kernels::KernelTable& K;

 private:
  float* k_layer(const BatchToken& b, size_t layer) const;
  float* v_layer(const BatchToken& b, size_t layer) const;

  const DecoderDims& d_;
  ThreadPool& pool_;
  OpTimer timer_;
  size_t score_stride_ = 0;
  size_t total_keys_ = 0;
};

}  // namespace slim
