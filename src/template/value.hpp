// Values of the Jinja-subset template engine: Python semantics as Jinja2 exposes them
// (undefined, none, bool, int, float, str, list, dict with string keys in insertion order,
// callables and namespace objects).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "slim/status.hpp"

namespace slim::tmpl {

struct Value;
struct Node;

class Dict;

// A callable: a built-in global, a method bound to a receiver, or a template macro.
struct Function {
  enum class Type { kGlobal, kMethod, kMacro };
  Type type = Type::kGlobal;
  std::string name;
  std::shared_ptr<const Value> receiver;  // kMethod
  const Node* macro = nullptr;            // kMacro
};

struct Value {
  enum class Kind {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kDict,
    kFunction,
    kNamespace
  };
  Kind kind = Kind::kUndefined;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string s;  // string value, or the name of an undefined variable (for messages)
  std::shared_ptr<const std::vector<Value>> list;
  std::shared_ptr<Dict> dict;  // kDict (never mutated once built) and kNamespace (mutable)
  std::shared_ptr<const Function> fn;
  // Work to print, compare or serialise this value: 1 per node plus 1 per 16 string bytes
  // (saturating). The evaluator bounds it, so repr/==/tojson stay cheap on hostile input.
  size_t weight = 1;
  bool tuple = false;  // a list that Python would hold as a tuple (repr "(a, b)", != lists)

  static Value undefined(std::string name = {});
  static Value none();
  static Value boolean(bool v);
  static Value integer(int64_t v);
  static Value number(double v);
  static Value string(std::string v);
  static Value make_list(std::vector<Value> items);
  static Value make_tuple(std::vector<Value> items);
  static Value make_dict(Dict d);
  static Value make_namespace(Dict d);
  static Value function(Function f);

  bool is_undefined() const { return kind == Kind::kUndefined; }
  bool is_none() const { return kind == Kind::kNone; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_list() const { return kind == Kind::kList; }
  bool is_dict() const { return kind == Kind::kDict; }
  bool is_number() const {
    return kind == Kind::kBool || kind == Kind::kInt || kind == Kind::kFloat;
  }
  bool is_integral() const { return kind == Kind::kBool || kind == Kind::kInt; }
  double as_double() const {
    return kind == Kind::kFloat ? f : static_cast<double>(kind == Kind::kBool ? b : i);
  }
  int64_t as_int() const { return kind == Kind::kBool ? (b ? 1 : 0) : i; }
  const std::vector<Value>& items() const;  // list items (empty for non-lists)
};

// Insertion-ordered string-keyed map (Python dict restricted to str keys).
class Dict {
 public:
  const Value* find(std::string_view key) const;
  void set(const std::string& key, Value v);
  size_t size() const { return items_.size(); }
  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, Value>> items_;
  std::unordered_map<std::string, size_t> index_;
};

// Python truthiness (undefined is false).
bool truthy(const Value& v);
// Python ==.
bool equals(const Value& a, const Value& b);
// Python <: -1/0/1, or an error for unorderable types.
Result<int> compare(const Value& a, const Value& b);
// str(v) as Jinja prints it (undefined -> "", none -> "None", floats as repr).
std::string to_str(const Value& v);
// repr(v): strings quoted the way Python quotes them.
std::string to_repr(const Value& v);
// Python whitespace (str.isspace) for one code point.
bool is_py_space(uint32_t cp);
// Decodes the UTF-8 code point at s[k] and advances k (an invalid byte is returned as is).
uint32_t next_code_point(std::string_view s, size_t& k);
// Python's float repr (shortest round-trip; "1.0", "1e-05", "inf").
std::string float_repr(double d);
// json.dumps(v, ensure_ascii=False, indent=indent, sort_keys=sort_keys); indent < 0 = none.
Result<std::string> to_json(const Value& v, int indent, bool sort_keys, size_t max_bytes);
const char* kind_name(const Value& v);

}  // namespace slim::tmpl
