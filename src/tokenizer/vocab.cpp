#include "tokenizer/vocab.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "core/byte_reader.hpp"
#include "format/gguf.hpp"
#include "tokenizer/utf8.hpp"

namespace slim::tok {

namespace {

constexpr std::string_view kSpaceMarker = "\xe2\x96\x81";  // U+2581 "▁"

// Appends `s` with every `from` (non-empty) replaced by `to` to *table.
void push_replaced(std::string_view s, std::string_view from, std::string_view to,
                   StringTable* table) {
  const size_t max_len =
      to.size() > from.size() ? s.size() / from.size() * to.size() + s.size() : s.size();
  table->emplace(max_len, [&](char* dst) {
    char* const start = dst;
    size_t pos = 0;
    while (true) {
      const size_t hit = s.find(from, pos);
      const size_t end = hit == std::string_view::npos ? s.size() : hit;
      std::memcpy(dst, s.data() + pos, end - pos);
      dst += end - pos;
      if (hit == std::string_view::npos) break;
      std::memcpy(dst, to.data(), to.size());
      dst += to.size();
      pos = hit + from.size();
    }
    return static_cast<size_t>(dst - start);
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Texts llama.cpp treats as end-of-generation whatever their metadata says
// (llama-vocab.cpp, "maintain a list of tokens that cause end-of-generation").
constexpr std::string_view kEogTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",   "<|endoftext|>",
    "<|eom_id|>", "<EOT>",      "_<EOT>",  "<|end_of_text|>", "<end_of_utterance>",
};

}  // namespace

// Printable, bounded rendering of a token text for error messages.
std::string quote_text(std::string_view s) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < 48; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 48) out += "...";
  return out + "'";
}

// ---- GGUF helpers ------------------------------------------------------------------------

Status gguf_bad_type(std::string_view key, const gguf::Value& v, const char* expected) {
  std::string got = gguf::value_type_name(v.type);
  if (v.type == gguf::ValueType::kArray)
    got += std::string(" of ") + gguf::value_type_name(v.elem_type);
  return corrupt("tokenizer: " + std::string(key) + " is " + got + ", expected " + expected);
}

// Optional bool key: absent -> *out unchanged.
Status gguf_read_bool(const gguf::GgufFile& f, std::string_view key, bool* out) {
  const gguf::Value* v = f.find(key);
  if (v == nullptr) return Status::ok();
  if (v->type != gguf::ValueType::kBool) return gguf_bad_type(key, *v, "bool");
  *out = v->num.u != 0;
  return Status::ok();
}

// Optional token id key. Absent -> *out unchanged (the default); -1 / 0xFFFFFFFF (what
// converters write for "none") -> -1; any other value must be a valid id.
Status gguf_read_token_id(const gguf::GgufFile& f, std::string_view key, int32_t n_tokens,
                          int32_t* out) {
  const gguf::Value* v = f.find(key);
  if (v == nullptr) return Status::ok();
  if (!v->is_integer() || v->type == gguf::ValueType::kBool)
    return gguf_bad_type(key, *v, "an integer token id");
  int64_t x = 0;
  const bool fits =  // false only for a u64 above INT64_MAX
      v->as_int(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &x);
  if (fits && (x == -1 || x == 0xFFFFFFFFll)) {
    *out = -1;
    return Status::ok();
  }
  if (!fits || x < 0 || x >= n_tokens) {
    const std::string shown = fits ? std::to_string(x) : std::to_string(v->num.u);
    return corrupt("tokenizer: " + std::string(key) + " = " + shown +
                   " is not a token id (vocab has " + std::to_string(n_tokens) + " tokens)");
  }
  *out = static_cast<int32_t>(x);
  return Status::ok();
}

Status gguf_read_special_ids(const gguf::GgufFile& f, int32_t n_tokens, Vocab* vocab) {
  Vocab& v = *vocab;
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.bos_token_id", n_tokens, &v.bos));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.eos_token_id", n_tokens, &v.eos));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.unknown_token_id", n_tokens, &v.unk));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.padding_token_id", n_tokens, &v.pad));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.eot_token_id", n_tokens, &v.eot));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.eom_token_id", n_tokens, &v.eom));
  return Status::ok();
}

