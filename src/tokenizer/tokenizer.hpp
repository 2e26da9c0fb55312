// Tokenizer interface used by the runtime, CLI and C API.
// A Tokenizer is immutable after construction and safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim {

namespace gguf {
class GgufFile;
}

// Token kinds, numbered as GGUF's tokenizer.ggml.token_type.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // From GGUF metadata (tokenizer.ggml.*): model "llama" (SentencePiece), "gpt2" (byte-level BPE),
  // "bert" (WordPiece);
  // other models give an `unsupported` error naming the model.
  static Result<std::shared_ptr<const Tokenizer>> from_gguf(const gguf::GgufFile& file);
  // From a llama2.c tokenizer.bin buffer holding `vocab_size` entries.
  static Result<std::shared_ptr<const Tokenizer>> from_llama2c(const uint8_t* data, size_t size,
                                                               int32_t vocab_size);

  // Text -> ids. add_bos prepends BOS (if the vocab has one); parse_special lets control
  // (and unknown) token texts in `text` map to their ids (off for user text). User-defined
  // (added, non-special) token texts always map to their ids, as in llama.cpp and Hugging Face
  // tokenizers. Never appends EOS. Invalid UTF-8 is encoded byte by byte.
  virtual Result<std::vector<int32_t>> encode(std::string_view text, bool add_bos,
                                              bool parse_special) const = 0;

  // Raw bytes that token `id` contributes to decoded text: "▁" becomes ' ', byte tokens
  // <0xNN> become that byte, control, unknown and unused tokens give "" (llama.cpp's
  // token_to_piece without `special`), user-defined tokens give their text as is.
  // Out-of-range ids give "".
  virtual std::string piece(int32_t id) const = 0;
  // The token's text as stored in the vocab (for `slim tokenize` / `slim info`).
  virtual std::string_view token_text(int32_t id) const = 0;
  virtual TokenType token_type(int32_t id) const = 0;

  virtual int32_t vocab_size() const = 0;
  virtual int32_t bos_id() const = 0;  // -1 if none
  virtual int32_t eos_id() const = 0;  // -1 if none
  virtual bool add_bos_default() const = 0;
  // True if decoding should drop the single space the encoder prefixed (SentencePiece).
  virtual bool strips_leading_space() const = 0;
  // End-of-generation tokens (EOS, EOT ...).
  virtual bool is_eog(int32_t id) const = 0;
  virtual std::string_view model_name() const = 0;  // "llama" (SentencePiece) ...

  // Whole-sequence decode (same rules as StreamDecoder).
  std::string decode(const std::vector<int32_t>& ids) const;
};

// Turns a stream of ids into text without ever emitting half a UTF-8 character:
// bytes of an incomplete sequence are held back until it completes (or flush()).
// When the tokenizer strips_leading_space(), the first text after construction or after a
// BOS token loses one leading ' ' (the space the encoder prefixed). To decode only the
// continuation of a prompt, push the prompt's ids first and discard what they return.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok) : tok_(tok) {}
  // Text that became complete with this token (possibly empty).
  std::string push(int32_t id);
  // Whatever is still held back (invalid/incomplete UTF-8 is passed through as-is).
  std::string flush();

 private:
  const Tokenizer& tok_;
  std::string pending_;
  bool at_start_ = true;
};

}  // namespace slim
