// Jinja2 filters and tests, the globals transformers adds (raise_exception, strftime_now), and
// the Python str/dict methods chat templates call. Semantics follow jinja2/filters.py,
// jinja2/tests.py and Python's str; every result is size-checked by the evaluator.
#include "template/builtins.hpp"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <functional>

namespace slim::tmpl {

using VK = Value::Kind;

std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t k = 0;
  while (k < s.size()) out.push_back(next_code_point(s, k));
  return out;
}

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | ((cp >> 18) & 0x07));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string from_code_points(const std::vector<uint32_t>& cps, size_t begin, size_t end) {
  std::string out;
  for (size_t k = begin; k < end && k < cps.size(); ++k) append_utf8(out, cps[k]);
  return out;
}

size_t code_point_count(std::string_view s) {
  size_t n = 0, k = 0;
  while (k < s.size()) {
    next_code_point(s, k);
    ++n;
  }
  return n;
}

namespace {

// ---- Python str helpers ----

std::string py_strip(const std::string& s, const Value* chars, bool left, bool right) {
  auto cps = code_points(s);
  std::vector<uint32_t> set;
  bool use_set = chars && !chars->is_none() && !chars->is_undefined();
  if (use_set) set = code_points(to_str(*chars));
  auto strip_it = [&](uint32_t c) {
    return use_set ? std::find(set.begin(), set.end(), c) != set.end() : is_py_space(c);
  };
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strip_it(cps[b])) ++b;
  if (right)
    while (e > b && strip_it(cps[e - 1])) --e;
  return from_code_points(cps, b, e);
}

enum class CaseOp { kUpper, kLower };

