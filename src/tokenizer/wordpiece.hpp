// WordPiece tokenizer (GGUF tokenizer.ggml.model = "bert"; Hugging Face WordPiece with a
// BertNormalizer and BertPreTokenizer; BERT's vocab.txt), as in BERT's tokenization.py and
// Hugging Face tokenizers:
//   normalize:      drop NUL, U+FFFD and control characters, whitespace -> ' ' (clean_text);
//                   spaces around CJK ideographs; NFD + drop nonspacing marks (strip_accents);
//                   lowercase
//   pre-tokenize:   split on whitespace, every punctuation character is a word of its own
//   per word:       greedy longest-match-first; pieces after the first are looked up as
//                   continuations ("##ing"); a word longer than max_input_chars_per_word
//                   characters, or with a part no piece matches, becomes [UNK] as a whole.
// Special (added) tokens are split out of the text first, as for the other tokenizers.
// Invalid UTF-8 in the text is read as U+FFFD (which clean_text drops).
// Decoding: a word-initial piece contributes " " + its text, a continuation its bare text,
// so the decoded text has one space between words (BERT's "##" joining; the cleanup of
// spaces before punctuation that Hugging Face's decoder can do is not applied).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "slim/status.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim {

namespace gguf {
class GgufFile;
}

namespace tok {

struct WordPieceVocab {
  // How token texts mark word-initial and continuation pieces.
  enum class Spelling {
    // Hugging Face and vocab.txt: "word" starts a word, continuing_prefix + "ing" continues
    // one. Every text can start a word (as in Hugging Face's single vocab lookup).
    kContinuationPrefix,
    // GGUF as written by llama.cpp's converter: "▁word" starts a word, "ing" continues one;
    // "[CLS]"-style texts are left as they are (they only match as special tokens).
    kWordStartMarker,
  };

  std::vector<std::string> tokens;  // texts by id, unique (empty texts never match)
  std::vector<TokenType> types;     // same size as tokens, or empty for all kNormal
  Spelling spelling = Spelling::kContinuationPrefix;
  std::string continuing_prefix = "##";  // kContinuationPrefix only; must not be empty

  int32_t unk = -1, cls = -1, sep = -1, pad = -1, mask = -1;  // -1: none
  bool add_cls = true;  // encode(add_bos = true) prepends [CLS]
  bool add_sep = true;  // recorded for callers that append [SEP] (encode never does)

  // BertNormalizer options.
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
  size_t max_input_chars_per_word = 100;

  // Ids whose special-token matching eats whitespace to the left / right (added_tokens
  // lstrip / rstrip).
  std::vector<int32_t> lstrip_ids, rstrip_ids;
};

class WordPieceTokenizer final : public Tokenizer {
 public:
  // Validates `v` (errors are corrupt_file, prefixed with `where`).
  static Result<std::shared_ptr<const WordPieceTokenizer>> create(WordPieceVocab v,
                                                                  const std::string& where);

  Result<std::vector<int32_t>> encode(std::string_view text, bool add_bos,
                                      bool parse_special) const override;
  std::string piece(int32_t id) const override;
  std::string_view token_text(int32_t id) const override;
  TokenType token_type(int32_t id) const override;

  int32_t vocab_size() const override { return static_cast<int32_t>(v_.tokens.size()); }
  int32_t bos_id() const override { return v_.cls; }
  int32_t eos_id() const override { return v_.sep; }
  bool add_bos_default() const override { return v_.add_cls; }
  bool strips_leading_space() const override { return true; }
  bool is_eog(int32_t id) const override { return id >= 0 && id == v_.sep; }
  std::string_view model_name() const override { return "bert"; }

  bool add_sep_default() const { return v_.add_sep; }
  int32_t unk_id() const { return v_.unk; }
  const WordPieceVocab& vocab() const { return v_; }

  // The words the normalizer and pre-tokenizer make of `text` (no special-token handling).
  std::vector<std::string> pre_tokenize(std::string_view text) const;

  explicit WordPieceTokenizer(WordPieceVocab v) : v_(std::move(v)) {}

 private:
  Status build(const std::string& where);
  Status encode_text(std::string_view text, std::vector<int32_t>* out) const;
  Status encode_word(std::string_view word, size_t n_chars, std::vector<int32_t>* out) const;

  WordPieceVocab v_;
  std::vector<std::string> pieces_;                        // piece(id)
  std::unordered_map<std::string_view, int32_t> initial_;  // word-initial text -> id
  std::unordered_map<std::string_view, int32_t> cont_;     // continuation text -> id
  size_t max_piece_chars_ = 0;
  std::vector<int32_t> specials_;  // control/unknown/user-defined ids, longest text first
  std::vector<uint8_t> lstrip_, rstrip_;
};

// tokenizer.ggml.* of a file whose tokenizer.ggml.model is "bert". GGUF records no normalizer
// options: BERT uncased's (lowercase + strip accents, as llama.cpp) are used. Special ids come
// from tokenizer.ggml.cls_token_id / seperator_token_id (else bos / eos, else the texts
// "[CLS]" / "[SEP]"); [CLS] is added by default unless tokenizer.ggml.add_bos_token is false,
// [SEP] unless tokenizer.ggml.add_sep_token (else add_eos_token) is false.
Result<std::shared_ptr<const WordPieceTokenizer>> load_wordpiece_tokenizer_gguf(
    const gguf::GgufFile& file);

}  // namespace tok
}  // namespace slim
