// libslim C++ API: a tokenizer on its own, without model weights.
//
// Loadable from
//   - a GGUF file: a model, or a vocab-only GGUF without tensors (tokenizer.ggml.model
//     "llama" = SentencePiece, "gpt2" = byte-level BPE, "bert" = WordPiece);
//   - a Hugging Face tokenizer.json (byte-level BPE or WordPiece models);
//   - a Hugging Face vocab.json + merges.txt pair (GPT-2 style) or a BERT vocab.txt;
//   - a directory holding tokenizer.json, or vocab.json + merges.txt, or vocab.txt
//     (with tokenizer_config.json beside them when present).
// Every file is treated as hostile: malformed or unsupported content gives a Status whose
// message names the file and the field. A StandaloneTokenizer is immutable and may be used
// from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim {

// Token kinds, numbered as GGUF's tokenizer.ggml.token_type.
enum class TokenKind : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,      // special tokens: BOS, EOS, <|im_end|>, [CLS] ...
  kUserDefined = 4,  // added, non-special tokens
  kUnused = 5,
  kByte = 6,  // SentencePiece byte fallback <0xNN>
};

struct TokenizerInfo {
  std::string model;   // "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert" (WordPiece)
  std::string source;  // "gguf", "tokenizer.json", "vocab.json+merges.txt", "vocab.txt"
  std::string path;    // what was loaded (empty when loaded from memory)
  int32_t n_vocab = 0;
  int32_t bos_id = -1;   // -1 if none ([CLS] for WordPiece)
  int32_t eos_id = -1;   // -1 if none ([SEP] for WordPiece)
  bool add_bos = false;  // the files ask for BOS in front of a text
  bool add_eos = false;  // ... and for EOS after it
};

class StandaloneTokenizer {
 public:
  // A GGUF file (by its magic), a tokenizer file or a directory (see above).
  static Result<std::shared_ptr<const StandaloneTokenizer>> load(const std::string& path);
  // A GGUF image in memory (only read during the call).
  static Result<std::shared_ptr<const StandaloneTokenizer>> from_gguf_memory(const uint8_t* data,
                                                                             size_t size);
  // The text of a tokenizer.json (and optionally of its tokenizer_config.json).
  static Result<std::shared_ptr<const StandaloneTokenizer>> from_tokenizer_json(
      std::string_view json, std::string_view tokenizer_config_json = {});
  // The texts of vocab.json and merges.txt.
  static Result<std::shared_ptr<const StandaloneTokenizer>> from_vocab_merges(
      std::string_view vocab_json, std::string_view merges_txt);

  // Text -> ids. add_bos = true adds the special tokens the files ask for around a text:
  // BOS when info().add_bos, and EOS when info().add_eos (BERT's [CLS] ... [SEP]); false adds
  // none. parse_special lets control-token texts in `text` ("<|im_end|>") become their ids;
  // leave it off for user text. Added non-special tokens always match.
  Result<std::vector<int32_t>> encode(std::string_view text, bool add_bos,
                                      bool parse_special = false) const;
  // Ids -> text (control tokens give nothing; never splits a UTF-8 character).
  std::string decode(const std::vector<int32_t>& ids) const;
  // The bytes token `id` contributes to decoded text ("" for control tokens and bad ids).
  std::string token_piece(int32_t id) const;
  // The token's text as stored in the vocab ("Ġthe", "▁the", "##ing", "<|im_end|>").
  std::string token_text(int32_t id) const;
  TokenKind token_kind(int32_t id) const;
  bool is_end_of_generation(int32_t id) const;

  const TokenizerInfo& info() const;
  int32_t vocab_size() const { return info().n_vocab; }

  class Impl;
  const Impl& impl() const { return *impl_; }
  explicit StandaloneTokenizer(std::unique_ptr<Impl> impl);
  ~StandaloneTokenizer();

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace slim
