// The Llama family: llama (Llama 2/3, TinyLlama, SmolLM/SmolLM2) and qwen2.
// Pre-norm transformer: RMSNorm, grouped-query attention with RoPE, SwiGLU FFN,
// optional q/k/v biases (qwen2), tied or separate output head.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/thread_pool.hpp"
#include "kernels/matmul.hpp"
#include "model/op_profile.hpp"
#include "model/tensor_ref.hpp"
#include "slim/status.hpp"

namespace slim {

namespace gguf {
class GgufFile;
}
namespace llama2c {
struct Config;
}

enum class RopeStyle {
  kInterleaved,  // rotate pairs (2i, 2i+1): GGUF llama ("normal" mode), llama2.c
  kNeox,         // rotate pairs (i, i + d/2): qwen2, GPT-NeoX
};

struct LlamaHParams {
  std::string arch;  // "llama" | "qwen2"
  int32_t n_vocab = 0;
  int32_t n_embd = 0;  // model width
  int32_t n_ff = 0;    // FFN width
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;     // n_embd / n_head
  int32_t n_ctx_train = 0;  // context length the model was trained with
  int32_t rope_dims = 0;    // leading dims of each head that RoPE rotates
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
  RopeStyle rope_style = RopeStyle::kInterleaved;

  int32_t kv_dim() const { return n_head_kv * head_dim; }
};

// Hyper-parameters from GGUF metadata (`{arch}.*` keys), validated.
Result<LlamaHParams> llama_hparams_from_gguf(const gguf::GgufFile& file, const std::string& arch);
Result<LlamaHParams> llama_hparams_from_llama2c(const llama2c::Config& config);

struct LlamaLayer {
  std::vector<float> attn_norm, ffn_norm;  // [n_embd]
  std::vector<float> bq, bk, bv;           // [n_embd], [kv_dim], [kv_dim] or empty
  kernels::MatrixView wq, wk, wv, wo;      // wq: n_embd x n_embd; wk/wv: n_embd -> kv_dim
  kernels::MatrixView w_gate, w_up, w_down;
};

struct LlamaWeights {
  kernels::MatrixView token_embd;  // n_vocab rows of n_embd
  kernels::MatrixView output;      // n_vocab rows of n_embd (may alias token_embd)
  std::vector<float> output_norm;  // [n_embd]
  std::vector<LlamaLayer> layers;
};

// Binds and shape/type-checks every tensor the forward pass needs.
Result<LlamaWeights> bind_llama_weights(const LlamaHParams& hp, const TensorLookup& lookup);

// Per-session mutable state of the forward pass: KV cache and scratch.
struct LlamaState {
  int32_t n_ctx = 0;
  // [n_layer][n_ctx][kv_dim], uninitialised: only positions < n_past are ever read, so the
  // pages of a large context are touched (and count in RSS) only as the context fills.
  std::unique_ptr<float[]> k_cache, v_cache;
  // Scratch for up to `max_batch` tokens at once.
  size_t max_batch = 0;
  std::vector<float> x, xb, q, k, v, att_out, hb, hb2;  // [max_batch][...]
  std::vector<float> scores;                            // [n_threads][n_ctx]
  std::vector<float> logits;                            // [n_vocab]
  OpProfile* profile = nullptr;                         // per-op timing when set
  kernels::MatmulObserver* observer = nullptr;          // sees matmul inputs when set
};

// Allocates the state for a context of n_ctx tokens.
Result<LlamaState> llama_make_state(const LlamaHParams& hp, int32_t n_ctx, size_t max_batch,
                                    int n_threads);

// Runs `n` tokens at positions [pos, pos + n) through the model, appending to the KV
// cache, and leaves the last token's logits in state.logits. pos + n <= n_ctx.
void llama_forward(const LlamaHParams& hp, const LlamaWeights& w, LlamaState& state,
                   const int32_t* tokens, size_t n, int32_t pos, ThreadPool& pool);

// One token of a multi-sequence batch: which sequence's KV cache it extends, at which
// position, and whether its logits are wanted.
struct LlamaBatchToken {
  int32_t token = 0;
  LlamaState* seq = nullptr;  // owner of the KV cache to extend
  int32_t pos = 0;            // < seq->n_ctx
  bool want_logits = false;
};

// Runs tokens of several sequences in one pass over the weights, using `scratch`'s
// buffers (n <= scratch.max_batch). Logits of the tokens with want_logits go, in order,
// to rows of `logits_out` (n_vocab floats each). Every token's results are bit-identical
// to running it alone: products are computed per (token, row) in a fixed order.
void llama_forward_batch(const LlamaHParams& hp, const LlamaWeights& w, LlamaState& scratch,
                         const LlamaBatchToken* batch, size_t n, float* logits_out,
                         ThreadPool& pool);

}  // namespace slim
