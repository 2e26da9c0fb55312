// The only file that includes nlohmann-json: its SAX parser feeds a Builder that enforces
// the limits and builds slim::json::Value. Nothing here throws (exceptions are never enabled
// in the parser: a custom SAX handler reports errors through its return values).
#include "core/json.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace slim::json {

const char* type_name(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "?";
}

bool Value::get_int(int64_t lo, int64_t hi, int64_t* out) const {
  if (type_ != Type::kNumber) return false;
  if (num_ == NumKind::kSigned) {
    if (n_.i < lo || n_.i > hi) return false;
    *out = n_.i;
    return true;
  }
  if (num_ == NumKind::kUnsigned) {
    if (hi < 0 || n_.u > static_cast<uint64_t>(hi)) return false;
    const auto v = static_cast<int64_t>(n_.u);
    if (v < lo) return false;
    *out = v;
    return true;
  }
  return false;
}

double Value::as_double() const {
  if (type_ != Type::kNumber) return 0.0;
  switch (num_) {
    case NumKind::kSigned:
      return static_cast<double>(n_.i);
    case NumKind::kUnsigned:
      return static_cast<double>(n_.u);
    case NumKind::kFloat:
      return n_.d;
  }
  return 0.0;
}

const Value* Value::find(std::string_view k) const {
  if (type_ != Type::kObject) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == k) return &items_[i];
  }
  return nullptr;
}

std::string member_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

namespace {

// Length of the well-formed UTF-8 sequence at p (n bytes available), 0 if none starts there.
size_t utf8_len(const unsigned char* p, size_t n) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return 1;
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < need) return 0;
  for (size_t i = 1; i < need; ++i) {
    const unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
    if (p[i] < l || p[i] > h) return 0;
  }
  return need;
}

void append_hex(std::string& out, unsigned char c) {
  static const char* hex = "0123456789abcdef";
  out += "\\x";
  out += hex[c >> 4];
  out += hex[c & 15];
}

