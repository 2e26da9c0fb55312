// A read-only JSON document model for outside input (tokenizer.json, vocab.json, config files).
//
// Parsing is done by nlohmann-json's SAX parser (src/core/json.cpp is the only file that
// includes nlohmann) with exceptions disabled and limits on size, nesting depth and value count
// checked while parsing, before anything is allocated for the offending part. Errors are
// Status values whose message names the input and, for syntax errors, the byte position.
// Strings are always valid UTF-8 (the parser rejects anything else, escaped lone surrogates
// included).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim::json {

enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// "null", "boolean", "number", "string", "array", "object" (for error messages).
const char* type_name(Type t);

class Value {
 public:
  Value() = default;
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;

  Type type() const { return type_; }
  const char* type_name() const { return json::type_name(type_); }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // false unless a boolean.
  bool as_bool() const { return type_ == Type::kBool && b_; }
  // A number written without fraction or exponent, in [lo, hi]: true and the value.
  bool get_int(int64_t lo, int64_t hi, int64_t* out) const;
  bool is_integer() const { return type_ == Type::kNumber && num_ != NumKind::kFloat; }
  // Any number as a double (0 if not a number).
  double as_double() const;
  // The text of a string (empty if not a string).
  const std::string& str() const { return s_; }

  // Array elements or object members (0 for scalars).
  size_t size() const { return items_.size(); }
  // Element i of an array, or the value of member i of an object (i < size()).
  const Value& at(size_t i) const { return items_[i]; }
  // The key of member i of an object (i < size()), in document order.
  const std::string& key(size_t i) const { return keys_[i]; }
  // The value of member `k` of an object, or nullptr (also for non-objects).
  const Value* find(std::string_view k) const;

 private:
  friend class Builder;
  enum class NumKind : uint8_t { kFloat, kSigned, kUnsigned };

  Type type_ = Type::kNull;
  NumKind num_ = NumKind::kFloat;
  bool b_ = false;
  union {
    int64_t i;
    uint64_t u;
    double d;
  } n_{};
  std::string s_;
  std::vector<std::string> keys_;  // objects: one per member
  std::vector<Value> items_;       // arrays: elements; objects: member values
};

struct Limits {
  size_t max_bytes = size_t{64} << 20;  // of the text
  size_t max_depth = 64;                // nested arrays/objects
  // Every value, containers and scalars alike (~100 bytes each once parsed): 4M is ample for
  // the largest real tokenizer.json (a 262k vocab with 262k merges is ~1.1M values).
  size_t max_values = size_t{1} << 22;
  bool allow_duplicate_keys = false;  // an object naming a key twice is an error by default
};

// Parses a complete JSON text (one value, optional whitespace and UTF-8 BOM around it).
// `what` names the input in messages ("tokenizer.json", "/path/to/vocab.json").
// Errors: corrupt_file for malformed text, a limit exceeded, or a duplicate key.
Result<Value> parse(std::string_view text, std::string_view what, const Limits& limits = {});

// "model.vocab" style path helpers for loaders' error messages.
std::string member_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, size_t index);

// Printable, bounded rendering of outside text for messages: quotes, control and non-ASCII
// bytes outside valid UTF-8 shown as \xNN, cut after `max_chars` bytes with "...".
std::string quote(std::string_view s, size_t max_chars = 48);

}  // namespace slim::json
