#include "tokenizer/hf_common.hpp"

#include <algorithm>
#include <limits>

#include "tokenizer/utf8.hpp"

namespace slim::tok::hf {

std::string at(const std::string& where, std::string_view path) {
  if (path.empty()) return where;
  return where + ": " + std::string(path);
}

Status expect_type(const std::string& where, const std::string& path, const json::Value& v,
                   json::Type t) {
  if (v.type() == t) return Status::ok();
  return corrupt(at(where, path) + " is " + v.type_name() + ", expected " + json::type_name(t));
}

const json::Value* Fields::get(std::string_view key) const {
  const json::Value* v = obj_.find(key);
  if (v == nullptr || v->is_null()) return nullptr;
  return v;
}

Status Fields::wrong_type(std::string_view key, const json::Value& v, const char* expected) const {
  return corrupt(at(where_, path_of(key)) + " is " + v.type_name() + ", expected " + expected);
}

Status Fields::error(std::string_view key, const std::string& message) const {
  return corrupt(at(where_, path_of(key)) + ": " + message);
}

Result<const json::Value*> Fields::object(std::string_view key, bool required) const {
  const json::Value* v = get(key);
  if (v == nullptr) {
    if (required) return corrupt(at(where_, path_of(key)) + " is missing");
    return static_cast<const json::Value*>(nullptr);
  }
  if (!v->is_object()) return wrong_type(key, *v, "an object");
  return v;
}

Result<const json::Value*> Fields::array(std::string_view key, bool required) const {
  const json::Value* v = get(key);
  if (v == nullptr) {
    if (required) return corrupt(at(where_, path_of(key)) + " is missing");
    return static_cast<const json::Value*>(nullptr);
  }
  if (!v->is_array()) return wrong_type(key, *v, "an array");
  return v;
}

Result<bool> Fields::boolean(std::string_view key, bool def) const {
  const json::Value* v = get(key);
  if (v == nullptr) return def;
  if (!v->is_bool()) return wrong_type(key, *v, "a boolean");
  return v->as_bool();
}

Result<std::optional<bool>> Fields::opt_boolean(std::string_view key) const {
  const json::Value* v = get(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return wrong_type(key, *v, "a boolean or null");
  return std::optional<bool>(v->as_bool());
}

Result<std::string> Fields::string(std::string_view key, bool required, std::string def) const {
  const json::Value* v = get(key);
  if (v == nullptr) {
    if (required) return corrupt(at(where_, path_of(key)) + " is missing");
    return def;
  }
  if (!v->is_string()) return wrong_type(key, *v, "a string");
  return v->str();
}

Result<int64_t> Fields::integer(std::string_view key, int64_t lo, int64_t hi, bool required,
                                int64_t def) const {
  const json::Value* v = get(key);
  if (v == nullptr) {
    if (required) return corrupt(at(where_, path_of(key)) + " is missing");
    return def;
  }
  int64_t x = 0;
  if (!v->is_integer()) return wrong_type(key, *v, "an integer");
  if (!v->get_int(lo, hi, &x)) {
    return error(key,
                 "value out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  }
  return x;
}

Result<AddedToken> parse_added_token(const std::string& where, const json::Value& v,
                                     const std::string& path, int64_t id_from_key) {
  SLIM_TRY(expect_type(where, path, v, json::Type::kObject));
  const Fields f(where, v, path);
  AddedToken t;
  t.where = where;
  t.path = path;
  if (id_from_key >= 0) {
    t.id = id_from_key;
  } else {
    SLIM_ASSIGN_OR_RETURN(t.id, f.integer("id", 0, kMaxTokens - 1, true));
  }
  SLIM_ASSIGN_OR_RETURN(t.content, f.string("content", true));
  if (t.content.empty()) return f.error("content", "is empty");
  SLIM_ASSIGN_OR_RETURN(t.special, f.boolean("special", false));
  SLIM_ASSIGN_OR_RETURN(t.lstrip, f.boolean("lstrip", false));
  SLIM_ASSIGN_OR_RETURN(t.rstrip, f.boolean("rstrip", false));
  SLIM_ASSIGN_OR_RETURN(t.single_word, f.boolean("single_word", false));
  SLIM_ASSIGN_OR_RETURN(t.normalized, f.boolean("normalized", !t.special));
  return t;
}

namespace {

// A special token setting: "text", {"content": "text", ...} or null.
Status config_token(const Fields& f, std::string_view key, std::optional<std::string>* out) {
  const json::Value* v = f.get(key);
  if (v == nullptr) return Status::ok();
  if (v->is_string()) {
    *out = v->str();
    return Status::ok();
  }
  if (v->is_object()) {
    const Fields sub(f.where(), *v, f.path_of(key));
    SLIM_ASSIGN_OR_RETURN(std::string content, sub.string("content", true));
    *out = std::move(content);
    return Status::ok();
  }
  return f.wrong_type(key, *v, "a string, an object with \"content\", or null");
}

}  // namespace

Result<HfConfig> parse_config(const HfConfigText& config) {
  HfConfig c;
  c.where = config.where;
  if (config.text.empty()) return c;
  json::Limits limits;
  limits.max_bytes = kMaxHfFileBytes;
  SLIM_ASSIGN_OR_RETURN(json::Value doc, json::parse(config.text, config.where, limits));
  SLIM_TRY(expect_type(config.where, "", doc, json::Type::kObject));
  c.present = true;
  const Fields f(c.where, doc, "");
  SLIM_TRY(config_token(f, "bos_token", &c.bos));
  SLIM_TRY(config_token(f, "eos_token", &c.eos));
  SLIM_TRY(config_token(f, "unk_token", &c.unk));
  SLIM_TRY(config_token(f, "pad_token", &c.pad));
  SLIM_TRY(config_token(f, "cls_token", &c.cls));
  SLIM_TRY(config_token(f, "sep_token", &c.sep));
  SLIM_TRY(config_token(f, "mask_token", &c.mask));
  SLIM_ASSIGN_OR_RETURN(c.add_bos, f.opt_boolean("add_bos_token"));
  SLIM_ASSIGN_OR_RETURN(c.add_eos, f.opt_boolean("add_eos_token"));
  SLIM_ASSIGN_OR_RETURN(c.add_prefix_space, f.opt_boolean("add_prefix_space"));
  SLIM_ASSIGN_OR_RETURN(c.do_lower_case, f.opt_boolean("do_lower_case"));
  SLIM_ASSIGN_OR_RETURN(c.strip_accents, f.opt_boolean("strip_accents"));
  SLIM_ASSIGN_OR_RETURN(c.tokenize_chinese_chars, f.opt_boolean("tokenize_chinese_chars"));
  SLIM_ASSIGN_OR_RETURN(const json::Value* dec, f.object("added_tokens_decoder", false));
  if (dec != nullptr) {
    const std::string path = "added_tokens_decoder";
    for (size_t i = 0; i < dec->size(); ++i) {
      const std::string& key = dec->key(i);
      const std::string item_path = json::member_path(path, key);
      int64_t id = 0;
      bool digits = !key.empty() && key.size() <= 9;
      for (const char ch : key) {
        digits = digits && ch >= '0' && ch <= '9';
        if (digits) id = id * 10 + (ch - '0');
      }
      if (!digits || id >= kMaxTokens) {
        return corrupt(at(c.where, path) + ": key " + json::quote(key) + " is not a token id");
      }
      SLIM_ASSIGN_OR_RETURN(AddedToken t, parse_added_token(c.where, dec->at(i), item_path, id));
      c.added.push_back(std::move(t));
    }
  }
  return c;
}

Result<std::vector<VocabEntry>> parse_vocab_object(const std::string& where,
                                                   const std::string& path,
                                                   const json::Value& obj) {
  SLIM_TRY(expect_type(where, path, obj, json::Type::kObject));
  if (obj.size() == 0) return corrupt(at(where, path) + " is empty");
  if (obj.size() > static_cast<size_t>(kMaxTokens)) {
    return corrupt(at(where, path) + " has " + std::to_string(obj.size()) +
                   " entries, more than the limit of " + std::to_string(kMaxTokens));
  }
  std::vector<VocabEntry> out;
  out.reserve(obj.size());
  for (size_t i = 0; i < obj.size(); ++i) {
    const json::Value& v = obj.at(i);
    int64_t id = 0;
    if (!v.is_integer()) {
      return corrupt(at(where, path) + ": the id of token " + json::quote(obj.key(i)) + " is " +
                     (v.is_number() ? "not an integer" : std::string("a ") + v.type_name()) +
                     ", expected an integer");
    }
    if (!v.get_int(0, kMaxTokens - 1, &id)) {
      return corrupt(at(where, path) + ": the id of token " + json::quote(obj.key(i)) +
                     " is out of range 0.." + std::to_string(kMaxTokens - 1));
    }
    if (obj.key(i).empty()) {
      return corrupt(at(where, path) + ": token id " + std::to_string(id) + " has an empty text");
    }
    out.push_back({obj.key(i), id});
  }
  return out;
}

Result<TokenTable> build_token_table(const std::string& where, const std::string& vocab_path,
                                     const std::vector<VocabEntry>& vocab,
                                     const std::vector<AddedToken>& added) {
  // Every id must be below the number of distinct tokens, so this bounds all allocations.
  const size_t upper = vocab.size() + added.size();
  std::vector<int32_t> owner(upper, -1);  // slot -> index into vocab (>= 0) or -2 (added)
  TokenTable t;
  t.texts.assign(upper, std::string());
  t.types.assign(upper, TokenType::kNormal);
  t.index.reserve(upper);
  const std::string vp = at(where, vocab_path);
  for (size_t i = 0; i < vocab.size(); ++i) {
    const VocabEntry& e = vocab[i];
    if (e.id < 0 || static_cast<size_t>(e.id) >= upper) {
      return corrupt(vp + ": token " + json::quote(e.text) + " has id " + std::to_string(e.id) +
                     ", but there are only " + std::to_string(upper) +
                     " tokens (ids must be 0..N-1)");
    }
    const auto id = static_cast<size_t>(e.id);
    if (owner[id] >= 0) {
      return corrupt(vp + ": tokens " + json::quote(vocab[static_cast<size_t>(owner[id])].text) +
                     " and " + json::quote(e.text) + " both have id " + std::to_string(id));
    }
    owner[id] = static_cast<int32_t>(i);
    t.texts[id] = std::string(e.text);
    const auto [it, inserted] = t.index.emplace(t.texts[id], static_cast<int32_t>(id));
    if (!inserted) {
      return corrupt(vp + ": duplicate token " + json::quote(e.text) + " (ids " +
                     std::to_string(it->second) + " and " + std::to_string(id) + ")");
    }
  }
  for (const AddedToken& a : added) {
    const std::string ap = at(a.where, a.path);
    // The vocab as named from the added token's file: its field, or the other file.
    const std::string vname = a.where == where && !vocab_path.empty() ? vocab_path : vp;
    if (a.single_word) {
      return unsupported(ap + ": single_word added tokens (" + json::quote(a.content) +
                         ") are not supported");
    }
    if (a.id < 0 || static_cast<size_t>(a.id) >= upper) {
      return corrupt(ap + ": id " + std::to_string(a.id) + " of " + json::quote(a.content) +
                     " is out of range: there are only " + std::to_string(upper) + " tokens");
    }
    const auto id = static_cast<size_t>(a.id);
    const auto known = t.index.find(std::string_view(a.content));
    if (known != t.index.end() && static_cast<size_t>(known->second) != id) {
      return corrupt(ap + ": " + json::quote(a.content) + " has id " + std::to_string(id) +
                     " here but id " + std::to_string(known->second) +
                     (owner[static_cast<size_t>(known->second)] >= 0 ? " in " + vname
                                                                     : " in an earlier entry"));
    }
    if (owner[id] == -2) {
      return corrupt(ap + ": " + json::quote(a.content) + " (id " + std::to_string(id) +
                     ") is listed twice");
    }
    if (owner[id] >= 0 && t.texts[id] != a.content) {
      return corrupt(ap + ": id " + std::to_string(id) + " is " + json::quote(t.texts[id]) +
                     " in " + vname + ", not " + json::quote(a.content));
    }
    if (owner[id] == -1) {
      t.texts[id] = a.content;
      t.index.emplace(a.content, static_cast<int32_t>(id));
    }
    owner[id] = -2;
    t.types[id] = a.special ? TokenType::kControl : TokenType::kUserDefined;
    if (a.lstrip) t.lstrip_ids.push_back(static_cast<int32_t>(id));
    if (a.rstrip) t.rstrip_ids.push_back(static_cast<int32_t>(id));
  }
  // Dense ids: the table ends at the last used slot and has no holes.
  size_t n = upper;
  while (n > 0 && owner[n - 1] == -1) --n;
  for (size_t id = 0; id < n; ++id) {
    if (owner[id] == -1) {
      return corrupt(where + ": no token has id " + std::to_string(id) +
                     " (ids must be contiguous; the largest is " + std::to_string(n - 1) + ")");
    }
  }
  t.texts.resize(n);
  t.types.resize(n);
  return t;
}

int32_t find_or_none(const TokenTable& t, const std::optional<std::string>& text) {
  if (!text.has_value()) return -1;
  return t.find(*text);
}

Status check_utf8(const std::string& where, const std::string& what, std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  for (size_t i = 0; i < text.size();) {
    const utf8::SeqInfo info = utf8::inspect(p + i, text.size() - i);
    if (!info.valid) {
      return corrupt(at(where, what) + ": invalid UTF-8 at byte " + std::to_string(i));
    }
    i += info.len;
  }
  return Status::ok();
}

}  // namespace slim::tok::hf