std::string icu_case(const std::string& s, CaseOp op) {
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    std::string r = s;
    for (char& c : r) {
      if (op == CaseOp::kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (op == CaseOp::kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return r;
  }
  UErrorCode err = U_ZERO_ERROR;
  int32_t n16 = 0;
  u_strFromUTF8WithSub(nullptr, 0, &n16, s.data(), static_cast<int32_t>(s.size()), 0xFFFD, nullptr,
                       &err);
  err = U_ZERO_ERROR;
  std::u16string src(static_cast<size_t>(n16), u'\0');
  u_strFromUTF8WithSub(reinterpret_cast<UChar*>(src.data()), n16, nullptr, s.data(),
                       static_cast<int32_t>(s.size()), 0xFFFD, nullptr, &err);
  if (U_FAILURE(err)) return s;
  std::u16string dst(src.size() * 3 + 4, u'\0');
  err = U_ZERO_ERROR;
  auto* d = reinterpret_cast<UChar*>(dst.data());
  const auto* sp = reinterpret_cast<const UChar*>(src.data());
  int32_t cap = static_cast<int32_t>(dst.size());
  int32_t len = op == CaseOp::kUpper ? u_strToUpper(d, cap, sp, n16, "", &err)
                                     : u_strToLower(d, cap, sp, n16, "", &err);
  if (U_FAILURE(err)) return s;
  int32_t n8 = 0;
  err = U_ZERO_ERROR;
  u_strToUTF8(nullptr, 0, &n8, d, len, &err);
  std::string out(static_cast<size_t>(n8), '\0');
  err = U_ZERO_ERROR;
  u_strToUTF8(out.data(), n8, nullptr, d, len, &err);
  return U_FAILURE(err) ? s : out;
}

bool is_cased(uint32_t c) {
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASED);
}

std::string py_title(const std::string& s) {
  std::string out;
  bool prev_cased = false;
  for (uint32_t c : code_points(s)) {
    std::string one;
    append_utf8(one, c);
    if (prev_cased)
      out += icu_case(one, CaseOp::kLower);
    else
      append_utf8(out, static_cast<uint32_t>(u_totitle(static_cast<UChar32>(c))));
    prev_cased = is_cased(c);
  }
  return out;
}

// jinja2's title filter: each piece between runs of [-\s({[<] gets its first character upper-cased
// and the rest lower-cased.
std::string jinja_title(const std::string& s) {
  auto cps = code_points(s);
  auto is_sep = [](uint32_t c) {
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || is_py_space(c);
  };
  std::string out;
  size_t k = 0;
  while (k < cps.size()) {
    size_t b = k;
    bool sep = is_sep(cps[k]);
    while (k < cps.size() && is_sep(cps[k]) == sep) ++k;
    if (sep) {
      out += from_code_points(cps, b, k);
    } else {
      out += icu_case(from_code_points(cps, b, b + 1), CaseOp::kUpper);
      out += icu_case(from_code_points(cps, b + 1, k), CaseOp::kLower);
    }
  }
  return out;
}

std::string py_capitalize(const std::string& s) {
  auto cps = code_points(s);
  if (cps.empty()) return s;
  std::string out;
  append_utf8(out, static_cast<uint32_t>(u_totitle(static_cast<UChar32>(cps[0]))));
  return out + icu_case(from_code_points(cps, 1, cps.size()), CaseOp::kLower);
}

std::string py_replace(const std::string& s, const std::string& old, const std::string& repl,
                       int64_t count, size_t max_bytes, bool& too_big) {
  std::string out;
  too_big = false;
  if (old.empty()) {
    auto cps = code_points(s);
    int64_t done = 0;
    for (size_t k = 0; k <= cps.size(); ++k) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (k < cps.size()) append_utf8(out, cps[k]);
      if (out.size() > max_bytes) {
        too_big = true;
        return {};
      }
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t f = s.find(old, pos);
    if (f == std::string::npos) break;
    out.append(s, pos, f - pos);
    out += repl;
    pos = f + old.size();
    ++done;
    if (out.size() > max_bytes) {
      too_big = true;
      return {};
    }
  }
  out.append(s, pos, std::string::npos);
  return out;
}

std::vector<Value> py_split(const std::string& s, const Value* sep, int64_t maxsplit,
                            bool& empty_sep) {
  std::vector<Value> out;
  empty_sep = false;
  if (!sep || sep->is_none() || sep->is_undefined()) {
    auto cps = code_points(s);
    size_t k = 0;
    int64_t splits = 0;
    while (true) {
      while (k < cps.size() && is_py_space(cps[k])) ++k;
      if (k >= cps.size()) break;
      if (maxsplit >= 0 && splits >= maxsplit) {
        size_t e = cps.size();
        while (e > k && is_py_space(cps[e - 1])) --e;
        out.push_back(Value::string(from_code_points(cps, k, e)));
        break;
      }
      size_t b = k;
      while (k < cps.size() && !is_py_space(cps[k])) ++k;
      out.push_back(Value::string(from_code_points(cps, b, k)));
      ++splits;
    }
    return out;
  }
  std::string sp = to_str(*sep);
  if (sp.empty()) {
    empty_sep = true;
    return out;
  }
  size_t pos = 0;
  int64_t splits = 0;
  while (maxsplit < 0 || splits < maxsplit) {
    size_t f = s.find(sp, pos);
    if (f == std::string::npos) break;
    out.push_back(Value::string(s.substr(pos, f - pos)));
    pos = f + sp.size();
    ++splits;
  }
  out.push_back(Value::string(s.substr(pos)));
  return out;
}

// Items of an iterable value (list items, dict keys, string characters; undefined is empty).
Result<std::vector<Value>> iterate(Evaluator& ev, const Node& at, const Value& v) {
  switch (v.kind) {
    case VK::kList:
      return v.items();
    case VK::kDict: {
      std::vector<Value> keys;
      for (const auto& [k, x] : v.dict->items()) keys.push_back(Value::string(k));
      return keys;
    }
    case VK::kString: {
      auto cps = code_points(v.s);
      std::vector<Value> out;
      for (size_t k = 0; k < cps.size(); ++k)
        out.push_back(Value::string(from_code_points(cps, k, k + 1)));
      return out;
    }
    case VK::kUndefined:
      return std::vector<Value>{};
    default:
      return ev.fail(at, std::string("'") + kind_name(v) + "' object is not iterable");
  }
}

Result<int64_t> int_arg(Evaluator& ev, const Node& at, const Value& v, const char* what) {
  if (!v.is_integral()) return ev.fail(at, std::string(what) + " must be an integer");
  return v.as_int();
}

// Attribute path lookup as jinja's make_attrgetter: "a.b.0" via getitem, integer parts as ints.
Result<Value> attr_path(Evaluator& ev, const Node& at, const Value& item, const Value& attribute) {
  if (attribute.is_integral()) return ev.get_item(at, item, attribute);
  std::string path = to_str(attribute);
  Value cur = item;
  size_t b = 0;
  while (true) {
    size_t e = path.find('.', b);
    std::string part = path.substr(b, e == std::string::npos ? std::string::npos : e - b);
    Value key = Value::string(part);
    if (!part.empty() &&
        std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        part.size() < 18)
      key = Value::integer(std::strtoll(part.c_str(), nullptr, 10));
    SLIM_ASSIGN_OR_RETURN(cur, ev.get_item(at, cur, key));
    if (e == std::string::npos) return cur;
    b = e + 1;
  }
}

Args tail_args(const Args& a, size_t from) {
  Args t;
  for (size_t k = from; k < a.pos.size(); ++k) t.pos.push_back(a.pos[k]);
  t.kw = a.kw;
  return t;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<Value> sort_values(Evaluator& ev, const Node& at, std::vector<Value> items, bool reverse,
                          bool case_sensitive, const Value* attribute) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& x : items) {
    Value key = x;
    if (attribute && !attribute->is_none() && !attribute->is_undefined()) {
      SLIM_ASSIGN_OR_RETURN(key, attr_path(ev, at, x, *attribute));
    }
    if (!case_sensitive && key.is_string()) key = Value::string(icu_case(key.s, CaseOp::kLower));
    keyed.emplace_back(std::move(key), std::move(x));
  }
  SLIM_TRY(ev.step(at, keyed.size() * 16));
  Status err = Status::ok();
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    auto c = reverse ? compare(y.first, x.first) : compare(x.first, y.first);
    if (!c.is_ok()) {
      if (err.is_ok()) err = c.status();
      return false;
    }
    return *c < 0;
  });
  if (!err.is_ok()) return ev.fail(at, err.message());
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::make_list(std::move(out));
}

}  // namespace

