// Per-session decoder state allocation and the single-sequence entry point.
#include <new>

#include "model/arch.hpp"

namespace slim {

Result<DecoderState> make_decoder_state(const DecoderDims& d, int32_t n_ctx, size_t max_batch,
                                        int n_threads) {
  if (n_ctx <= 0) return invalid_argument("context length must be positive");
  if (max_batch == 0) return invalid_argument("batch size must be positive");
  DecoderState s;
  s.n_ctx = n_ctx;
  s.max_batch = max_batch;
  const size_t kv_elems =
      static_cast<size_t>(d.n_layer) * static_cast<size_t>(n_ctx) * static_cast<size_t>(d.kv_dim());
  const auto embd = static_cast<size_t>(d.n_embd), ff = static_cast<size_t>(d.n_ff);
  const auto kv = static_cast<size_t>(d.kv_dim()), io = static_cast<size_t>(d.n_embd_io);
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
    if (d.fused_qkv) s.qkv.resize(max_batch * (embd + 2 * kv));
    if (io != embd) s.io.resize(max_batch * io);
    s.scores.resize(static_cast<size_t>(n_threads) * static_cast<size_t>(n_ctx));
    s.logits.resize(static_cast<size_t>(d.n_vocab));
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kOutOfMemory,
                  "cannot allocate the KV cache for " + std::to_string(n_ctx) + " tokens");
  }
  return s;
}

void forward_sequence(const Architecture& arch, DecoderState& s, const int32_t* tokens, size_t n,
                      int32_t pos, ThreadPool& pool) {
  std::vector<BatchToken> batch(n);
  for (size_t t = 0; t < n; ++t) {
    batch[t] = {tokens[t], &s, pos + static_cast<int32_t>(t), t + 1 == n};
  }
  arch.forward_batch(s, batch.data(), n, s.logits.data(), pool);
}

}  // namespace slim
