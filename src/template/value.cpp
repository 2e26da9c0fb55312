// Python semantics of template values: truthiness, equality, ordering, str/repr, json.dumps.
#include "template/value.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace slim::tmpl {

const Value* Dict::find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

void Dict::set(const std::string& key, Value v) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    items_[it->second].second = std::move(v);
    return;
  }
  index_.emplace(key, items_.size());
  items_.emplace_back(key, std::move(v));
}

Value Value::undefined(std::string name) {
  Value v;
  v.s = std::move(name);
  return v;
}
Value Value::none() {
  Value v;
  v.kind = Kind::kNone;
  return v;
}
Value Value::boolean(bool x) {
  Value v;
  v.kind = Kind::kBool;
  v.b = x;
  return v;
}
Value Value::integer(int64_t x) {
  Value v;
  v.kind = Kind::kInt;
  v.i = x;
  return v;
}
Value Value::number(double x) {
  Value v;
  v.kind = Kind::kFloat;
  v.f = x;
  return v;
}
Value Value::string(std::string x) {
  Value v;
  v.kind = Kind::kString;
  v.weight = 1 + x.size() / 16;
  v.s = std::move(x);
  return v;
}
Value Value::make_list(std::vector<Value> items) {
  Value v;
  v.kind = Kind::kList;
  size_t w = 1;
  for (const auto& x : items) w = std::min<size_t>(w + x.weight, SIZE_MAX / 2);
  v.weight = w;
  v.list = std::make_shared<const std::vector<Value>>(std::move(items));
  return v;
}
Value Value::make_tuple(std::vector<Value> items) {
  Value v = make_list(std::move(items));
  v.tuple = true;
  return v;
}

Value Value::make_dict(Dict d) {
  Value v;
  v.kind = Kind::kDict;
  size_t w = 1;
  for (const auto& [key, x] : d.items()) w = std::min<size_t>(w + x.weight, SIZE_MAX / 2);
  v.weight = w;
  v.dict = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::make_namespace(Dict d) {
  Value v;
  v.kind = Kind::kNamespace;
  v.dict = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::function(Function f) {
  Value v;
  v.kind = Kind::kFunction;
  v.fn = std::make_shared<const Function>(std::move(f));
  return v;
}

const std::vector<Value>& Value::items() const {
  static const std::vector<Value> kEmpty;
  return list ? *list : kEmpty;
}

const char* kind_name(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kUndefined:
      return "undefined";
    case Value::Kind::kNone:
      return "none";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "str";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kFunction:
      return "function";
    case Value::Kind::kNamespace:
      return "namespace";
  }
  return "?";
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return false;
    case Value::Kind::kBool:
      return v.b;
    case Value::Kind::kInt:
      return v.i != 0;
    case Value::Kind::kFloat:
      return v.f != 0.0;
    case Value::Kind::kString:
      return !v.s.empty();
    case Value::Kind::kList:
      return !v.items().empty();
    case Value::Kind::kDict:
      return v.dict && v.dict->size() != 0;
    case Value::Kind::kFunction:
    case Value::Kind::kNamespace:
      return true;
  }
  return false;
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.s == b.s;
    case Value::Kind::kList: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (a.tuple != b.tuple || x.size() != y.size()) return false;
      for (size_t k = 0; k < x.size(); ++k)
        if (!equals(x[k], y[k])) return false;
      return true;
    }
    case Value::Kind::kDict: {
      if (a.dict->size() != b.dict->size()) return false;
      for (const auto& [key, val] : a.dict->items()) {
        const Value* other = b.dict->find(key);
        if (!other || !equals(val, *other)) return false;
      }
      return true;
    }
    case Value::Kind::kFunction:
      return a.fn == b.fn;
    case Value::Kind::kNamespace:
      return a.dict == b.dict;
    default:
      return false;
  }
}

