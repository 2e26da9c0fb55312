// The architecture interface: what the runtime needs from a model family, and the per-session
// state every decoder-only transformer shares (KV cache, scratch, logits).
//
// An Architecture is immutable once loaded (hyper-parameters and weights bound into the file
// mapping) and may be shared by any number of sessions on any number of threads. Each family
// implements one forward_batch; the registry (model/registry.hpp) maps a GGUF
// `general.architecture` name to the family's loader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/thread_pool.hpp"
#include "kernels/matmul.hpp"
#include "model/op_profile.hpp"
#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim {

// The shapes the runtime (and the shared forward-pass pieces) need.
struct DecoderDims {
  int32_t n_vocab = 0;
  int32_t n_embd = 0;  // residual-stream width
  int32_t n_ff = 0;    // FFN width
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;
  int32_t n_ctx_train = 0;    // longest context the model supports (learned positions: hard limit)
  int32_t n_embd_io = 0;      // width of token_embd / output rows (OPT word_embed_proj_dim)
  bool fused_qkv = false;     // one q|k|v product (GPT-2 attn_qkv) needs a qkv scratch buffer
  int32_t max_positions = 0;  // learned position tables: the longest usable context (0 = any)

  int32_t kv_dim() const { return n_head_kv * head_dim; }
};

// Per-session mutable state of the forward pass: KV cache and scratch.
struct DecoderState {
  int32_t n_ctx = 0;
  // [n_layer][n_ctx][kv_dim], uninitialised: only positions < n_past are ever read, so the
  // pages of a large context are touched (and count in RSS) only as the context fills.
  std::unique_ptr<float[]> k_cache, v_cache;
  // Scratch for up to `max_batch` tokens at once.
  size_t max_batch = 0;
  std::vector<float> x, xb, q, k, v, att_out, hb, hb2;  // [max_batch][...]
  std::vector<float> qkv;                               // [max_batch][n_embd + 2 kv_dim] if fused
  std::vector<float> io;                                // [max_batch][n_embd_io] if != n_embd
  std::vector<float> scores;                            // [n_threads][n_ctx]
  std::vector<float> logits;                            // [n_vocab]
  OpProfile* profile = nullptr;                         // per-op timing when set
  kernels::MatmulObserver* observer = nullptr;          // sees matmul inputs when set
};

// Allocates the state for a context of n_ctx tokens.
Result<DecoderState> make_decoder_state(const DecoderDims& d, int32_t n_ctx, size_t max_batch,
                                        int n_threads);

// One token of a (possibly multi-sequence) batch: which sequence's KV cache it extends, at
// which position, and whether its logits are wanted.
struct BatchToken {
  int32_t token = 0;
  DecoderState* seq = nullptr;  // owner of the KV cache to extend
  int32_t pos = 0;              // < seq->n_ctx
  bool want_logits = false;
};

class Architecture {
 public:
  virtual ~Architecture() = default;

  virtual const DecoderDims& dims() const = 0;

  // Runs tokens of several sequences in one pass over the weights, using `scratch`'s buffers
  // (n <= scratch.max_batch). Logits of the tokens with want_logits go, in order, to rows of
  // `logits_out` (n_vocab floats each). Every token's results are bit-identical to running it
  // alone: products are computed per (token, row) in a fixed order, independent of the thread
  // count and of the other tokens in the batch.
  virtual void forward_batch(DecoderState& scratch, const BatchToken* batch, size_t n,
                             float* logits_out, ThreadPool& pool) const = 0;

  // The architecture's part of ModelInfo: name, shapes, norm, positions, activation.
  virtual void describe(ModelInfo& info) const = 0;
};

// Runs `n` tokens of one sequence at positions [pos, pos + n), appending to its KV cache, and
// leaves the last token's logits in state.logits. pos + n <= state.n_ctx.
void forward_sequence(const Architecture& arch, DecoderState& state, const int32_t* tokens,
                      size_t n, int32_t pos, ThreadPool& pool);

}  // namespace slim
