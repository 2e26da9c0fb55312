// The vocabulary behind the SentencePiece ("llama") tokenizer: token texts, scores, types,
// special ids and the lookup tables derived from them. Loaded from GGUF metadata or from a
// llama2.c tokenizer.bin; both inputs are hostile and fully validated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim {

namespace gguf {
class GgufFile;
struct Value;
}  // namespace gguf

namespace tok {

// Hash of a short byte string (token texts, candidate merges).
inline uint64_t hash_bytes(const char* p, size_t n) {
  constexpr uint64_t k1 = 0x9E3779B97F4A7C15ull, k2 = 0xC2B2AE3D27D4EB4Full;
  uint64_t h = k1 ^ (static_cast<uint64_t>(n) * k2);
  auto mix = [&](uint64_t x) {
    h ^= x * k2;
    h = (h << 31 | h >> 33) * k1;
  };
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    mix(x);
  }
  if (n > 0) {
    uint64_t x = 0;
    std::memcpy(&x, p, n);
    mix(x);
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return h;
}

struct TokenInfo {
  std::string text;  // as stored in the vocab ("▁the", "<0x0A>", "<s>" ...)
  float score = 0.0f;
  TokenType type = TokenType::kNormal;
  bool lstrip = false;  // special-token matching eats whitespace to the left / right
  bool rstrip = false;
};

// Open-addressing table from token text to id (the encoder's hot path: one lookup per
// candidate merge). Texts are compared against the vocab they index.
class TextIndex {
 public:
  void build(const std::vector<TokenInfo>& tokens);
  // The id of `text`, or -1.
  int32_t find(const std::vector<TokenInfo>& tokens, std::string_view text) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash_bytes(text.data(), text.size());
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.hash == h && tokens[static_cast<size_t>(s.id)].text == text) return s.id;
    }
  }
  // Inserts id unless its text is already present; returns the id already holding it, or -1.
  int32_t insert(const std::vector<TokenInfo>& tokens, int32_t id);

 private:
  struct Slot {
    uint64_t hash = 0;
    int32_t id = -1;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// Open-addressing set of 64-bit keys (adjacent character pairs).
class PairSet {
 public:
  void reset(size_t expected);
  void insert(uint64_t key);
  bool contains(uint64_t key) const {
    for (size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == key) return true;
      if (slots_[i] == kEmpty) return false;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~0ull;  // no pair has this key (char keys are < 0xF5000000)
  static size_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  std::vector<uint64_t> slots_ = std::vector<uint64_t>(1, kEmpty);
  size_t mask_ = 0;
  size_t count_ = 0;
};

// Move-only: it is large and shared through the tokenizer that owns it.
struct Vocab {
  Vocab() = default;
  Vocab(Vocab&&) noexcept = default;
  Vocab& operator=(Vocab&&) noexcept = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;

  // Filled by the loaders.
  std::vector<TokenInfo> tokens;
  int32_t bos = -1, eos = -1, unk = -1, eot = -1, eom = -1, pad = -1;
  bool add_bos = true;
  bool add_eos = false;
  bool add_space_prefix = true;
  std::string general_name;  // GGUF general.name, for llama.cpp's per-model token attributes

  // Derived by finalize().
  TextIndex text_index;
  std::vector<std::string> pieces;        // piece(id) for every token
  std::array<int32_t, 256> byte_to_id{};  // byte fallback: <0xNN>, the raw byte, unk, or -1
  std::vector<int32_t> specials;          // control/user-defined/unknown, longest text first
  // Every pair of adjacent characters inside some token text (pair_key of their char_keys).
  // Two neighbouring characters of an input that form no such pair can never end up in the
  // same token, so the text can be merged in independent segments split there.
  PairSet char_pairs;
  std::vector<int32_t> eog;  // sorted end-of-generation ids

  int32_t size() const { return static_cast<int32_t>(tokens.size()); }
  int32_t find(std::string_view text) const { return text_index.find(tokens, text); }

  // Validates the loaded tokens and builds the derived tables. `where` prefixes errors.
  Status finalize(const std::string& where);
  // The part every tokenizer needs (finalize() for SentencePiece calls it first): token
  // count, text index (duplicate texts rejected), per-model token attributes by general_name,
  // `specials` and `eog`. Does not touch pieces, byte_to_id or char_pairs.
  Status finalize_common(const std::string& where);
};

// A character (1..4 bytes, as split by utf8::inspect) as a number; distinct for distinct
// characters since a lead byte fixes the length.
inline uint32_t char_key(const uint8_t* p, size_t len) {
  uint32_t k = 0;
  for (size_t i = 0; i < len; ++i) k = (k << 8) | p[i];
  return k;
}
inline uint64_t pair_key(uint32_t a, uint32_t b) {
  return (static_cast<uint64_t>(a) << 32) | b;
}

// tokenizer.ggml.* metadata of a file whose tokenizer.ggml.model is "llama".
Result<Vocab> load_spm_vocab_gguf(const gguf::GgufFile& file);

// llama2.c tokenizer.bin: int32 max_token_length, then per token float32 score, int32 len,
// len bytes. Exactly `vocab_size` tokens are read; trailing bytes are ignored.
Result<Vocab> load_spm_vocab_llama2c(const uint8_t* data, size_t size, int32_t vocab_size);

// ---- Shared by the GGUF tokenizer loaders (errors are "tokenizer: <key> ...") ----------

// Printable, bounded rendering of a token text for error messages ('abc', control bytes as \xNN).
std::string quote_text(std::string_view s);
Status gguf_bad_type(std::string_view key, const gguf::Value& v, const char* expected);
// Optional bool key: absent -> *out unchanged.
Status gguf_read_bool(const gguf::GgufFile& f, std::string_view key, bool* out);
// Optional token id key. Absent -> *out unchanged; -1 / 0xFFFFFFFF ("none") -> -1; any other
// value must be a valid id below n_tokens.
Status gguf_read_token_id(const gguf::GgufFile& f, std::string_view key, int32_t n_tokens,
                          int32_t* out);
// tokenizer.ggml.tokens: present, an array of strings, 1 .. INT32_MAX entries.
Result<const gguf::Value*> gguf_token_list(const gguf::GgufFile& f);
// tokenizer.ggml.token_type: absent -> *out empty; else n_tokens values in 0..6.
Status gguf_read_token_types(const gguf::GgufFile& f, size_t n_tokens, std::vector<TokenType>* out);

// "<0xNN>" (hex digits of either case) -> true and the byte.
bool parse_byte_token(std::string_view text, uint8_t* byte);

}  // namespace tok
}  // namespace slim
