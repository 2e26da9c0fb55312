// SentencePiece-style ("llama") tokenizer, behaving like llama.cpp's llm_tokenizer_spm:
// optional space prefix, ' ' -> "▁", highest-score pair merging over UTF-8 characters with
// byte fallback, and special-token splitting before that.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.hpp"
#include "tokenizer/vocab.hpp"

namespace slim::tok {

class SpmTokenizer final : public Tokenizer {
 public:
  explicit SpmTokenizer(Vocab vocab) : v_(std::move(vocab)) {}

  Result<std::vector<int32_t>> encode(std::string_view text, bool add_bos,
                                      bool parse_special) const override;
  std::string piece(int32_t id) const override;
  std::string_view token_text(int32_t id) const override;
  TokenType token_type(int32_t id) const override;

  int32_t vocab_size() const override { return v_.size(); }
  int32_t bos_id() const override { return v_.bos; }
  int32_t eos_id() const override { return v_.eos; }
  bool add_bos_default() const override { return v_.add_bos; }
  bool strips_leading_space() const override { return v_.add_space_prefix; }
  bool is_eog(int32_t id) const override;
  std::string_view model_name() const override { return "llama"; }

  const Vocab& vocab() const { return v_; }

 private:
  // One run of ordinary text: escape, merge, emit ids.
  Status encode_text(std::string_view raw, bool prefix_space, std::vector<int32_t>* out) const;

  Vocab v_;
};

}  // namespace slim::tok