Result<int> compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) {
      int64_t x = a.as_int(), y = b.as_int();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    double x = a.as_double(), y = b.as_double();
    return x < y ? -1 : (x > y ? 1 : 0);  // NaN compares as equal-ish: neither < nor >
  }
  if (a.is_string() && b.is_string()) {
    int c = a.s.compare(b.s);  // UTF-8 byte order == code point order
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
      if (equals(x[k], y[k])) continue;
      return compare(x[k], y[k]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return invalid_argument(std::string("'<' not supported between instances of '") + kind_name(a) +
                          "' and '" + kind_name(b) + "'");
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0.0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest digits that round-trip, in %e form: "d.ddde±XX".
  char buf[64];
  for (int prec = 0; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string e(buf);
  bool neg = e[0] == '-';
  if (neg) e.erase(0, 1);
  size_t epos = e.find('e');
  int exp10 = std::atoi(e.c_str() + epos + 1);
  std::string digits;
  for (size_t k = 0; k < epos; ++k)
    if (e[k] != '.') digits += e[k];
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int decpt = exp10 + 1;  // digits d1 d2 ... with the point after decpt digits
  std::string out;
  if (decpt <= -4 || decpt > 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += eb;
  } else if (decpt <= 0) {
    out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
  } else {
    out = digits.substr(0, static_cast<size_t>(decpt)) + "." +
          digits.substr(static_cast<size_t>(decpt));
  }
  return neg ? "-" + out : out;
}

uint32_t next_code_point(std::string_view s, size_t& k) {
  auto c = static_cast<unsigned char>(s[k]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (k + static_cast<size_t>(len) > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (int j = 1; j < len; ++j)
    cp = (cp << 6) | (static_cast<unsigned char>(s[k + static_cast<size_t>(j)]) & 0x3Fu);
  k += static_cast<size_t>(len);
  return cp;
}

bool is_py_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

namespace {

bool py_printable(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp >= 0x80 && cp < 0xA0) return false;
  if (cp == 0xAD) return false;
  if (cp >= 0x2028 && cp <= 0x2029) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  return true;
}

void append_repr_string(std::string& out, const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char q = (has_single && !has_double) ? '"' : '\'';
  out += q;
  size_t k = 0;
  while (k < s.size()) {
    size_t start = k;
    uint32_t cp = next_code_point(s, k);
    if (cp == static_cast<uint32_t>(q) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (!py_printable(cp)) {
      char b[16];
      if (cp < 0x100)
        std::snprintf(b, sizeof b, "\\x%02x", cp);
      else
        std::snprintf(b, sizeof b, "\\u%04x", cp);
      out += b;
    } else {
      out.append(s, start, k - start);
    }
  }
  out += q;
}

void append_repr(std::string& out, const Value& v, bool top, size_t limit) {
  switch (v.kind) {
    case Value::Kind::kString:
      if (top)
        out += v.s;
      else
        append_repr_string(out, v.s);
      return;
    case Value::Kind::kList: {
      out += v.tuple ? '(' : '[';
      bool first = true;
      for (const auto& x : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, x, false, limit);
        if (out.size() > limit) return;
      }
      if (v.tuple && v.items().size() == 1) out += ',';
      out += v.tuple ? ')' : ']';
      return;
    }
    case Value::Kind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, val] : v.dict->items()) {
        if (!first) out += ", ";
        first = false;
        append_repr_string(out, key);
        out += ": ";
        append_repr(out, val, false, limit);
        if (out.size() > limit) return;
      }
      out += '}';
      return;
    }
    case Value::Kind::kUndefined:
      return;
    case Value::Kind::kNone:
      out += "None";
      return;
    case Value::Kind::kBool:
      out += v.b ? "True" : "False";
      return;
    case Value::Kind::kInt:
      out += std::to_string(v.i);
      return;
    case Value::Kind::kFloat:
      out += float_repr(v.f);
      return;
    case Value::Kind::kFunction:
      out += "<function " + v.fn->name + ">";
      return;
    case Value::Kind::kNamespace:
      out += "<Namespace>";
      return;
  }
}

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

Status append_json(std::string& out, const Value& v, int indent, bool sort_keys, int depth,
                   size_t max_bytes) {
  if (out.size() > max_bytes) return invalid_argument("tojson: output too large");
  if (depth > 200) return invalid_argument("tojson: nesting too deep");
  auto newline = [&](int d) {
    out += '\n';
    out.append(static_cast<size_t>(indent) * static_cast<size_t>(d), ' ');
  };
  switch (v.kind) {
    case Value::Kind::kNone:
      out += "null";
      return Status::ok();
    case Value::Kind::kBool:
      out += v.b ? "true" : "false";
      return Status::ok();
    case Value::Kind::kInt:
      out += std::to_string(v.i);
      return Status::ok();
    case Value::Kind::kFloat:
      if (std::isnan(v.f))
        out += "NaN";
      else if (std::isinf(v.f))
        out += v.f < 0 ? "-Infinity" : "Infinity";
      else
        out += float_repr(v.f);
      return Status::ok();
    case Value::Kind::kString:
      append_json_string(out, v.s);
      return Status::ok();
    case Value::Kind::kList: {
      const auto& xs = v.items();
      if (xs.empty()) {
        out += "[]";
        return Status::ok();
      }
      out += '[';
      for (size_t k = 0; k < xs.size(); ++k) {
        if (k) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline(depth + 1);
        SLIM_TRY(append_json(out, xs[k], indent, sort_keys, depth + 1, max_bytes));
      }
      if (indent >= 0) newline(depth);
      out += ']';
      return Status::ok();
    }
    case Value::Kind::kDict: {
      if (v.dict->size() == 0) {
        out += "{}";
        return Status::ok();
      }
      std::vector<const std::pair<std::string, Value>*> entries;
      for (const auto& e : v.dict->items()) entries.push_back(&e);
      if (sort_keys)
        std::stable_sort(entries.begin(), entries.end(),
                         [](auto* x, auto* y) { return x->first < y->first; });
      out += '{';
      for (size_t k = 0; k < entries.size(); ++k) {
        if (k) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline(depth + 1);
        append_json_string(out, entries[k]->first);
        out += ": ";
        SLIM_TRY(append_json(out, entries[k]->second, indent, sort_keys, depth + 1, max_bytes));
      }
      if (indent >= 0) newline(depth);
      out += '}';
      return Status::ok();
    }
    default:
      return invalid_argument(std::string("Object of type ") + kind_name(v) +
                              " is not JSON serializable");
  }
}

}  // namespace

std::string to_str(const Value& v) {
  std::string out;
  append_repr(out, v, true, SIZE_MAX);
  return out;
}

std::string to_repr(const Value& v) {
  std::string out;
  append_repr(out, v, false, SIZE_MAX);
  return out;
}

Result<std::string> to_json(const Value& v, int indent, bool sort_keys, size_t max_bytes) {
  std::string out;
  SLIM_TRY(append_json(out, v, indent, sort_keys, 0, max_bytes));
  if (out.size() > max_bytes) return invalid_argument("tojson: output too large");
  return out;
}

}  // namespace slim::tmpl
