// A Hugging Face tokenizer (tokenizer.json or vocab.json + merges.txt) written as GGUF
// tokenizer.ggml.* metadata, as llama.cpp's converter writes it, so converted files tokenize
// identically in SlimLLM and in other GGUF engines.
#pragma once

#include <string>
#include <vector>

#include "format/gguf_writer.hpp"
#include "slim/status.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace slim::hf {

// Writes tokenizer.ggml.{model,pre,tokens,token_type,merges,*_token_id,add_*_token}.
// Only byte-level BPE tokenizers can be written; the pre-tokenizer must be one GGUF names
// (tokenizer.ggml.pre): its split rules are matched against the known names. Anything GGUF
// cannot express (a normalizer, add_prefix_space) is an `unsupported` error, never an
// approximation. Details GGUF drops but llama.cpp restores by model name (lstrip/rstrip of
// added tokens) are reported in `notes`.
Status put_tokenizer_metadata(const tok::LoadedTokenizer& t, gguf::GgufWriter& w,
                              std::vector<std::string>* notes);

// The tokenizer.ggml.pre name whose rules equal these, or "" if none does.
std::string pre_tokenizer_name_for(const tok::PreTokenizer& pre, bool ignore_merges);

}  // namespace slim::hf
