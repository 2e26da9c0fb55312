// Random-weight models with the real shapes of common small models, for speed work
// (speed does not depend on weight values; no downloads needed).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "quant/types.hpp"
#include "quant_mix.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

struct SynthShape {
  std::string name;  // "smollm2-135m"
  std::string arch;  // "llama" | "qwen2"
  int n_embd, n_ff, n_layer, n_head, n_head_kv, n_vocab, n_ctx;
  float rope_base;
  bool tied_output;
  bool qkv_bias;
  std::string vocab_file;  // GGUF in ../shared/tokenizer-vectors whose vocabulary fits, or ""
};

const std::vector<SynthShape>& synth_shapes();
Result<SynthShape> find_synth_shape(const std::string& name);

struct SynthOptions {
  // llama.cpp file type: the weight matrices get that recipe's per-tensor types (quant_mix.hpp).
  FileType type = FileType::kQ8_0;
  uint64_t seed = 1;
  // Directory holding tokenizer-vectors/*.gguf (../shared). When the shape's vocabulary
  // file is there, its tokenizer is copied; otherwise a generated SentencePiece-style
  // vocabulary of the right size is written.
  std::string shared_dir;
};

// Writes the model to out_path. progress(done, total) is called per tensor; notes
// receives one line per decision the user should know about (vocabulary source ...).
Status write_synth_model(const SynthShape& shape, const SynthOptions& options,
                         const std::string& out_path,
                         const std::function<void(size_t, size_t)>& progress,
                         std::vector<std::string>* notes);

}  // namespace slim::toolkit
