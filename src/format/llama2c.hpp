// Reader for llama2.c's legacy checkpoint format (run.c): a 7 x int32 header
//   dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
// (vocab_size < 0 means a separate classifier follows), then F32 tensors.
// The bytes are hostile input: the header is validated and the implied size must
// match the file exactly before any tensor view is handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "slim/status.hpp"

namespace slim::llama2c {

struct Config {
  int32_t dim = 0;         // model width
  int32_t hidden_dim = 0;  // FFN width
  int32_t n_layers = 0;
  int32_t n_heads = 0;
  int32_t n_kv_heads = 0;
  int32_t vocab_size = 0;  // always positive here
  int32_t seq_len = 0;     // maximum context
  bool shared_classifier = true;
};

// One F32 tensor, named as GGUF names llama tensors (token_embd.weight, blk.0.attn_q.weight ...).
// ne[0] is the contiguous dimension, as in GGUF.
struct Tensor {
  std::string name;
  uint32_t n_dims = 1;
  uint64_t ne[2] = {1, 1};
  const float* data = nullptr;
};

struct Checkpoint {
  Config config;
  std::vector<Tensor> tensors;
};

inline constexpr size_t kHeaderBytes = 7 * sizeof(int32_t);

// Parses a checkpoint held in `data` (which must outlive the result and be 4-byte aligned).
Result<Checkpoint> parse(const uint8_t* data, size_t size);

}  // namespace slim::llama2c
