// Byte-level BPE tokenizer (GGUF tokenizer.ggml.model = "gpt2"; Hugging Face BPE with a
// ByteLevel pre-tokenizer/decoder): a regex pre-tokenizer splits the text into words, every
// byte of a word becomes its GPT-2 byte-to-unicode character, and the merges are applied in
// rank order (lowest rank first, leftmost first among equal ranks), as in llama.cpp's
// llm_tokenizer_bpe and Hugging Face tokenizers.
//
// This header is the construction API used by every loader (GGUF, Hugging Face
// tokenizer.json, vocab.json + merges.txt).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slim/status.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode.hpp"  // byte_to_unicode(): spelling token texts

namespace slim {

namespace gguf {
class GgufFile;
}

namespace tok {

// Everything a byte-level BPE model is made of. All of it is outside input and is validated
// by make_bpe_tokenizer (errors name the offending index and text).
struct BpeVocab {
  // Token texts by id. Normal tokens are spelled in the GPT-2 byte-to-unicode alphabet
  // ("Ġthe" for " the"), as in vocab.json and GGUF. Control and user-defined (added) tokens
  // are spelled as raw text ("<|im_end|>"), as in tokenizer.json's added_tokens and GGUF.
  // Texts must be unique (empty texts are allowed and never matched).
  std::vector<std::string> tokens;
  // Same size as `tokens`, or empty for "all kNormal".
  std::vector<TokenType> types;
  // Merges in rank order (rank = index): the pair's two token texts. Both parts and their
  // concatenation must be tokens. A repeated pair keeps its first (lowest) rank.
  std::vector<std::pair<std::string, std::string>> merges;

  // Special ids, -1 for none; each must be < tokens.size().
  int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1, eom = -1, sep = -1, cls = -1, mask = -1;
  bool add_bos = false;
  bool add_eos = false;  // recorded only: encode() never appends EOS
  // Hugging Face BPE `ignore_merges` (Llama 3): a word that is itself a token is emitted as
  // that token without merging.
  bool ignore_merges = false;
  // Ids whose special-token matching eats whitespace to the left / right (Hugging Face
  // added_tokens lstrip / rstrip). Duplicates are fine; ids must be in range.
  std::vector<int32_t> lstrip_ids, rstrip_ids;
  // What model_name() reports ("gpt2" unless a loader says otherwise).
  std::string model_name = "gpt2";
  // GGUF general.name, if known: llama.cpp sets some token attributes by model name
  // (Phi-3: special tokens eat whitespace to their right).
  std::string general_name;
};

// How a Split rule treats the text its regex matches (Hugging Face SplitDelimiterBehavior).
enum class SplitBehavior {
  kIsolated,            // matches and the text between them become separate pieces
  kRemoved,             // matches are dropped
  kMergedWithPrevious,  // a match is appended to the piece before it
  kMergedWithNext,      // a match is prepended to the piece after it
  kContiguous,          // adjacent matches are joined into one piece
};

// One regex split step (a Hugging Face `Split` pre-tokenizer, or one of llama.cpp's regexes).
struct SplitRule {
  // PCRE2 syntax, compiled with UTF + UCP (\p{L}, \s ... are Unicode-aware). The patterns
  // published in tokenizer.json (Oniguruma syntax) and llama.cpp are accepted as they are.
  std::string pattern;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;   // the pieces are what does NOT match
  bool literal = false;  // `pattern` is a plain string (tokenizer.json {"String": ...})
};

// The pre-tokenizer: either a GGUF tokenizer.ggml.pre name ("gpt-2", "llama-bpe", "qwen2",
// ... see bpe_pre_tokenizer_names()), or explicit rules. Rules are applied in order, each to
// every piece the previous one produced (Hugging Face Sequence[Split...]; llama.cpp's
// regex list). An empty name with no rules means "no splitting": the whole text is one word.
struct PreTokenizer {
  std::string name;
  std::vector<SplitRule> rules;
  // Hugging Face ByteLevel add_prefix_space: a ' ' is prepended to the text (to the first
  // text fragment, and to every fragment that follows a special token) unless it already
  // starts with one.
  bool add_prefix_space = false;
  // Hugging Face normalizer (NFC ...): applied to each text fragment between special tokens
  // (which are matched on the raw text), before add_prefix_space and the splits. Empty: none.
  Normalizer normalizer;

  static PreTokenizer from_name(std::string_view gguf_pre_name) {
    PreTokenizer p;
    p.name = std::string(gguf_pre_name);
    return p;
  }
  static PreTokenizer from_rules(std::vector<SplitRule> split_rules) {
    PreTokenizer p;
    p.rules = std::move(split_rules);
    return p;
  }
};

// The GPT-2 pre-tokenizer regex (Hugging Face ByteLevel with use_regex = true).
std::string_view gpt2_pattern();

// The tokenizer.ggml.pre names make_bpe_tokenizer understands.
std::vector<std::string_view> bpe_pre_tokenizer_names();

// Validates the vocab, resolves / compiles the pre-tokenizer and builds the tokenizer.
// Errors: corrupt_file for bad vocab data, unsupported for an unknown pre-tokenizer name,
// invalid_argument for a regex PCRE2 cannot compile.
Result<std::shared_ptr<const Tokenizer>> make_bpe_tokenizer(BpeVocab vocab, PreTokenizer pre);

// tokenizer.ggml.* of a file whose tokenizer.ggml.model is "gpt2".
Result<std::shared_ptr<const Tokenizer>> load_bpe_tokenizer_gguf(const gguf::GgufFile& file);

}  // namespace tok
}  // namespace slim
