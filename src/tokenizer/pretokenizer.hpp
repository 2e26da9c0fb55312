// Regex pre-tokenizers for byte-level BPE: the tokenizer.ggml.pre table and a splitter that
// runs Split rules with PCRE2 (UTF + UCP, JIT-compiled). See
// docs/adr/0002-pretokenizer-regex-engine.md for why PCRE2 and how its syntax is aligned with
// the Oniguruma patterns Hugging Face tokenizer.json files carry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"
#include "tokenizer/bpe.hpp"

namespace slim::tok {

// What a tokenizer.ggml.pre name stands for (llama.cpp's llm_tokenizer_bpe regex lists, with
// the original tokenizer.json patterns where llama.cpp had to rewrite them for std::regex).
struct NamedPreTokenizer {
  std::vector<SplitRule> rules;
  bool ignore_merges = false;  // Hugging Face BPE ignore_merges (llama.cpp sets it by name)
  bool add_bos = false;        // llama.cpp's add_bos default; the GGUF key overrides it
};

// nullptr if `name` is not a known tokenizer.ggml.pre value.
const NamedPreTokenizer* find_named_pre_tokenizer(std::string_view name);
std::vector<std::string_view> named_pre_tokenizer_names();

// Rewrites an Oniguruma (Ruby syntax) pattern as used in tokenizer.json into an equivalent
// PCRE2 pattern: \s and \S get Oniguruma's Unicode whitespace set (PCRE2's also has U+180E),
// \h / \H are hex digits as in Ruby, and nested positive classes inside a class ([a[bc]])
// are flattened into a union. Nested negated classes and class intersection (&&) have no
// PCRE2 10.42 equivalent: unsupported error.
Result<std::string> onig_to_pcre2(std::string_view pattern);

// Receives the words of a split, in order. A non-ok Status stops the split and is returned.
class WordSink {
 public:
  virtual ~WordSink() = default;
  virtual Status word(std::string_view w) = 0;
};

// Per-call matching state (PCRE2 match data and, when a match needs more than the default
// JIT stack, a larger one). Not shared between threads.
class SplitScratch {
 public:
  SplitScratch();
  ~SplitScratch();
  SplitScratch(const SplitScratch&) = delete;
  SplitScratch& operator=(const SplitScratch&) = delete;

  struct Impl;
  Impl* impl() { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

// Compiled split rules. Immutable after compile(); split() may run on many threads at once,
// each with its own SplitScratch.
class RegexSplitter {
 public:
  RegexSplitter();
  ~RegexSplitter();
  RegexSplitter(RegexSplitter&&) noexcept;
  RegexSplitter& operator=(RegexSplitter&&) noexcept;
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;

  // Translates (onig_to_pcre2) and JIT-compiles every rule. Errors name the rule index and
  // its pattern.
  static Result<RegexSplitter> compile(const std::vector<SplitRule>& rules);

  // Splits `text` (valid UTF-8) with every rule in order, each applied to every piece the
  // previous rule produced, each piece matched as a separate subject (lookarounds and
  // anchors do not see past it), and hands the non-empty words to `sink`. No rules: the
  // whole text is one word. Fails only if PCRE2 gives up (match or JIT stack limit).
  Status split(std::string_view text, SplitScratch* scratch, WordSink* sink) const;

  size_t rule_count() const;

 private:
  struct Rule;
  Status split_from(size_t rule, std::string_view piece, SplitScratch* scratch,
                    WordSink* sink) const;
  std::vector<Rule> rules_;
};

}  // namespace slim::tok