Result<const gguf::Value*> gguf_token_list(const gguf::GgufFile& f) {
  const gguf::Value* toks = f.find("tokenizer.ggml.tokens");
  if (toks == nullptr) return not_found("tokenizer: GGUF has no tokenizer.ggml.tokens");
  if (toks->type != gguf::ValueType::kArray || toks->elem_type != gguf::ValueType::kString) {
    return gguf_bad_type("tokenizer.ggml.tokens", *toks, "array of string");
  }
  const size_t n = toks->items.size();
  if (n == 0) return corrupt("tokenizer: tokenizer.ggml.tokens is empty");
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return corrupt("tokenizer: tokenizer.ggml.tokens has " + std::to_string(n) +
                   " entries, too many");
  }
  return toks;
}

Status gguf_read_token_types(const gguf::GgufFile& f, size_t n_tokens,
                             std::vector<TokenType>* out) {
  out->clear();
  const gguf::Value* t = f.find("tokenizer.ggml.token_type");
  if (t == nullptr) return Status::ok();
  if (t->type != gguf::ValueType::kArray || t->elem_type != gguf::ValueType::kI32) {
    return gguf_bad_type("tokenizer.ggml.token_type", *t, "array of i32");
  }
  if (t->items.size() != n_tokens) {
    return corrupt("tokenizer: tokenizer.ggml.token_type has " + std::to_string(t->items.size()) +
                   " entries but tokenizer.ggml.tokens has " + std::to_string(n_tokens));
  }
  out->resize(n_tokens);
  size_t i = 0;
  for (const gguf::Value& item : t->items) {
    const int64_t x = item.num.i;
    if (x < 0 || x > static_cast<int64_t>(TokenType::kByte)) {
      out->clear();
      return corrupt("tokenizer: tokenizer.ggml.token_type[" + std::to_string(i) +
                     "] = " + std::to_string(x) + " is not a token type (0..6)");
    }
    (*out)[i++] = static_cast<TokenType>(x);
  }
  return Status::ok();
}

GgufStringReader::GgufStringReader(const gguf::Value& array)
    : array_(&array), n_(array.items.size()) {
  if (n_ < 2 || array.elem_type != gguf::ValueType::kString) return;
  // A GGUF string array is, in the file, (u64 length, bytes) after (u64 length, bytes).
  // Check that elements 1 .. n-1 follow element 0 that way, ending exactly where the last
  // element does, reading only bytes in between; use the walk only if they do.
  const std::string_view first = array.items[0].str;
  const std::string_view last = array.items[n_ - 1].str;
  const auto begin = reinterpret_cast<uintptr_t>(first.data()) + first.size();
  const auto end = reinterpret_cast<uintptr_t>(last.data()) + last.size();
  if (end < begin) return;
  const char* p = first.data() + first.size();
  size_t left = end - begin;
  uint64_t len = 0;
  for (size_t i = 1; i < n_; ++i) {
    if (left < sizeof(len)) return;
    std::memcpy(&len, p, sizeof(len));
    left -= sizeof(len);
    if (len > left) return;
    p += sizeof(len) + len;
    left -= static_cast<size_t>(len);
  }
  if (left != 0 || len != last.size()) return;
  first_ = first;
  p_ = first.data() + first.size();
  span_ = static_cast<size_t>(end - reinterpret_cast<uintptr_t>(first.data()));
}

std::string_view GgufStringReader::slow_next() {
  return array_->items[i_++].str;
}

void TextIndex::build(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap *= 2;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
}

int32_t TextIndex::insert(const StringTable& texts, int32_t id) {
  const std::string_view text = texts[static_cast<size_t>(id)];
  const uint64_t h = hash_bytes(text.data(), text.size());
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.id < 0) {
      s.tag = tag;
      s.id = id;
      return -1;
    }
    if (s.tag == tag && bytes_equal(texts[static_cast<size_t>(s.id)], text)) return s.id;
  }
}

