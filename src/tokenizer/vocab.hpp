// The vocabulary behind the SentencePiece ("llama") tokenizer: token texts, scores, types,
// special ids and the lookup tables derived from them. Loaded from GGUF metadata or from a
// llama2.c tokenizer.bin; both inputs are hostile and fully validated.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
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

namespace detail {
inline uint64_t load64(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
inline uint32_t load32(const char* p) {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}
inline uint64_t fmix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}
}  // namespace detail

// Hash of a short byte string (token texts, candidate merges). Strings of up to 16 bytes
// (nearly all token texts) take two overlapping loads and no loop.
inline uint64_t hash_bytes(const char* p, size_t n) {
  using detail::load32;
  using detail::load64;
  constexpr uint64_t k1 = 0x9E3779B97F4A7C15ull, k2 = 0xC2B2AE3D27D4EB4Full;
  uint64_t a = 0, b = 0, h = static_cast<uint64_t>(n) * k2;
  if (n > 16) {
    const char* const end = p + n;
    for (; n > 16; p += 16, n -= 16) {
      h = (h ^ load64(p)) * k1;
      h = ((h << 31) | (h >> 33)) ^ load64(p + 8);
      h *= k2;
    }
    a = load64(end - 16);  // the last 16 bytes (they may overlap the last chunk)
    b = load64(end - 8);
  } else if (n >= 8) {
    a = load64(p);  // the first and the last 8 (they may overlap)
    b = load64(p + n - 8);
  } else if (n >= 4) {
    a = load32(p);
    b = load32(p + n - 4);
  } else if (n > 0) {
    a = (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
        (static_cast<uint64_t>(static_cast<uint8_t>(p[n >> 1])) << 8) |
        static_cast<uint64_t>(static_cast<uint8_t>(p[n - 1]));
  }
  return detail::fmix64(detail::fmix64(h ^ (a * k1)) ^ b);
}

// Byte equality, without a memcmp call for the short strings token texts nearly always are.
inline bool bytes_equal(std::string_view x, std::string_view y) {
  using detail::load32;
  using detail::load64;
  const size_t n = x.size();
  if (n != y.size()) return false;
  const char* a = x.data();
  const char* b = y.data();
  if (n > 16) return std::memcmp(a, b, n) == 0;
  if (n >= 8) return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
  if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Many short strings in one buffer: no allocation per string, and lookups touch two
// contiguous arrays. Strings are added in order and never change. Each is followed by a NUL
// byte (not part of it), so views of them can still be passed where a C string is expected.
class StringTable {
 public:
  void clear() {
    size_ = 0;
    starts_.assign(1, 0);
  }
  void reserve(size_t n_strings, size_t n_bytes) {
    starts_.reserve(n_strings + 1);
    grow(n_bytes + n_strings);
  }
  size_t size() const { return starts_.size() - 1; }
  size_t total_bytes() const { return size_ - size(); }  // without the NULs
  std::string_view operator[](size_t i) const {
    return std::string_view(buf_.get() + starts_[i], starts_[i + 1] - starts_[i] - 1);
  }
  void push_back(std::string_view s) {
    emplace(s.size(), [&](char* dst) {
      if (!s.empty()) std::memcpy(dst, s.data(), s.size());
      return s.size();
    });
  }
  // Appends the string fill(dst) writes to dst[0 .. max_len) and returns the length of.
  template <class Fill>
  void emplace(size_t max_len, Fill&& fill) {
    if (max_len + 1 > cap_ - size_) grow(size_ + max_len + 1);
    const size_t len = fill(buf_.get() + size_);
    size_ += len;
    buf_[size_++] = '\0';
    starts_.push_back(size_);
  }

 private:
  void grow(size_t need) {
    if (need <= cap_) return;
    const size_t cap = std::max(need, cap_ * 2);
    std::unique_ptr<char[]> buf(new char[cap]);
    if (size_ > 0) std::memcpy(buf.get(), buf_.get(), size_);
    buf_ = std::move(buf);
    cap_ = cap;
  }

  std::unique_ptr<char[]> buf_;
  size_t size_ = 0;
  size_t cap_ = 0;
  // String i is [starts_[i], starts_[i + 1] - 1), followed by its NUL.
  std::vector<size_t> starts_ = std::vector<size_t>(1, 0);
};

struct TokenInfo {
  float score = 0.0f;
  TokenType type = TokenType::kNormal;
  bool lstrip = false;  // special-token matching eats whitespace to the left / right
  bool rstrip = false;
};

// Open-addressing table from token text to id (the encoder's hot path: one lookup per
// candidate merge). Texts are compared against the table they index.
class TextIndex {
 public:
  // Empty, sized for n texts (load factor <= 1/2).
  void build(size_t n);
  // The id of `text`, or -1.
  int32_t find(const StringTable& texts, std::string_view text) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash_bytes(text.data(), text.size());
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == tag && bytes_equal(texts[static_cast<size_t>(s.id)], text)) return s.id;
    }
  }
  // Inserts id unless its text is already present; returns the id already holding it, or -1.
  int32_t insert(const StringTable& texts, int32_t id);

 private:
  struct Slot {
    uint32_t tag = 0;  // high half of the text's hash
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

  // Filled by the loaders: texts[i] and tokens[i] for every id (same size).
  StringTable texts;  // as stored in the vocab ("▁the", "<0x0A>", "<s>" ...)
  std::vector<TokenInfo> tokens;
  int32_t bos = -1, eos = -1, unk = -1, eot = -1, eom = -1, pad = -1;
  bool add_bos = true;
  bool add_eos = false;
  bool add_space_prefix = true;
  std::string general_name;  // GGUF general.name, for llama.cpp's per-model token attributes

  // Derived by finalize().
  TextIndex text_index;
  StringTable pieces;                     // piece(id) for every token
  std::array<int32_t, 256> byte_to_id{};  // byte fallback: <0xNN>, the raw byte, unk, or -1
  std::vector<int32_t> specials;          // control/user-defined/unknown, longest text first
  // Every pair of adjacent characters inside some token text (pair_key of their char_keys).
  // Two neighbouring characters of an input that form no such pair can never end up in the
  // same token, so the text can be merged in independent segments split there.
  PairSet char_pairs;
  std::vector<int32_t> eog;  // sorted end-of-generation ids

  int32_t size() const { return static_cast<int32_t>(tokens.size()); }
  int32_t find(std::string_view text) const { return text_index.find(texts, text); }
  std::string_view text(int32_t id) const { return texts[static_cast<size_t>(id)]; }

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
// The special ids of a Vocab (bos, eos, unknown, padding, eot, eom), each read as
// gguf_read_token_id, in that order.
Status gguf_read_special_ids(const gguf::GgufFile& f, int32_t n_tokens, Vocab* v);
// tokenizer.ggml.tokens: present, an array of strings, 1 .. INT32_MAX entries.
Result<const gguf::Value*> gguf_token_list(const gguf::GgufFile& f);
// tokenizer.ggml.token_type: absent -> *out empty; else n_tokens values in 0..6.
Status gguf_read_token_types(const gguf::GgufFile& f, size_t n_tokens, std::vector<TokenType>* out);

// Reads the elements of a GGUF array of strings in order: next() gives element 0, 1, ...
// (at most size() calls). Much cheaper than items[i] (which builds a Value per call): it
// walks the array's file bytes (each string preceded by its u64 length) once the constructor
// has checked they are laid out that way, else falls back to items[i].
class GgufStringReader {
 public:
  explicit GgufStringReader(const gguf::Value& array);
  size_t size() const { return n_; }
  // Bytes from the first string to the end of the last (an upper bound on their total
  // length), or 0 if unknown.
  size_t span() const { return span_; }
  std::string_view next() {
    if (p_ == nullptr) return slow_next();
    if (!first_taken_) {
      first_taken_ = true;
      return first_;
    }
    uint64_t len = 0;
    std::memcpy(&len, p_, sizeof(len));
    const std::string_view s(p_ + sizeof(len), static_cast<size_t>(len));
    p_ += sizeof(len) + len;
    return s;
  }

 private:
  std::string_view slow_next();
  const gguf::Value* array_;
  size_t n_ = 0;
  size_t i_ = 0;             // slow path: next index
  const char* p_ = nullptr;  // fast path: the length field of the next element after the first
  std::string_view first_;   // fast path: element 0
  bool first_taken_ = false;
  size_t span_ = 0;
};

// "<0xNN>" (hex digits of either case) -> true and the byte.
bool parse_byte_token(std::string_view text, uint8_t* byte);

}  // namespace tok
}  // namespace slim