// ---- filters ----

Result<Value> apply_filter(Evaluator& ev, const Node& at, const std::string& name, const Value& v,
                           const Args& a) {
  const size_t max_bytes = ev.limits().max_output_bytes;
  SLIM_TRY(ev.step(at, v.weight));
  if (name == "trim") return Value::string(py_strip(to_str(v), a.get(0, "chars"), true, true));
  if (name == "upper") return Value::string(icu_case(to_str(v), CaseOp::kUpper));
  if (name == "lower") return Value::string(icu_case(to_str(v), CaseOp::kLower));
  if (name == "title") return Value::string(jinja_title(to_str(v)));
  if (name == "capitalize") return Value::string(py_capitalize(to_str(v)));
  if (name == "string" || name == "safe") return Value::string(to_str(v));
  if (name == "e" || name == "escape") return Value::string(html_escape(to_str(v)));
  if (name == "length" || name == "count") {
    switch (v.kind) {
      case VK::kList:
        return Value::integer(static_cast<int64_t>(v.items().size()));
      case VK::kDict:
        return Value::integer(static_cast<int64_t>(v.dict->size()));
      case VK::kString:
        return Value::integer(static_cast<int64_t>(code_point_count(v.s)));
      case VK::kUndefined:
        return Value::integer(0);
      default:
        return ev.fail(at, std::string("object of type '") + kind_name(v) + "' has no len()");
    }
  }
  if (name == "tojson") {
    Value indent = a.get_or(0, "indent", Value::none());
    int ind = -1;
    if (!indent.is_none()) {
      if (!indent.is_integral()) return ev.fail(at, "tojson: indent must be an integer");
      ind = static_cast<int>(std::clamp<int64_t>(indent.as_int(), 0, 64));
    }
    for (const auto& [k, x] : a.kw)
      if (k != "indent" && k != "sort_keys" && k != "ensure_ascii")
        return ev.fail(at, "tojson: unsupported argument '" + k + "'");
    bool sort_keys = truthy(a.get_or(1, "sort_keys", Value::boolean(false)));
    auto j = to_json(v, ind, sort_keys, max_bytes);
    if (!j.is_ok()) return ev.fail(at, j.status().message());
    return Value::string(std::move(*j));
  }
  if (name == "default" || name == "d") {
    Value def = a.get_or(0, "default_value", Value::string(""));
    bool boolean = truthy(a.get_or(1, "boolean", Value::boolean(false)));
    if (v.is_undefined() || (boolean && !truthy(v))) return def;
    return v;
  }
  if (name == "join") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    std::string sep = to_str(a.get_or(0, "d", Value::string("")));
    const Value* attribute = a.get(1, "attribute");
    std::string out;
    for (size_t k = 0; k < items.size(); ++k) {
      if (k) out += sep;
      if (attribute && !attribute->is_none()) {
        SLIM_ASSIGN_OR_RETURN(auto x, attr_path(ev, at, items[k], *attribute));
        out += to_str(x);
      } else {
        out += to_str(items[k]);
      }
      if (out.size() > max_bytes) return ev.fail(at, "join: result too large");
    }
    return Value::string(std::move(out));
  }
  if (name == "first" || name == "last") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    if (items.empty()) return Value::undefined();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "items") {
    if (v.is_undefined()) return Value::make_list({});
    if (!v.is_dict()) return ev.fail(at, "Can only get item pairs from a mapping.");
    std::vector<Value> out;
    for (const auto& [k, x] : v.dict->items())
      out.push_back(Value::make_tuple({Value::string(k), x}));
    return Value::make_list(std::move(out));
  }
  if (name == "replace") {
    const Value* old = a.get(0, "old");
    const Value* repl = a.get(1, "new");
    if (!old || !repl) return ev.fail(at, "replace: needs old and new");
    int64_t count = -1;
    if (const Value* c = a.get(2, "count"); c && !c->is_none()) {
      SLIM_ASSIGN_OR_RETURN(count, int_arg(ev, at, *c, "replace count"));
    }
    bool too_big = false;
    std::string r = py_replace(to_str(v), to_str(*old), to_str(*repl), count, max_bytes, too_big);
    if (too_big) return ev.fail(at, "replace: result too large");
    return Value::string(std::move(r));
  }
  if (name == "list") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    return Value::make_list(std::move(items));
  }
  if (name == "reverse") {
    if (v.is_string()) {
      auto cps = code_points(v.s);
      std::reverse(cps.begin(), cps.end());
      return Value::string(from_code_points(cps, 0, cps.size()));
    }
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    std::reverse(items.begin(), items.end());
    return Value::make_list(std::move(items));
  }
  if (name == "map") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    std::vector<Value> out;
    if (const Value* attribute = a.get(SIZE_MAX, "attribute")) {
      const Value* def = a.get(SIZE_MAX, "default");
      for (const auto& x : items) {
        SLIM_ASSIGN_OR_RETURN(auto y, attr_path(ev, at, x, *attribute));
        out.push_back(y.is_undefined() && def ? *def : y);
      }
    } else {
      if (a.pos.empty()) return ev.fail(at, "map: needs a filter name or attribute=");
      std::string filter = to_str(a.pos[0]);
      Args rest = tail_args(a, 1);
      for (const auto& x : items) {
        SLIM_ASSIGN_OR_RETURN(auto y, apply_filter(ev, at, filter, x, rest));
        out.push_back(std::move(y));
      }
    }
    return Value::make_list(std::move(out));
  }
  if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
    bool attr_mode = name == "selectattr" || name == "rejectattr";
    bool want = name == "select" || name == "selectattr";
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    size_t ti = 0;
    Value attribute;
    if (attr_mode) {
      if (a.pos.empty()) return ev.fail(at, name + ": needs an attribute name");
      attribute = a.pos[0];
      ti = 1;
    }
    std::string test = ti < a.pos.size() ? to_str(a.pos[ti]) : std::string();
    Args rest = tail_args(a, ti + 1);
    std::vector<Value> out;
    for (const auto& x : items) {
      Value subject = x;
      if (attr_mode) {
        SLIM_ASSIGN_OR_RETURN(subject, attr_path(ev, at, x, attribute));
      }
      bool r = false;
      if (test.empty()) {
        r = truthy(subject);
      } else {
        SLIM_ASSIGN_OR_RETURN(r, apply_test(ev, at, test, subject, rest));
      }
      if (r == want) out.push_back(x);
    }
    return Value::make_list(std::move(out));
  }
  if (name == "unique") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    bool case_sensitive = truthy(a.get_or(0, "case_sensitive", Value::boolean(false)));
    const Value* attribute = a.get(1, "attribute");
    std::vector<Value> out, keys;
    SLIM_TRY(ev.step(at, items.size() * items.size()));
    for (const auto& x : items) {
      Value key = x;
      if (attribute && !attribute->is_none()) {
        SLIM_ASSIGN_OR_RETURN(key, attr_path(ev, at, x, *attribute));
      }
      if (!case_sensitive && key.is_string()) key = Value::string(icu_case(key.s, CaseOp::kLower));
      bool seen = false;
      for (const auto& k : keys) seen = seen || equals(k, key);
      if (!seen) {
        keys.push_back(key);
        out.push_back(x);
      }
    }
    return Value::make_list(std::move(out));
  }
  if (name == "sort") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    return sort_values(
        ev, at, std::move(items), truthy(a.get_or(0, "reverse", Value::boolean(false))),
        truthy(a.get_or(1, "case_sensitive", Value::boolean(false))), a.get(2, "attribute"));
  }
  if (name == "min" || name == "max") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    if (items.empty()) return Value::undefined();
    SLIM_ASSIGN_OR_RETURN(
        auto sorted, sort_values(ev, at, std::move(items), false, false, a.get(1, "attribute")));
    return name == "min" ? sorted.items().front() : sorted.items().back();
  }
  if (name == "sum") {
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, v));
    const Value* attribute = a.get(0, "attribute");
    Value acc = a.get_or(1, "start", Value::integer(0));
    for (const auto& x : items) {
      Value y = x;
      if (attribute && !attribute->is_none()) {
        SLIM_ASSIGN_OR_RETURN(y, attr_path(ev, at, x, *attribute));
      }
      if (!acc.is_number() || !y.is_number()) return ev.fail(at, "sum: unsupported operand types");
      if (acc.is_integral() && y.is_integral()) {
        int64_t r = 0;
        if (__builtin_add_overflow(acc.as_int(), y.as_int(), &r))
          return ev.fail(at, "integer overflow");
        acc = Value::integer(r);
      } else {
        acc = Value::number(acc.as_double() + y.as_double());
      }
    }
    return acc;
  }
  if (name == "abs") {
    if (v.kind == VK::kFloat) return Value::number(std::fabs(v.f));
    if (v.is_integral()) {
      if (v.as_int() == INT64_MIN) return ev.fail(at, "integer overflow");
      return Value::integer(std::llabs(v.as_int()));
    }
    return ev.fail(at, std::string("bad operand type for abs(): '") + kind_name(v) + "'");
  }
  if (name == "int") {
    Value def = a.get_or(0, "default", Value::integer(0));
    if (v.is_integral()) return Value::integer(v.as_int());
    if (v.kind == VK::kFloat) {
      if (!std::isfinite(v.f) || std::fabs(v.f) >= 9.2e18) return def;
      return Value::integer(static_cast<int64_t>(v.f));
    }
    if (v.is_string()) {
      std::string s = py_strip(v.s, nullptr, true, true);
      char* end = nullptr;
      errno = 0;
      long long x = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && end && *end == '\0' && errno == 0) return Value::integer(x);
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && end && *end == '\0' && std::isfinite(d) && std::fabs(d) < 9.2e18)
        return Value::integer(static_cast<int64_t>(d));
    }
    return def;
  }
  if (name == "float") {
    Value def = a.get_or(0, "default", Value::number(0.0));
    if (v.is_number()) return Value::number(v.as_double());
    if (v.is_string()) {
      std::string s = py_strip(v.s, nullptr, true, true);
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && end && *end == '\0') return Value::number(d);
    }
    return def;
  }
  if (name == "indent") {
    Value width = a.get_or(0, "width", Value::integer(4));
    std::string ind;
    if (width.is_string()) {
      ind = width.s;
    } else {
      SLIM_ASSIGN_OR_RETURN(int64_t w, int_arg(ev, at, width, "indent width"));
      ind.assign(static_cast<size_t>(std::clamp<int64_t>(w, 0, 256)), ' ');
    }
    bool first = truthy(a.get_or(1, "first", Value::boolean(false)));
    bool blank = truthy(a.get_or(2, "blank", Value::boolean(false)));
    std::string s = to_str(v) + "\n";
    std::vector<std::string> lines;
    size_t b = 0;
    while (b < s.size()) {
      size_t e = s.find('\n', b);
      lines.push_back(s.substr(b, e - b));
      b = e + 1;
    }
    std::string out;
    for (size_t k = 0; k < lines.size(); ++k) {
      if (k) out += "\n";
      if (k > 0 && (blank || !lines[k].empty())) out += ind;
      out += lines[k];
      if (out.size() > max_bytes) return ev.fail(at, "indent: result too large");
    }
    if (first) out = ind + out;
    return Value::string(std::move(out));
  }
  return ev.fail(at, "no filter named '" + name + "'");
}