void PairSet::reset(size_t expected) {
  size_t cap = 16;
  while (cap < expected * 2) cap *= 2;
  slots_.assign(cap, kEmpty);
  mask_ = cap - 1;
  count_ = 0;
}

void PairSet::insert(uint64_t key) {
  if ((count_ + 1) * 2 > slots_.size()) {  // keep the load factor <= 1/2
    std::vector<uint64_t> old;
    old.swap(slots_);
    reset(count_ + 1);
    for (const uint64_t k : old) {
      if (k != kEmpty) insert(k);
    }
  }
  for (size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i] == key) return;
    if (slots_[i] == kEmpty) {
      slots_[i] = key;
      ++count_;
      return;
    }
  }
}

bool parse_byte_token(std::string_view text, uint8_t* byte) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return false;
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hexval(text[3]), lo = hexval(text[4]);
  if (hi < 0 || lo < 0) return false;
  *byte = static_cast<uint8_t>(hi * 16 + lo);
  return true;
}

Status Vocab::finalize_common(const std::string& where) {
  const size_t n = tokens.size();
  if (n == 0) return corrupt(where + ": the vocabulary is empty");
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return corrupt(where + ": " + std::to_string(n) + " tokens is too many");
  }
  if (texts.size() != n) {
    return internal_error(where + ": " + std::to_string(texts.size()) + " token texts for " +
                          std::to_string(n) + " tokens");
  }

  // Text -> id. Duplicates are rejected (as llama.cpp does); empty texts are not matchable.
  text_index.build(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string_view t = texts[i];
    if (t.empty()) continue;
    const int32_t earlier = text_index.insert(texts, static_cast<int32_t>(i));
    if (earlier >= 0) {
      return corrupt(where + ": duplicate token text " + quote_text(t) + " at ids " +
                     std::to_string(earlier) + " and " + std::to_string(i));
    }
  }

  // Per-model token attributes (llama.cpp sets these by general.name; only Phi-3 is implemented).
  const std::string name = lower(general_name);
  if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    for (TokenInfo& t : tokens) {
      if (t.type == TokenType::kControl || t.type == TokenType::kUserDefined ||
          t.type == TokenType::kUnknown) {
        t.rstrip = true;
      }
    }
    auto set_rstrip = [&](std::string_view text, bool value) {
      const int32_t id = find(text);
      if (id >= 0) tokens[static_cast<size_t>(id)].rstrip = value;
    };
    set_rstrip("</s>", true);
    for (std::string_view text : {"<unk>", "<s>", "<|endoftext|>"}) set_rstrip(text, false);
  }

  // Tokens matched before the text is split into characters: longest first (ties by id).
  specials.clear();
  for (size_t i = 0; i < n; ++i) {
    const TokenInfo& t = tokens[i];
    if (texts[i].empty()) continue;
    if (t.type == TokenType::kControl || t.type == TokenType::kUserDefined ||
        t.type == TokenType::kUnknown) {
      specials.push_back(static_cast<int32_t>(i));
    }
  }
  std::stable_sort(specials.begin(), specials.end(), [&](int32_t a, int32_t b) {
    return texts[static_cast<size_t>(a)].size() > texts[static_cast<size_t>(b)].size();
  });

  // End of generation: eos, eot, eom and the texts llama.cpp recognises.
  eog.clear();
  for (int32_t id : {eos, eot, eom}) {
    if (id >= 0) eog.push_back(id);
  }
  for (std::string_view text : kEogTexts) {
    const int32_t id = find(text);
    if (id >= 0) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
  return Status::ok();
}

