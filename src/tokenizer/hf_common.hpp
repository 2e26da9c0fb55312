// Shared pieces of the Hugging Face loaders (hf_tokenizer.hpp): typed access to JSON fields
// with errors that name the file and field, tokenizer_config.json, and the assembly of the
// id -> text table from a vocab and added tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json.hpp"
#include "slim/status.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim::tok::hf {

// At most this many tokens (and merges) in any file.
inline constexpr int64_t kMaxTokens = int64_t{1} << 24;

// "<where>: <path>: <message>" (path omitted when empty).
std::string at(const std::string& where, std::string_view path);

// Typed field access. `path` is the JSON path of `obj` ("" for the top level); errors name
// path.key. Optional getters return the default when the key is absent or null.
class Fields {
 public:
  Fields(const std::string& where, const json::Value& obj, std::string path)
      : where_(where), obj_(obj), path_(std::move(path)) {}

  const std::string& where() const { return where_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return json::member_path(path_, key); }

  // The member, or nullptr if absent or null.
  const json::Value* get(std::string_view key) const;
  Result<const json::Value*> object(std::string_view key, bool required) const;
  Result<const json::Value*> array(std::string_view key, bool required) const;
  Result<bool> boolean(std::string_view key, bool def) const;
  Result<std::optional<bool>> opt_boolean(std::string_view key) const;
  Result<std::string> string(std::string_view key, bool required, std::string def = {}) const;
  Result<int64_t> integer(std::string_view key, int64_t lo, int64_t hi, bool required,
                          int64_t def = 0) const;
  // The "type" member of a component object.
  Result<std::string> type() const { return string("type", true); }

  Status wrong_type(std::string_view key, const json::Value& v, const char* expected) const;
  Status error(std::string_view key, const std::string& message) const;

 private:
  const std::string& where_;
  const json::Value& obj_;
  std::string path_;
};

// "a string" check on an arbitrary value.
Status expect_type(const std::string& where, const std::string& path, const json::Value& v,
                   json::Type t);

struct AddedToken {
  int64_t id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
  std::string where;  // the file and path it was read from, for messages
  std::string path;
};

// One added token object ({"id", "content", "special", ...}); `id_from_key` >= 0 when the id
// is the object's key (tokenizer_config.json added_tokens_decoder).
Result<AddedToken> parse_added_token(const std::string& where, const json::Value& v,
                                     const std::string& path, int64_t id_from_key = -1);

struct HfConfig {
  bool present = false;
  std::string where;
  std::optional<std::string> bos, eos, unk, pad, cls, sep, mask;  // token texts
  std::optional<bool> add_bos, add_eos, add_prefix_space;
  std::optional<bool> do_lower_case, strip_accents, tokenize_chinese_chars;
  std::vector<AddedToken> added;  // added_tokens_decoder
};
Result<HfConfig> parse_config(const HfConfigText& config);

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The id -> text table of a vocab (text -> id entries) plus added tokens.
struct TokenTable {
  std::vector<std::string> texts;
  std::vector<TokenType> types;
  std::vector<int32_t> lstrip_ids, rstrip_ids;
  std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>> index;

  int32_t find(std::string_view text) const {
    const auto it = index.find(text);
    return it == index.end() ? -1 : it->second;
  }
  int32_t size() const { return static_cast<int32_t>(texts.size()); }
};

struct VocabEntry {
  std::string_view text;
  int64_t id;
};

// A vocab object (text -> integer id), as in tokenizer.json model.vocab and vocab.json.
Result<std::vector<VocabEntry>> parse_vocab_object(const std::string& where,
                                                   const std::string& path, const json::Value& obj);

// Assembles the table: vocab entries are kNormal, added tokens kControl (special) or
// kUserDefined. Ids must be unique, agree between the vocab and the added tokens, and
// cover 0..N-1 without gaps. single_word added tokens are unsupported.
Result<TokenTable> build_token_table(const std::string& where, const std::string& vocab_path,
                                     const std::vector<VocabEntry>& vocab,
                                     const std::vector<AddedToken>& added);

// Resolves a configured special token text to an id (-1 if the text is not a token).
int32_t find_or_none(const TokenTable& t, const std::optional<std::string>& text);

// Checks that `text` is valid UTF-8; else a corrupt_file error naming where/what and the
// byte offset.
Status check_utf8(const std::string& where, const std::string& what, std::string_view text);

}  // namespace slim::tok::hf
