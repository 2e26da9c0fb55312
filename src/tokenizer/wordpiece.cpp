#include "tokenizer/wordpiece.hpp"

#include <algorithm>

#include "format/gguf.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer/vocab.hpp"
#include "tokenizer/wordpiece_unicode.hpp"

namespace slim::tok {

namespace {

constexpr std::string_view kWordStart = "\xe2\x96\x81";  // U+2581 "▁"
constexpr size_t kMaxTokens = size_t{1} << 26;

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code point at p (n >= 1 bytes); an invalid sequence reads as U+FFFD of length 1.
uint32_t decode_utf8(const uint8_t* p, size_t n, size_t* len) {
  const utf8::SeqInfo info = utf8::inspect(p, n);
  if (!info.valid) {
    *len = 1;
    return 0xFFFD;
  }
  *len = info.len;
  switch (info.len) {
    case 1:
      return p[0];
    case 2:
      return (static_cast<uint32_t>(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    case 3:
      return (static_cast<uint32_t>(p[0] & 0x0F) << 12) |
             (static_cast<uint32_t>(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    default:
      return (static_cast<uint32_t>(p[0] & 0x07) << 18) |
             (static_cast<uint32_t>(p[1] & 0x3F) << 12) |
             (static_cast<uint32_t>(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  }
}

size_t count_chars(std::string_view s) {
  size_t n = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  for (size_t i = 0; i < s.size(); ++n) i += utf8::inspect(p + i, s.size() - i).len;
  return n;
}

}  // namespace

Result<std::shared_ptr<const WordPieceTokenizer>> WordPieceTokenizer::create(
    WordPieceVocab v, const std::string& where) {
  auto t = std::make_shared<WordPieceTokenizer>(std::move(v));
  SLIM_TRY(t->build(where));
  return std::shared_ptr<const WordPieceTokenizer>(std::move(t));
}

Status WordPieceTokenizer::build(const std::string& where) {
  const size_t n = v_.tokens.size();
  if (n == 0) return corrupt(where + ": the vocabulary is empty");
  if (n > kMaxTokens) {
    return corrupt(where + ": " + std::to_string(n) + " tokens is more than the limit of " +
                   std::to_string(kMaxTokens));
  }
  if (v_.types.empty()) v_.types.assign(n, TokenType::kNormal);
  if (v_.types.size() != n) {
    return corrupt(where + ": " + std::to_string(v_.types.size()) + " token types for " +
                   std::to_string(n) + " tokens");
  }
  const auto n_tokens = static_cast<int32_t>(n);
  for (const auto& [name, id] : {std::pair<const char*, int32_t>{"unknown", v_.unk},
                                 {"[CLS]", v_.cls},
                                 {"[SEP]", v_.sep},
                                 {"padding", v_.pad},
                                 {"mask", v_.mask}}) {
    if (id < -1 || id >= n_tokens) {
      return corrupt(where + ": the " + std::string(name) + " token id " + std::to_string(id) +
                     " is not a token id (vocab has " + std::to_string(n) + " tokens)");
    }
  }
  if (v_.spelling == WordPieceVocab::Spelling::kContinuationPrefix &&
      v_.continuing_prefix.empty()) {
    return corrupt(where + ": the continuing subword prefix is empty");
  }
  if (v_.max_input_chars_per_word == 0) {
    return corrupt(where + ": max_input_chars_per_word is 0");
  }
  lstrip_.assign(n, 0);
  rstrip_.assign(n, 0);
  for (const auto* list : {&v_.lstrip_ids, &v_.rstrip_ids}) {
    for (const int32_t id : *list) {
      if (id < 0 || id >= n_tokens) {
        return corrupt(where + ": lstrip/rstrip token id " + std::to_string(id) +
                       " is out of range");
      }
      (list == &v_.lstrip_ids ? lstrip_ : rstrip_)[static_cast<size_t>(id)] = 1;
    }
  }

  // Lookup tables. Duplicate texts are rejected: the id a text maps to would be ambiguous.
  std::unordered_map<std::string_view, int32_t> all;
  all.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& t = v_.tokens[i];
    if (t.empty()) continue;
    const auto [it, inserted] = all.emplace(t, static_cast<int32_t>(i));
    if (!inserted) {
      return corrupt(where + ": duplicate token text " + quote_text(t) + " at ids " +
                     std::to_string(it->second) + " and " + std::to_string(i));
    }
  }
  initial_.clear();
  cont_.clear();
  pieces_.assign(n, std::string());
  const bool marker = v_.spelling == WordPieceVocab::Spelling::kWordStartMarker;
  const std::string_view prefix = marker ? kWordStart : std::string_view(v_.continuing_prefix);
  for (size_t i = 0; i < n; ++i) {
    const std::string& t = v_.tokens[i];
    const auto id = static_cast<int32_t>(i);
    const bool has_prefix = t.size() > prefix.size() && t.compare(0, prefix.size(), prefix) == 0;
    const std::string_view rest = has_prefix ? std::string_view(t).substr(prefix.size()) : "";
    std::string_view bare;  // what the token contributes to decoded text (after " " if initial)
    bool initial = false;
    if (marker) {
      if (has_prefix) {
        initial_.emplace(rest, id);
        bare = rest;
        initial = true;
      } else if (!t.empty()) {
        cont_.emplace(t, id);  // llama.cpp looks pieces after the first up by their raw text
        bare = t;
      }
    } else {
      if (!t.empty()) initial_.emplace(t, id);
      if (has_prefix) {
        cont_.emplace(rest, id);
        bare = rest;
      } else {
        bare = t;
        initial = true;
      }
    }
    if (!t.empty()) max_piece_chars_ = std::max(max_piece_chars_, count_chars(t));
    switch (v_.types[i]) {
      case TokenType::kNormal:
      case TokenType::kByte:
        pieces_[i] = initial ? " " + std::string(bare) : std::string(bare);
        break;
      case TokenType::kUserDefined:
        pieces_[i] = t;
        break;
      case TokenType::kControl:
      case TokenType::kUnknown:
      case TokenType::kUnused:
      case TokenType::kUndefined:
        break;
    }
  }

  specials_.clear();
  for (size_t i = 0; i < n; ++i) {
    const TokenType ty = v_.types[i];
    if (v_.tokens[i].empty()) continue;
    if (ty == TokenType::kControl || ty == TokenType::kUnknown || ty == TokenType::kUserDefined) {
      specials_.push_back(static_cast<int32_t>(i));
    }
  }
  std::stable_sort(specials_.begin(), specials_.end(), [&](int32_t a, int32_t b) {
    return v_.tokens[static_cast<size_t>(a)].size() > v_.tokens[static_cast<size_t>(b)].size();
  });
  return Status::ok();
}

std::vector<std::string> WordPieceTokenizer::pre_tokenize(std::string_view text) const {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    uint32_t cp = decode_utf8(p + i, text.size() - i, &len);
    i += len;
    if (v_.clean_text) {
      if (cp == 0 || cp == 0xFFFD || wp::is_control(cp)) continue;
      if (wp::is_whitespace(cp)) cp = ' ';
    }
    // Normalized characters: accents stripped (NFD, Mn dropped), then lowercased.
    uint32_t stripped[3] = {cp, 0, 0};
    size_t n_stripped = 1;
    if (v_.strip_accents) n_stripped = wp::strip_accents(cp, stripped);
    uint32_t norm[6];
    size_t n_norm = 0;
    for (size_t k = 0; k < n_stripped; ++k) {
      if (v_.lowercase) {
        uint32_t lo[3];
        const size_t m = wp::to_lower(stripped[k], lo);
        for (size_t j = 0; j < m; ++j) norm[n_norm++] = lo[j];
      } else {
        norm[n_norm++] = stripped[k];
      }
    }
    if (v_.handle_chinese_chars && wp::is_cjk(cp)) {  // surrounded by spaces: a word of its own
      flush();
      for (size_t k = 0; k < n_norm; ++k) append_utf8(norm[k], &word);
      flush();
      continue;
    }
    for (size_t k = 0; k < n_norm; ++k) {
      const uint32_t c = norm[k];
      if (wp::is_whitespace(c)) {
        flush();
      } else if (wp::is_punctuation(c)) {
        flush();
        append_utf8(c, &word);
        flush();
      } else {
        append_utf8(c, &word);
      }
    }
  }
  flush();
  return words;
}

Status WordPieceTokenizer::encode_word(std::string_view word, size_t n_chars,
                                       std::vector<int32_t>* out) const {
  auto unknown = [&]() -> Status {
    if (v_.unk < 0) {
      return invalid_argument("tokenizer: cannot encode the word " + quote_text(word) +
                              ": no piece matches it and the vocab has no unknown token");
    }
    out->push_back(v_.unk);
    return Status::ok();
  };
  if (n_chars > v_.max_input_chars_per_word) return unknown();
  // Character boundaries.
  std::vector<size_t> at;
  at.reserve(n_chars + 1);
  const auto* p = reinterpret_cast<const uint8_t*>(word.data());
  for (size_t i = 0; i < word.size(); i += utf8::inspect(p + i, word.size() - i).len) {
    at.push_back(i);
  }
  at.push_back(word.size());
  const size_t chars = at.size() - 1;
  const size_t first = out->size();
  for (size_t start = 0; start < chars;) {
    const auto& table = start == 0 ? initial_ : cont_;
    size_t end = std::min(chars, start + max_piece_chars_);
    int32_t id = -1;
    for (; end > start; --end) {
      const auto it = table.find(word.substr(at[start], at[end] - at[start]));
      if (it != table.end()) {
        id = it->second;
        break;
      }
    }
    if (id < 0) {
      out->resize(first);
      return unknown();
    }
    out->push_back(id);
    start = end;
  }
  return Status::ok();
}

Status WordPieceTokenizer::encode_text(std::string_view text, std::vector<int32_t>* out) const {
  for (const std::string& w : pre_tokenize(text)) SLIM_TRY(encode_word(w, count_chars(w), out));
  return Status::ok();
}

Result<std::vector<int32_t>> WordPieceTokenizer::encode(std::string_view text, bool add_bos,
                                                        bool parse_special) const {
  std::vector<int32_t> out;
  if (add_bos && v_.cls >= 0) out.push_back(v_.cls);
  // Split out special tokens, longest first (as the SentencePiece tokenizer does).
  const auto frags = partition_special(text, specials_, [&](int32_t id, SpecialText* sp) {
    const auto i = static_cast<size_t>(id);
    if (!parse_special && v_.types[i] != TokenType::kUserDefined) return false;
    *sp = {v_.tokens[i], lstrip_[i] != 0, rstrip_[i] != 0};
    return true;
  });
  for (const Fragment& f : frags) {
    if (f.token >= 0) {
      out.push_back(f.token);
    } else {
      SLIM_TRY(encode_text(text.substr(f.off, f.len), &out));
    }
  }
  return out;
}

std::string WordPieceTokenizer::piece(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return pieces_[static_cast<size_t>(id)];
}

std::string_view WordPieceTokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return v_.tokens[static_cast<size_t>(id)];
}

TokenType WordPieceTokenizer::token_type(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return TokenType::kUndefined;
  return v_.types[static_cast<size_t>(id)];
}

// ---- GGUF ---------------------------------------------------------------------------------

namespace {

// Optional token id: absent -> false; -1 / 0xFFFFFFFF -> true with -1; else a valid id.
Status read_id(const gguf::GgufFile& f, std::string_view key, int32_t n_tokens, int32_t* out,
               bool* present) {
  *present = f.find(key) != nullptr;
  return gguf_read_token_id(f, key, n_tokens, out);
}

Status read_bool(const gguf::GgufFile& f, std::string_view key, bool* out, bool* present) {
  *present = f.find(key) != nullptr;
  return gguf_read_bool(f, key, out);
}

}  // namespace

Result<std::shared_ptr<const WordPieceTokenizer>> load_wordpiece_tokenizer_gguf(
    const gguf::GgufFile& f) {
  WordPieceVocab v;
  v.spelling = WordPieceVocab::Spelling::kWordStartMarker;

  SLIM_ASSIGN_OR_RETURN(const gguf::Value* toks, gguf_token_list(f));
  const size_t n = toks->items.size();
  if (n > kMaxTokens) {
    return corrupt("tokenizer: tokenizer.ggml.tokens has " + std::to_string(n) +
                   " entries, too many");
  }
  v.tokens.reserve(n);
  for (const gguf::Value& s : toks->items) v.tokens.emplace_back(s.str);
  SLIM_TRY(gguf_read_token_types(f, n, &v.types));

  const auto n_tokens = static_cast<int32_t>(n);
  auto by_text = [&](std::string_view text) -> int32_t {
    for (size_t i = 0; i < n; ++i) {
      if (v.tokens[i] == text) return static_cast<int32_t>(i);
    }
    return -1;
  };
  // First key present wins; else the conventional text.
  auto resolve = [&](std::initializer_list<const char*> keys, std::string_view text,
                     int32_t* out) -> Status {
    for (const char* key : keys) {
      bool present = false;
      SLIM_TRY(read_id(f, key, n_tokens, out, &present));
      if (present) return Status::ok();
    }
    *out = by_text(text);
    return Status::ok();
  };
  SLIM_TRY(
      resolve({"tokenizer.ggml.cls_token_id", "tokenizer.ggml.bos_token_id"}, "[CLS]", &v.cls));
  SLIM_TRY(resolve({"tokenizer.ggml.seperator_token_id", "tokenizer.ggml.eos_token_id"}, "[SEP]",
                   &v.sep));
  SLIM_TRY(resolve({"tokenizer.ggml.unknown_token_id"}, "[UNK]", &v.unk));
  SLIM_TRY(resolve({"tokenizer.ggml.padding_token_id"}, "[PAD]", &v.pad));
  SLIM_TRY(resolve({"tokenizer.ggml.mask_token_id"}, "[MASK]", &v.mask));

  bool present = false;
  SLIM_TRY(read_bool(f, "tokenizer.ggml.add_bos_token", &v.add_cls, &present));
  SLIM_TRY(read_bool(f, "tokenizer.ggml.add_sep_token", &v.add_sep, &present));
  if (!present) SLIM_TRY(read_bool(f, "tokenizer.ggml.add_eos_token", &v.add_sep, &present));
  return WordPieceTokenizer::create(std::move(v), "tokenizer");
}

}  // namespace slim::tok