// Message text from outside input: control bytes and invalid UTF-8 become \xNN.
std::string printable(std::string_view s) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    const size_t len = utf8_len(p + i, s.size() - i);
    if (len == 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
      append_hex(out, p[i]);
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace

std::string quote(std::string_view s, size_t max_chars) {
  std::string out = "'";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size() && i < max_chars) {
    const size_t len = utf8_len(p + i, s.size() - i);
    if (len == 0 || (len == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
      append_hex(out, p[i]);
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  if (i < s.size()) out += "...";
  return out + "'";
}

// SAX handler building the Value tree. Containers under construction are on a stack of
// pointers; a child is appended to its parent before it is filled, and the parent does not
// grow again until the child is complete, so the pointers stay valid.
class Builder {
 public:
  using json_t = nlohmann::json;

  Builder(Value* root, const Limits& limits) : root_(root), limits_(limits) {}

  bool null() { return add(Type::kNull) != nullptr; }
  bool boolean(bool v) {
    Value* x = add(Type::kBool);
    if (x) x->b_ = v;
    return x != nullptr;
  }
  bool number_integer(json_t::number_integer_t v) {
    Value* x = add(Type::kNumber);
    if (x) {
      x->num_ = Value::NumKind::kSigned;
      x->n_.i = v;
    }
    return x != nullptr;
  }
  bool number_unsigned(json_t::number_unsigned_t v) {
    Value* x = add(Type::kNumber);
    if (x) {
      x->num_ = Value::NumKind::kUnsigned;
      x->n_.u = v;
    }
    return x != nullptr;
  }
  bool number_float(json_t::number_float_t v, const json_t::string_t& /*text*/) {
    Value* x = add(Type::kNumber);
    if (x) {
      x->num_ = Value::NumKind::kFloat;
      x->n_.d = v;
    }
    return x != nullptr;
  }
  bool string(json_t::string_t& v) {
    Value* x = add(Type::kString);
    if (x) x->s_ = std::move(v);
    return x != nullptr;
  }
  bool binary(json_t::binary_t& /*v*/) {  // not produced by the JSON text parser
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(std::size_t /*n*/) { return open(Type::kObject); }
  bool key(json_t::string_t& k) {
    Value* obj = stack_.back();
    obj->keys_.push_back(std::move(k));
    return true;
  }
  bool end_object() {
    Value* obj = stack_.back();
    if (!limits_.allow_duplicate_keys) {
      const std::string* dup = find_duplicate(obj->keys_);
      if (dup != nullptr) {
        error_ = "duplicate key " + quote(*dup) + " in " + path_of_open();
        return false;
      }
    }
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*n*/) { return open(Type::kArray); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    syntax_error_ = true;
    position_ = position > 0 ? position - 1 : 0;  // the count read -> the offending byte
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    std::string msg = ex.what();
    const size_t at = msg.find("parse error");
    if (at != std::string::npos) {
      const size_t colon = msg.find(": ", at);
      const std::string head =
          msg.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
      const size_t line = head.find(" at line ");
      where_ = line == std::string::npos ? std::string() : head.substr(line + 4);
      msg = colon == std::string::npos ? msg.substr(at) : msg.substr(colon + 2);
    }
    error_ = printable(msg);
    return false;
  }

  bool syntax_error() const { return syntax_error_; }
  size_t position() const { return position_; }
  const std::string& where() const { return where_; }  // "line L, column C" or ""
  const std::string& error() const { return error_; }
  bool depth_exceeded() const { return depth_exceeded_; }

 private:
  // The slot for a new value: the root, the next array element or the current member's value.
  Value* add(Type t) {
    if (++count_ > limits_.max_values) {
      error_ = "more than " + std::to_string(limits_.max_values) + " values";
      return nullptr;
    }
    Value* slot = nullptr;
    if (stack_.empty()) {
      slot = root_;
    } else {
      Value* parent = stack_.back();
      parent->items_.emplace_back();
      slot = &parent->items_.back();
    }
    slot->type_ = t;
    return slot;
  }
  bool open(Type t) {
    if (stack_.size() >= limits_.max_depth) {
      depth_exceeded_ = true;
      error_ = "nesting deeper than " + std::to_string(limits_.max_depth) + " levels";
      return false;
    }
    Value* v = add(t);
    if (v == nullptr) return false;
    stack_.push_back(v);
    return true;
  }
  static const std::string* find_duplicate(const std::vector<std::string>& keys) {
    const size_t n = keys.size();
    if (n < 2) return nullptr;
    if (n <= 16) {
      for (size_t i = 1; i < n; ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (keys[i] == keys[j]) return &keys[i];
        }
      }
      return nullptr;
    }
    std::vector<const std::string*> sorted(n);
    for (size_t i = 0; i < n; ++i) sorted[i] = &keys[i];
    std::sort(sorted.begin(), sorted.end(),
              [](const std::string* a, const std::string* b) { return *a < *b; });
    for (size_t i = 1; i < n; ++i) {
      if (*sorted[i] == *sorted[i - 1]) return sorted[i];
    }
    return nullptr;
  }
  // "the object at model.vocab" for the innermost open container.
  std::string path_of_open() const {
    std::string path;
    for (size_t d = 0; d + 1 < stack_.size(); ++d) {
      const Value* c = stack_[d];
      if (c->type_ == Type::kObject) {
        path = member_path(path, printable(c->keys_.empty() ? "" : c->keys_.back()));
      } else {
        path = index_path(path, c->items_.empty() ? 0 : c->items_.size() - 1);
      }
    }
    return path.empty() ? "the top-level object" : "the object at " + path;
  }

  Value* root_;
  const Limits& limits_;
  std::vector<Value*> stack_;
  size_t count_ = 0;
  bool syntax_error_ = false;
  bool depth_exceeded_ = false;
  size_t position_ = 0;
  std::string where_;
  std::string error_;
};

namespace {

// Byte offset of the bracket that opens nesting level max_depth + 1 (strings skipped).
size_t depth_error_offset(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return text.size();
}

}  // namespace

Result<Value> parse(std::string_view text, std::string_view what, const Limits& limits) {
  const std::string name(what);
  if (text.size() > limits.max_bytes) {
    return corrupt(name + ": " + std::to_string(text.size()) + " bytes is more than the " +
                   std::to_string(limits.max_bytes) + "-byte limit for JSON input");
  }
  if (text.empty()) return corrupt(name + ": empty input, expected a JSON value");
  // nlohmann's lexer takes a NUL byte for the end of the input (and would ignore what
  // follows); JSON text never holds a raw one.
  if (const void* nul = std::memchr(text.data(), 0, text.size())) {
    const auto at = static_cast<size_t>(static_cast<const char*>(nul) - text.data());
    return corrupt(name + ": invalid JSON at byte " + std::to_string(at) +
                   ": a NUL byte (JSON text cannot contain one)");
  }
  Value root;
  Builder b(&root, limits);
  const char* begin = text.data();
  const bool ok = nlohmann::json::sax_parse(begin, begin + text.size(), &b,
                                            nlohmann::json::input_format_t::json,
                                            /*strict=*/true, /*ignore_comments=*/false);
  if (ok) return root;
  if (b.syntax_error()) {
    std::string msg = name + ": invalid JSON at byte " + std::to_string(b.position());
    if (!b.where().empty()) msg += " (" + b.where() + ")";
    return corrupt(msg + ": " + b.error());
  }
  if (b.depth_exceeded()) {
    return corrupt(name + ": JSON " + b.error() + " (at byte " +
                   std::to_string(depth_error_offset(text, limits.max_depth)) + ")");
  }
  return corrupt(name + ": JSON " + b.error());
}

}  // namespace slim::json