// ---- tests ----

Result<bool> apply_test(Evaluator& ev, const Node& at, const std::string& name, const Value& v,
                        const Args& a) {
  auto arg = [&]() -> Result<Value> {
    if (a.pos.empty()) return ev.fail(at, "test '" + name + "' needs an argument");
    return a.pos[0];
  };
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.kind == VK::kBool;
  if (name == "true") return v.kind == VK::kBool && v.b;
  if (name == "false") return v.kind == VK::kBool && !v.b;
  if (name == "integer") return v.kind == VK::kInt;
  if (name == "float") return v.kind == VK::kFloat;
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict();
  if (name == "iterable" || name == "sequence")
    return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined();
  if (name == "callable") return v.kind == VK::kFunction;
  if (name == "escaped") return false;
  if (name == "lower") return v.is_string() && icu_case(v.s, CaseOp::kLower) == v.s;
  if (name == "upper") return v.is_string() && icu_case(v.s, CaseOp::kUpper) == v.s;
  if (name == "odd" || name == "even") {
    if (!v.is_integral()) return ev.fail(at, "test '" + name + "' needs an integer");
    return (v.as_int() % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    SLIM_ASSIGN_OR_RETURN(auto d, arg());
    if (!v.is_integral() || !d.is_integral()) return ev.fail(at, "divisibleby needs integers");
    if (d.as_int() == 0) return ev.fail(at, "integer division or modulo by zero");
    if (d.as_int() == -1) return true;
    return v.as_int() % d.as_int() == 0;
  }
  if (name == "sameas") {
    SLIM_ASSIGN_OR_RETURN(auto o, arg());
    if (v.kind != o.kind) return false;
    if (v.is_none() || v.is_undefined()) return true;
    if (v.kind == VK::kBool) return v.b == o.b;
    if (v.is_list()) return v.list == o.list;
    if (v.is_dict() || v.kind == VK::kNamespace) return v.dict == o.dict;
    return equals(v, o);
  }
  if (name == "eq" || name == "equalto" || name == "==" || name == "ne" || name == "!=") {
    SLIM_ASSIGN_OR_RETURN(auto o, arg());
    SLIM_TRY(ev.step(at, std::min(v.weight, o.weight)));
    return equals(v, o) == (name != "ne" && name != "!=");
  }
  if (name == "lt" || name == "lessthan" || name == "<" || name == "le" || name == "<=" ||
      name == "gt" || name == "greaterthan" || name == ">" || name == "ge" || name == ">=") {
    SLIM_ASSIGN_OR_RETURN(auto o, arg());
    auto c = compare(v, o);
    if (!c.is_ok()) return ev.fail(at, c.status().message());
    if (name == "lt" || name == "lessthan" || name == "<") return *c < 0;
    if (name == "le" || name == "<=") return *c <= 0;
    if (name == "gt" || name == "greaterthan" || name == ">") return *c > 0;
    return *c >= 0;
  }
  if (name == "in") {
    SLIM_ASSIGN_OR_RETURN(auto seq, arg());
    SLIM_TRY(ev.step(at, seq.weight));
    if (seq.is_string()) {
      if (!v.is_string()) return ev.fail(at, "'in <string>' requires string as left operand");
      return seq.s.find(v.s) != std::string::npos;
    }
    if (seq.is_dict()) return v.is_string() && seq.dict->find(v.s) != nullptr;
    if (seq.is_list()) {
      for (const auto& x : seq.items())
        if (equals(v, x)) return true;
      return false;
    }
    if (seq.is_undefined()) return false;
    return ev.fail(at, std::string("argument of type '") + kind_name(seq) + "' is not iterable");
  }
  return ev.fail(at, "no test named '" + name + "'");
}

// ---- globals ----

Value global_function(const std::string& name) {
  if (name == "range" || name == "namespace" || name == "dict" || name == "raise_exception" ||
      name == "strftime_now") {
    Function f;
    f.type = Function::Type::kGlobal;
    f.name = name;
    return Value::function(std::move(f));
  }
  return Value::undefined(name);
}

Result<Value> call_global(Evaluator& ev, const Node& at, const std::string& name, const Args& a) {
  if (name == "raise_exception") {
    std::string msg = a.pos.empty() ? std::string() : to_str(a.pos[0]);
    return ev.fail(at, "raise_exception: " + msg);
  }
  if (name == "strftime_now") {
    if (a.pos.empty() || !a.pos[0].is_string())
      return ev.fail(at, "strftime_now needs a format string");
    const std::string& fmt = a.pos[0].s;
    if (fmt.size() > 256) return ev.fail(at, "strftime_now: format too long");
    std::time_t t = ev.now();
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[1024];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n =
        std::strftime(buf, sizeof buf, fmt.c_str(), &tm);  // the template's format, by design
#pragma GCC diagnostic pop
    return Value::string(std::string(buf, n));
  }
  if (name == "namespace" || name == "dict") {
    Dict d;
    for (const auto& p : a.pos) {
      if (!p.is_dict()) return ev.fail(at, name + "() positional argument must be a dict");
      for (const auto& [k, x] : p.dict->items()) d.set(k, x);
    }
    for (const auto& [k, x] : a.kw) d.set(k, x);
    if (name == "dict") return Value::make_dict(std::move(d));
    Value ns = Value::make_namespace(std::move(d));
    ev.track_namespace(ns);
    return ns;
  }
  if (name == "range") {
    if (a.pos.empty() || a.pos.size() > 3 || !a.kw.empty())
      return ev.fail(at, "range expects 1 to 3 integers");
    for (const auto& p : a.pos)
      if (!p.is_integral()) return ev.fail(at, "range arguments must be integers");
    int64_t start = 0, stop = 0, step = 1;
    if (a.pos.size() == 1) {
      stop = a.pos[0].as_int();
    } else {
      start = a.pos[0].as_int();
      stop = a.pos[1].as_int();
      if (a.pos.size() == 3) step = a.pos[2].as_int();
    }
    if (step == 0) return ev.fail(at, "range() arg 3 must not be zero");
    // Length without overflow (in long double; the limit is far below 2^53).
    long double span =
        step > 0 ? static_cast<long double>(stop) - start : static_cast<long double>(start) - stop;
    long double count = span <= 0 ? 0 : std::ceil(span / std::fabs(static_cast<long double>(step)));
    if (count > static_cast<long double>(ev.limits().max_value_weight))
      return ev.fail(at, "range too large");
    std::vector<Value> out;
    auto n = static_cast<int64_t>(count);
    SLIM_TRY(ev.step(at, static_cast<uint64_t>(n)));
    for (int64_t k = 0; k < n; ++k) out.push_back(Value::integer(start + k * step));
    return Value::make_list(std::move(out));
  }
  return ev.fail(at, "'" + name + "' is undefined");
}

// ---- methods ----

namespace {

const char* const kStrMethods[] = {"strip",    "lstrip",  "rstrip",  "split",   "startswith",
                                   "endswith", "upper",   "lower",   "title",   "capitalize",
                                   "replace",  "find",    "count",   "join",    "isdigit",
                                   "isalpha",  "isalnum", "isspace", "islower", "isupper"};
const char* const kDictMethods[] = {"items", "keys", "values", "get"};

}  // namespace

Value method_of(const Value& obj, const std::string& name) {
  bool ok = false;
  if (obj.is_string())
    for (const char* m : kStrMethods) ok = ok || name == m;
  if (obj.is_dict())
    for (const char* m : kDictMethods) ok = ok || name == m;
  if (!ok) return Value::undefined(name);
  Function f;
  f.type = Function::Type::kMethod;
  f.name = name;
  f.receiver = std::make_shared<const Value>(obj);
  return Value::function(std::move(f));
}

Result<Value> call_method(Evaluator& ev, const Node& at, const Value& obj, const std::string& name,
                          const Args& a) {
  SLIM_TRY(ev.step(at, obj.weight));
  if (obj.is_dict()) {
    if (name == "items") return apply_filter(ev, at, "items", obj, Args{});
    if (name == "keys") return apply_filter(ev, at, "list", obj, Args{});
    if (name == "values") {
      std::vector<Value> out;
      for (const auto& [k, x] : obj.dict->items()) out.push_back(x);
      return Value::make_list(std::move(out));
    }
    if (name == "get") {
      if (a.pos.empty()) return ev.fail(at, "get expected at least 1 argument");
      Value def = a.pos.size() > 1 ? a.pos[1] : Value::none();
      if (!a.pos[0].is_string()) return def;
      const Value* v = obj.dict->find(a.pos[0].s);
      return v ? *v : def;
    }
  }
  if (!obj.is_string()) return ev.fail(at, "no method '" + name + "'");
  const std::string& s = obj.s;
  if (name == "strip") return Value::string(py_strip(s, a.get(0, "chars"), true, true));
  if (name == "lstrip") return Value::string(py_strip(s, a.get(0, "chars"), true, false));
  if (name == "rstrip") return Value::string(py_strip(s, a.get(0, "chars"), false, true));
  if (name == "upper") return Value::string(icu_case(s, CaseOp::kUpper));
  if (name == "lower") return Value::string(icu_case(s, CaseOp::kLower));
  if (name == "title") return Value::string(py_title(s));
  if (name == "capitalize") return Value::string(py_capitalize(s));
  if (name == "split") {
    int64_t maxsplit = -1;
    if (const Value* m = a.get(1, "maxsplit")) {
      SLIM_ASSIGN_OR_RETURN(maxsplit, int_arg(ev, at, *m, "maxsplit"));
    }
    bool empty_sep = false;
    auto parts = py_split(s, a.get(0, "sep"), maxsplit, empty_sep);
    if (empty_sep) return ev.fail(at, "empty separator");
    return Value::make_list(std::move(parts));
  }
  if (name == "startswith" || name == "endswith") {
    if (a.pos.empty()) return ev.fail(at, name + " takes at least 1 argument");
    std::vector<Value> candidates =
        a.pos[0].is_list() ? a.pos[0].items() : std::vector<Value>{a.pos[0]};
    for (const auto& c : candidates) {
      if (!c.is_string()) return ev.fail(at, name + " first arg must be str or a tuple of str");
      bool hit = name == "startswith" ? s.compare(0, c.s.size(), c.s) == 0 && s.size() >= c.s.size()
                                      : s.size() >= c.s.size() &&
                                            s.compare(s.size() - c.s.size(), c.s.size(), c.s) == 0;
      if (hit) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "replace") {
    if (a.pos.size() < 2 || !a.pos[0].is_string() || !a.pos[1].is_string())
      return ev.fail(at, "replace expects two strings");
    int64_t count = -1;
    if (a.pos.size() > 2) {
      SLIM_ASSIGN_OR_RETURN(count, int_arg(ev, at, a.pos[2], "replace count"));
    }
    bool too_big = false;
    std::string r =
        py_replace(s, a.pos[0].s, a.pos[1].s, count, ev.limits().max_output_bytes, too_big);
    if (too_big) return ev.fail(at, "replace: result too large");
    return Value::string(std::move(r));
  }
  if (name == "find" || name == "count") {
    if (a.pos.empty() || !a.pos[0].is_string()) return ev.fail(at, name + " expects a string");
    const std::string& sub = a.pos[0].s;
    if (name == "find") {
      size_t f = s.find(sub);
      if (f == std::string::npos) return Value::integer(-1);
      return Value::integer(
          static_cast<int64_t>(code_point_count(std::string_view(s).substr(0, f))));
    }
    if (sub.empty()) return Value::integer(static_cast<int64_t>(code_point_count(s) + 1));
    int64_t n = 0;
    for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
    return Value::integer(n);
  }
  if (name == "join") {
    if (a.pos.empty()) return ev.fail(at, "join expects an iterable");
    SLIM_ASSIGN_OR_RETURN(auto items, iterate(ev, at, a.pos[0]));
    std::string out;
    for (size_t k = 0; k < items.size(); ++k) {
      if (!items[k].is_string())
        return ev.fail(at, "sequence item " + std::to_string(k) + ": expected str instance");
      if (k) out += s;
      out += items[k].s;
      if (out.size() > ev.limits().max_output_bytes) return ev.fail(at, "join: result too large");
    }
    return Value::string(std::move(out));
  }
  auto all_of = [&](const std::function<bool(uint32_t)>& pred) {
    auto cps = code_points(s);
    if (cps.empty()) return false;
    for (uint32_t c : cps)
      if (!pred(c)) return false;
    return true;
  };
  if (name == "isdigit")
    return Value::boolean(all_of([](uint32_t c) { return u_isdigit(static_cast<UChar32>(c)); }));
  if (name == "isalpha")
    return Value::boolean(all_of([](uint32_t c) { return u_isalpha(static_cast<UChar32>(c)); }));
  if (name == "isalnum")
    return Value::boolean(
        all_of([](uint32_t c) { return u_isalnum(static_cast<UChar32>(c)) != 0; }));
  if (name == "isspace") return Value::boolean(all_of(is_py_space));
  if (name == "islower" || name == "isupper") {
    bool has_cased = false;
    for (uint32_t c : code_points(s)) has_cased = has_cased || is_cased(c);
    std::string conv = icu_case(s, name == "islower" ? CaseOp::kLower : CaseOp::kUpper);
    return Value::boolean(has_cased && conv == s);
  }
  return ev.fail(at, "no method '" + name + "'");
}

}  // namespace slim::tmpl