Status Vocab::finalize(const std::string& where) {
  SLIM_TRY(finalize_common(where));
  const size_t n = tokens.size();

  // Pieces (llama.cpp's token_to_piece with special=false for SPM vocabs).
  pieces.clear();
  pieces.reserve(n, texts.total_bytes());
  for (size_t i = 0; i < n; ++i) {
    const std::string_view text = texts[i];
    switch (tokens[i].type) {
      case TokenType::kNormal:
        push_replaced(text, kSpaceMarker, " ", &pieces);
        break;
      case TokenType::kUserDefined:
        pieces.push_back(text);
        break;
      case TokenType::kByte: {
        uint8_t b = 0;
        if (!parse_byte_token(text, &b)) {
          return corrupt(where + ": token " + std::to_string(i) + " " + quote_text(text) +
                         " has type byte but is not spelled <0xNN>");
        }
        pieces.push_back(std::string_view(reinterpret_cast<const char*>(&b), 1));
        break;
      }
      case TokenType::kControl:
      case TokenType::kUnknown:
      case TokenType::kUnused:
      case TokenType::kUndefined:
        pieces.push_back({});
        break;
    }
  }

  // Byte fallback ids (llama.cpp byte_to_token: "<0xNN>", else the raw byte as a token).
  static const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const char spelled[6] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
    int32_t id = find(std::string_view(spelled, 6));
    if (id < 0) {
      const char raw = static_cast<char>(b);
      id = find(std::string_view(&raw, 1));
    }
    byte_to_id[static_cast<size_t>(b)] = id >= 0 ? id : unk;
  }

  // Adjacent character pairs inside token texts, split exactly as the encoder splits text.
  char_pairs.reset(1024);  // grows as needed
  for (size_t i = 0; i < n; ++i) {
    const std::string_view text = texts[i];
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const size_t len = text.size();
    uint32_t prev = 0;
    for (size_t off = 0; off < len;) {
      const utf8::SeqInfo info = utf8::inspect(p + off, len - off);
      const size_t n_bytes = info.valid ? info.len : 1;
      const uint32_t key = char_key(p + off, n_bytes);
      if (off > 0) char_pairs.insert(pair_key(prev, key));
      prev = key;
      off += n_bytes;
    }
  }

  return Status::ok();
}

Result<Vocab> load_spm_vocab_gguf(const gguf::GgufFile& f) {
  using gguf::ValueType;
  Vocab v;

  SLIM_ASSIGN_OR_RETURN(const gguf::Value* toks, gguf_token_list(f));
  const size_t n = toks->items.size();
  const auto n_tokens = static_cast<int32_t>(n);
  v.tokens.resize(n);
  GgufStringReader texts(*toks);
  v.texts.reserve(n, texts.span());
  for (size_t i = 0; i < n; ++i) v.texts.push_back(texts.next());

  if (const gguf::Value* s = f.find("tokenizer.ggml.scores")) {
    if (s->type != ValueType::kArray ||
        (s->elem_type != ValueType::kF32 && s->elem_type != ValueType::kI32)) {
      return gguf_bad_type("tokenizer.ggml.scores", *s, "array of f32");
    }
    if (s->items.size() != n) {
      return corrupt("tokenizer: tokenizer.ggml.scores has " + std::to_string(s->items.size()) +
                     " entries but tokenizer.ggml.tokens has " + std::to_string(n));
    }
    size_t i = 0;
    for (const gguf::Value& x : s->items) {
      const double d = x.type == ValueType::kF32 ? x.num.f : static_cast<double>(x.num.i);
      if (std::isnan(d))
        return corrupt("tokenizer: tokenizer.ggml.scores[" + std::to_string(i) + "] is NaN");
      v.tokens[i++].score = static_cast<float>(d);
    }
  }

  std::vector<TokenType> types;
  SLIM_TRY(gguf_read_token_types(f, n, &types));
  for (size_t i = 0; i < types.size(); ++i) v.tokens[i].type = types[i];

  // llama.cpp's defaults for SPM vocabs, disabled when the vocab is too small for them.
  v.bos = n_tokens > 1 ? 1 : -1;
  v.eos = n_tokens > 2 ? 2 : -1;
  v.unk = 0;
  SLIM_TRY(gguf_read_special_ids(f, n_tokens, &v));
  SLIM_TRY(gguf_read_bool(f, "tokenizer.ggml.add_bos_token", &v.add_bos));
  SLIM_TRY(gguf_read_bool(f, "tokenizer.ggml.add_eos_token", &v.add_eos));
  SLIM_TRY(gguf_read_bool(f, "tokenizer.ggml.add_space_prefix", &v.add_space_prefix));
  if (const gguf::Value* name = f.find("general.name"); name && name->type == ValueType::kString) {
    v.general_name = std::string(name->str);
  }

  SLIM_TRY(v.finalize("tokenizer"));
  return v;
}

Result<Vocab> load_spm_vocab_llama2c(const uint8_t* data, size_t size, int32_t vocab_size) {
  const std::string where = "llama2.c tokenizer";
  if (data == nullptr && size != 0) return invalid_argument(where + ": null buffer");
  if (vocab_size <= 0) {
    return invalid_argument(where + ": vocab_size must be positive, got " +
                            std::to_string(vocab_size));
  }
  static const uint8_t kNone = 0;
  ByteReader r(data ? data : &kNone, size);
  int32_t max_token_length = 0;
  if (!r.read(&max_token_length)) {
    return corrupt(where + ": " + std::to_string(size) + " bytes is too small for the header");
  }
  if (max_token_length < 0) {
    return corrupt(where + ": max_token_length " + std::to_string(max_token_length) +
                   " is negative");
  }
  // Every token takes at least 8 bytes (score + length): bound the count before allocating.
  if (static_cast<uint64_t>(vocab_size) > r.remaining() / 8) {
    return corrupt(where + ": " + std::to_string(vocab_size) + " tokens cannot fit in the " +
                   std::to_string(r.remaining()) + " bytes after the header");
  }

  Vocab v;
  v.tokens.resize(static_cast<size_t>(vocab_size));
  v.texts.reserve(static_cast<size_t>(vocab_size), r.remaining());
  for (int32_t i = 0; i < vocab_size; ++i) {
    const std::string at =
        where + ": token " + std::to_string(i) + " (byte " + std::to_string(r.offset()) + ")";
    float score = 0.0f;
    int32_t len = 0;
    if (!r.read(&score)) return corrupt(at + ": truncated reading its score");
    if (!r.read(&len)) return corrupt(at + ": truncated reading its length");
    if (len < 0) return corrupt(at + ": negative length " + std::to_string(len));
    std::string_view bytes;
    if (!r.read_bytes(static_cast<uint64_t>(len), &bytes)) {
      return corrupt(at + ": length " + std::to_string(len) + " exceeds the " +
                     std::to_string(r.remaining()) + " bytes left");
    }
    if (std::isnan(score)) return corrupt(at + ": score is NaN");

    TokenInfo& t = v.tokens[static_cast<size_t>(i)];
    t.score = score;
    uint8_t byte = 0;
    if (i == 1 && bytes == "\n<s>\n") bytes = "<s>";  // llama2.c's export decorates BOS/EOS
    if (i == 2 && bytes == "\n</s>\n") bytes = "</s>";
    if (i == 0) {
      t.type = TokenType::kUnknown;
    } else if (i == 1 || i == 2) {
      t.type = TokenType::kControl;
    } else if (parse_byte_token(bytes, &byte)) {
      t.type = TokenType::kByte;
    } else {
      t.type = TokenType::kNormal;
    }
    // The export replaced SentencePiece's "▁" with ' '; put it back so texts match GGUF vocabs.
    if (t.type == TokenType::kNormal) {
      push_replaced(bytes, " ", kSpaceMarker, &v.texts);
    } else {
      v.texts.push_back(bytes);
    }
  }

  v.unk = 0;
  v.bos = vocab_size > 1 ? 1 : -1;
  v.eos = vocab_size > 2 ? 2 : -1;
  v.add_bos = true;
  v.add_eos = false;
  v.add_space_prefix = true;
  SLIM_TRY(v.finalize(where));
  return v;
}

}  // namespace slim::tok
