// Tree-walking evaluator: statements, expressions, scopes, loops, macros (see eval.hpp).
#include "template/eval.hpp"

#include <cmath>
#include <ctime>

#include "template/builtins.hpp"
#include "template/lexer.hpp"
#include "template/parser.hpp"

namespace slim::tmpl {

using K = Node::Kind;
using VK = Value::Kind;

const Value* Args::get(size_t i, std::string_view name) const {
  for (const auto& [k, v] : kw)
    if (k == name) return &v;
  return i < pos.size() ? &pos[i] : nullptr;
}

Value Args::get_or(size_t i, std::string_view name, Value def) const {
  const Value* v = get(i, name);
  return v ? *v : std::move(def);
}

namespace {

struct DepthGuard {
  explicit DepthGuard(int& d) : d_(d) { ++d_; }
  ~DepthGuard() { --d_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  int& d_;
};

std::string type_pair(const Value& a, const Value& b) {
  return std::string("'") + kind_name(a) + "' and '" + kind_name(b) + "'";
}

// Python's slice.indices + iteration: the selected positions of a sequence of length n.
Result<std::vector<size_t>> slice_positions(int64_t n, const Value& start, const Value& stop,
                                            const Value& step) {
  auto as_opt = [](const Value& v, int64_t& out) -> Result<bool> {
    if (v.is_none() || v.is_undefined()) return false;
    if (!v.is_integral()) return invalid_argument("slice indices must be integers or None");
    out = v.as_int();
    return true;
  };
  int64_t st = 1, a = 0, b = 0;
  SLIM_ASSIGN_OR_RETURN(bool has_step, as_opt(step, st));
  if (!has_step) st = 1;
  if (st == 0) return invalid_argument("slice step cannot be zero");
  SLIM_ASSIGN_OR_RETURN(bool has_a, as_opt(start, a));
  SLIM_ASSIGN_OR_RETURN(bool has_b, as_opt(stop, b));
  auto clamp = [&](bool has, int64_t v, int64_t def, int64_t lo, int64_t hi) {
    if (!has) return def;
    if (v < 0) v = v < -n ? -n - 1 : v + n;  // (avoids overflow for huge negatives)
    if (v < lo) return lo;
    if (v > hi) return hi;
    return v;
  };
  std::vector<size_t> out;
  if (st > 0) {
    int64_t s0 = clamp(has_a, a, 0, 0, n), s1 = clamp(has_b, b, n, 0, n);
    for (int64_t k = s0; k < s1; k += st) {
      out.push_back(static_cast<size_t>(k));
      if (st > n) break;
    }
  } else {
    int64_t s0 = clamp(has_a, a, n - 1, -1, n - 1), s1 = clamp(has_b, b, -1, -1, n - 1);
    for (int64_t k = s0; k > s1; k += st) {
      out.push_back(static_cast<size_t>(k));
      if (-st > n) break;
    }
  }
  return out;
}

double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0.0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

}  // namespace

Evaluator::Evaluator(std::string_view source, const Limits& limits, std::time_t now,
                     const Dict& context)
    : source_(source), limits_(limits), now_(now), context_(context) {}

Evaluator::~Evaluator() {
  for (auto& ns : namespaces_)
    if (ns) *ns = Dict();
}

Status Evaluator::fail(const Node& at, const std::string& message) const {
  return invalid_argument("template error at " + describe_position(source_, at.pos) + ": " +
                          message);
}

Status Evaluator::step(const Node& at, uint64_t cost) {
  steps_ += cost;
  if (steps_ > limits_.max_steps)
    return fail(at,
                "evaluation budget of " + std::to_string(limits_.max_steps) + " steps exceeded");
  return Status::ok();
}

Status Evaluator::check_value(const Node& at, const Value& v) const {
  if (v.weight > limits_.max_value_weight) return fail(at, "value too large");
  if (v.is_string() && v.s.size() > limits_.max_output_bytes)
    return fail(at, "string longer than " + std::to_string(limits_.max_output_bytes) + " bytes");
  if (v.is_list() && v.items().size() > limits_.max_output_bytes) return fail(at, "list too long");
  return Status::ok();
}

Status Evaluator::emit(const Node& at, std::string& out, std::string_view text) const {
  if (text.size() > limits_.max_output_bytes || out.size() > limits_.max_output_bytes - text.size())
    return fail(at, "output exceeds " + std::to_string(limits_.max_output_bytes) + " bytes");
  out.append(text);
  return Status::ok();
}

Value Evaluator::lookup(const std::string& name) const {
  for (size_t k = scopes_.size(); k-- > 0;) {
    if (k < base_ && k != 0) continue;
    auto it = scopes_[k].vars.find(name);
    if (it != scopes_[k].vars.end()) return it->second;
  }
  if (const Value* v = context_.find(name)) return *v;
  Value g = global_function(name);
  if (!g.is_undefined()) return g;
  return Value::undefined(name);
}

void Evaluator::assign(const std::string& name, Value v) {
  scopes_.back().vars[name] = std::move(v);
}

Status Evaluator::render(const Node& root, std::string& out) {
  scopes_.assign(1, Scope{});
  base_ = 0;
  Flow flow = Flow::kNormal;
  SLIM_TRY(exec(root, out, flow));
  if (flow != Flow::kNormal) return fail(root, "break or continue outside a loop");
  return Status::ok();
}

Status Evaluator::exec(const Node& n, std::string& out, Flow& flow) {
  DepthGuard g(depth_);
  if (depth_ > limits_.max_eval_depth) return fail(n, "template nested too deeply");
  SLIM_TRY(step(n));
  switch (n.kind) {
    case K::kBody:
      for (const auto& k : n.kids) {
        SLIM_TRY(exec(*k, out, flow));
        if (flow != Flow::kNormal) return Status::ok();
      }
      return Status::ok();
    case K::kText:
      return emit(n, out, n.name);
    case K::kOutput: {
      SLIM_ASSIGN_OR_RETURN(auto v, eval(*n.kids[0]));
      SLIM_TRY(step(n, v.weight));
      return emit(n, out, to_str(v));
    }
    case K::kIf:
      for (size_t k = 0; k + 1 < n.kids.size(); k += 2) {
        bool take = true;
        if (n.kids[k]) {
          SLIM_ASSIGN_OR_RETURN(auto c, eval(*n.kids[k]));
          take = truthy(c);
        }
        if (take) return exec(*n.kids[k + 1], out, flow);
      }
      return Status::ok();
    case K::kFor:
      return exec_for(n, out);
    case K::kSet: {
      SLIM_ASSIGN_OR_RETURN(auto v, eval(*n.kids[0]));
      if (n.flag) {
        Value ns = lookup(n.strs[0]);
        if (ns.kind != VK::kNamespace)
          return fail(n, "cannot assign attribute on non-namespace object");
        ns.dict->set(n.strs[1], std::move(v));
        return Status::ok();
      }
      if (n.strs.size() == 1) {
        assign(n.strs[0], std::move(v));
        return Status::ok();
      }
      if (!v.is_list() || v.items().size() != n.strs.size())
        return fail(n, "cannot unpack " + std::string(kind_name(v)) + " into " +
                           std::to_string(n.strs.size()) + " names");
      for (size_t k = 0; k < n.strs.size(); ++k) assign(n.strs[k], v.items()[k]);
      return Status::ok();
    }
    case K::kSetBlock: {
      std::string captured;
      Flow inner = Flow::kNormal;
      SLIM_TRY(exec(*n.kids[0], captured, inner));
      if (inner != Flow::kNormal) flow = inner;
      assign(n.strs[0], Value::string(std::move(captured)));
      return Status::ok();
    }
    case K::kMacro: {
      Function f;
      f.type = Function::Type::kMacro;
      f.name = n.name;
      f.macro = &n;
      assign(n.name, Value::function(std::move(f)));
      return Status::ok();
    }
    case K::kBreak:
      flow = Flow::kBreak;
      return Status::ok();
    case K::kContinue:
      flow = Flow::kContinue;
      return Status::ok();
    case K::kTransparent:
      return exec(*n.kids[0], out, flow);
    default:
      return fail(n, "internal: expression used as a statement");
  }
}

Status Evaluator::exec_for(const Node& n, std::string& out) {
  SLIM_ASSIGN_OR_RETURN(auto iterable, eval(*n.kids[0]));
  std::vector<Value> items;
  switch (iterable.kind) {
    case VK::kList:
      items = iterable.items();
      break;
    case VK::kDict:
      for (const auto& [key, val] : iterable.dict->items()) items.push_back(Value::string(key));
      break;
    case VK::kString: {
      auto cps = code_points(iterable.s);
      for (size_t k = 0; k < cps.size(); ++k)
        items.push_back(Value::string(from_code_points(cps, k, k + 1)));
      break;
    }
    case VK::kUndefined:
      break;
    default:
      return fail(*n.kids[0], std::string("'") + kind_name(iterable) + "' object is not iterable");
  }
  auto bind = [&](const Value& item) -> Status {
    if (n.strs.size() == 1) {
      assign(n.strs[0], item);
      return Status::ok();
    }
    if (!item.is_list() || item.items().size() != n.strs.size())
      return fail(n, "cannot unpack " + std::string(kind_name(item)) + " into " +
                         std::to_string(n.strs.size()) + " loop variables");
    for (size_t k = 0; k < n.strs.size(); ++k) assign(n.strs[k], item.items()[k]);
    return Status::ok();
  };
  if (n.kids[1]) {  // {% for x in xs if cond %}
    std::vector<Value> kept;
    for (auto& item : items) {
      SLIM_TRY(step(n));
      scopes_.emplace_back();
      Status st = bind(item);
      Result<Value> c = st.is_ok() ? eval(*n.kids[1]) : Result<Value>(st);
      scopes_.pop_back();
      if (!c.is_ok()) return c.status();
      if (truthy(*c)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  Flow flow = Flow::kNormal;
  if (items.empty()) {
    if (n.kids[3]) {
      SLIM_TRY(exec(*n.kids[3], out, flow));
      if (flow != Flow::kNormal) return fail(n, "break or continue outside a loop");
    }
    return Status::ok();
  }
  const auto len = static_cast<int64_t>(items.size());
  // One loop object per loop, advanced in place (jinja2's LoopContext is one object too).
  Value loop_value = Value::make_namespace(Dict());
  loop_value.kind = VK::kDict;
  Dict& loop = *loop_value.dict;
  for (int64_t k = 0; k < len; ++k) {
    SLIM_TRY(step(n));
    loop.set("index", Value::integer(k + 1));
    loop.set("index0", Value::integer(k));
    loop.set("revindex", Value::integer(len - k));
    loop.set("revindex0", Value::integer(len - k - 1));
    loop.set("first", Value::boolean(k == 0));
    loop.set("last", Value::boolean(k == len - 1));
    loop.set("length", Value::integer(len));
    loop.set("depth", Value::integer(1));
    loop.set("depth0", Value::integer(0));
    loop.set("previtem", k > 0 ? items[static_cast<size_t>(k - 1)] : Value::undefined("previtem"));
    loop.set("nextitem",
             k + 1 < len ? items[static_cast<size_t>(k + 1)] : Value::undefined("nextitem"));
    scopes_.emplace_back();
    Status st = bind(items[static_cast<size_t>(k)]);
    if (st.is_ok()) {
      assign("loop", loop_value);
      flow = Flow::kNormal;
      st = exec(*n.kids[2], out, flow);
    }
    scopes_.pop_back();
    SLIM_TRY(st);
    if (flow == Flow::kBreak) break;
  }
  return Status::ok();
}

Result<Value> Evaluator::eval(const Node& n) {
  DepthGuard g(depth_);
  if (depth_ > limits_.max_eval_depth) return fail(n, "template nested too deeply");
  SLIM_TRY(step(n));
  SLIM_ASSIGN_OR_RETURN(auto v, eval_inner(n));
  SLIM_TRY(check_value(n, v));
  return v;
}

Result<Args> Evaluator::eval_args(const Node& n, size_t first) {
  Args a;
  for (size_t k = first; k < n.kids.size(); ++k) {
    SLIM_ASSIGN_OR_RETURN(auto v, eval(*n.kids[k]));
    const std::string& kw = k - first < n.strs.size() ? n.strs[k - first] : std::string();
    if (kw.empty()) {
      if (!a.kw.empty()) return fail(*n.kids[k], "positional argument follows keyword argument");
      a.pos.push_back(std::move(v));
    } else {
      a.kw.emplace_back(kw, std::move(v));
    }
  }
  return a;
}

Result<Value> Evaluator::eval_inner(const Node& n) {
  switch (n.kind) {
    case K::kLiteral:
      return n.literal;
    case K::kName:
      return lookup(n.name);
    case K::kList:
    case K::kTuple: {
      std::vector<Value> items;
      for (const auto& k : n.kids) {
        SLIM_ASSIGN_OR_RETURN(auto v, eval(*k));
        items.push_back(std::move(v));
      }
      return n.kind == K::kTuple ? Value::make_tuple(std::move(items))
                                 : Value::make_list(std::move(items));
    }
    case K::kDict: {
      Dict d;
      for (size_t k = 0; k + 1 < n.kids.size(); k += 2) {
        SLIM_ASSIGN_OR_RETURN(auto key, eval(*n.kids[k]));
        if (!key.is_string()) return fail(*n.kids[k], "dict keys must be strings");
        SLIM_ASSIGN_OR_RETURN(auto v, eval(*n.kids[k + 1]));
        d.set(key.s, std::move(v));
      }
      return Value::make_dict(std::move(d));
    }
    case K::kGetAttr: {
      SLIM_ASSIGN_OR_RETURN(auto obj, eval(*n.kids[0]));
      return get_attr(n, obj, n.name);
    }
    case K::kGetItem: {
      SLIM_ASSIGN_OR_RETURN(auto obj, eval(*n.kids[0]));
      SLIM_ASSIGN_OR_RETURN(auto key, eval(*n.kids[1]));
      return get_item(n, obj, key);
    }
    case K::kSlice: {
      SLIM_ASSIGN_OR_RETURN(auto obj, eval(*n.kids[0]));
      Value parts[3];
      for (int k = 0; k < 3; ++k) {
        if (n.kids[static_cast<size_t>(k + 1)]) {
          SLIM_ASSIGN_OR_RETURN(parts[k], eval(*n.kids[static_cast<size_t>(k + 1)]));
        } else {
          parts[k] = Value::none();
        }
      }
      if (obj.is_undefined()) return fail(n, "'" + obj.s + "' is undefined");
      if (obj.is_list()) {
        const auto& xs = obj.items();
        auto pos = slice_positions(static_cast<int64_t>(xs.size()), parts[0], parts[1], parts[2]);
        if (!pos.is_ok()) return fail(n, pos.status().message());
        std::vector<Value> out;
        for (size_t p : *pos) out.push_back(xs[p]);
        return Value::make_list(std::move(out));
      }
      if (obj.is_string()) {
        auto cps = code_points(obj.s);
        auto pos = slice_positions(static_cast<int64_t>(cps.size()), parts[0], parts[1], parts[2]);
        if (!pos.is_ok()) return fail(n, pos.status().message());
        std::vector<uint32_t> sel;
        for (size_t p : *pos) sel.push_back(cps[p]);
        return Value::string(from_code_points(sel, 0, sel.size()));
      }
      return Value::undefined();
    }
    case K::kCall: {
      SLIM_ASSIGN_OR_RETURN(auto callee, eval(*n.kids[0]));
      SLIM_ASSIGN_OR_RETURN(auto args, eval_args(n, 1));
      return call(n, callee, std::move(args));
    }
    case K::kFilter: {
      SLIM_ASSIGN_OR_RETURN(auto v, eval(*n.kids[0]));
      SLIM_ASSIGN_OR_RETURN(auto args, eval_args(n, 1));
      return apply_filter(*this, n, n.name, v, args);
    }
    case K::kTest: {
      SLIM_ASSIGN_OR_RETURN(auto v, eval(*n.kids[0]));
      SLIM_ASSIGN_OR_RETURN(auto args, eval_args(n, 1));
      SLIM_ASSIGN_OR_RETURN(bool r, apply_test(*this, n, n.name, v, args));
      return Value::boolean(n.flag ? !r : r);
    }
    case K::kUnary: {
      SLIM_ASSIGN_OR_RETURN(auto v, eval(*n.kids[0]));
      if (n.name == "not") return Value::boolean(!truthy(v));
      if (v.is_undefined()) return fail(n, "'" + v.s + "' is undefined");
      if (!v.is_number())
        return fail(n, "bad operand type for unary " + n.name + ": '" + kind_name(v) + "'");
      if (n.name == "+") return v.kind == VK::kBool ? Value::integer(v.as_int()) : v;
      if (v.kind == VK::kFloat) return Value::number(-v.f);
      if (v.as_int() == INT64_MIN) return fail(n, "integer overflow");
      return Value::integer(-v.as_int());
    }
    case K::kBinary:
      return eval_binary(n);
    case K::kCompare:
      return eval_compare(n);
    case K::kCondExpr: {
      SLIM_ASSIGN_OR_RETURN(auto c, eval(*n.kids[1]));
      if (truthy(c)) return eval(*n.kids[0]);
      if (n.kids[2]) return eval(*n.kids[2]);
      return Value::undefined();
    }
    default:
      return fail(n, "internal: statement used as an expression");
  }
}

Result<Value> Evaluator::eval_binary(const Node& n) {
  const std::string& op = n.name;
  SLIM_ASSIGN_OR_RETURN(auto a, eval(*n.kids[0]));
  if (op == "and") {
    if (!truthy(a)) return a;
    return eval(*n.kids[1]);
  }
  if (op == "or") {
    if (truthy(a)) return a;
    return eval(*n.kids[1]);
  }
  SLIM_ASSIGN_OR_RETURN(auto b, eval(*n.kids[1]));
  if (op == "~") {
    std::string r = to_str(a);  // bounded: weights are capped
    std::string rb = to_str(b);
    if (r.size() + rb.size() > limits_.max_output_bytes) return fail(n, "string too long");
    SLIM_TRY(step(n, a.weight + b.weight));
    return Value::string(r + rb);
  }
  if (a.is_undefined()) return fail(n, "'" + a.s + "' is undefined");
  if (b.is_undefined()) return fail(n, "'" + b.s + "' is undefined");
  auto unsupported_op = [&]() {
    return fail(n, "unsupported operand type(s) for " + op + ": " + type_pair(a, b));
  };
  if (a.is_number() && b.is_number()) {
    bool ints = a.is_integral() && b.is_integral();
    int64_t x = a.as_int(), y = b.as_int(), r = 0;
    double fx = a.as_double(), fy = b.as_double();
    if (op == "+") {
      if (!ints) return Value::number(fx + fy);
      if (__builtin_add_overflow(x, y, &r)) return fail(n, "integer overflow");
      return Value::integer(r);
    }
    if (op == "-") {
      if (!ints) return Value::number(fx - fy);
      if (__builtin_sub_overflow(x, y, &r)) return fail(n, "integer overflow");
      return Value::integer(r);
    }
    if (op == "*") {
      if (!ints) return Value::number(fx * fy);
      if (__builtin_mul_overflow(x, y, &r)) return fail(n, "integer overflow");
      return Value::integer(r);
    }
    if (op == "/") {
      if (fy == 0.0) return fail(n, "division by zero");
      return Value::number(fx / fy);
    }
    if (op == "//" || op == "%") {
      if (ints ? y == 0 : fy == 0.0)
        return fail(n, op == "%" ? "modulo by zero" : "integer division by zero");
      if (!ints) return Value::number(op == "%" ? py_fmod(fx, fy) : std::floor(fx / fy));
      if (x == INT64_MIN && y == -1) return fail(n, "integer overflow");
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        q -= 1;
        m += y;
      }
      return Value::integer(op == "%" ? m : q);
    }
    if (op == "**") {
      if (ints && y >= 0) {
        int64_t acc = 1, base = x;
        for (int64_t e = y; e > 0; e >>= 1) {
          if (e & 1)
            if (__builtin_mul_overflow(acc, base, &acc)) return fail(n, "integer overflow");
          if (e > 1 && __builtin_mul_overflow(base, base, &base))
            return fail(n, "integer overflow");
        }
        return Value::integer(acc);
      }
      if (fx == 0.0 && fy < 0) return fail(n, "zero cannot be raised to a negative power");
      return Value::number(std::pow(fx, fy));
    }
    return unsupported_op();
  }
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      if (a.s.size() + b.s.size() > limits_.max_output_bytes) return fail(n, "string too long");
      SLIM_TRY(step(n, a.weight + b.weight));
      return Value::string(a.s + b.s);
    }
    if (a.is_list() && b.is_list()) {
      if (a.weight + b.weight > limits_.max_value_weight) return fail(n, "value too large");
      std::vector<Value> xs = a.items();
      xs.insert(xs.end(), b.items().begin(), b.items().end());
      SLIM_TRY(step(n, xs.size()));
      return Value::make_list(std::move(xs));
    }
    return fail(n, "can only concatenate " + std::string(kind_name(a)) + " (not \"" + kind_name(b) +
                       "\") to " + kind_name(a));
  }
  if (op == "*") {
    const Value* seq = a.is_number() ? &b : &a;
    const Value* cnt = a.is_number() ? &a : &b;
    if (!cnt->is_integral() || !(seq->is_string() || seq->is_list())) return unsupported_op();
    int64_t times = std::max<int64_t>(0, cnt->as_int());
    size_t unit = seq->is_string() ? seq->s.size() : seq->items().size();
    if (unit != 0 && static_cast<uint64_t>(times) > limits_.max_output_bytes / unit)
      return fail(n, "repetition result too large");
    if (seq->is_list() && static_cast<uint64_t>(times) > limits_.max_value_weight / seq->weight)
      return fail(n, "value too large");
    SLIM_TRY(step(n, seq->is_string() ? 1 + static_cast<uint64_t>(times) * unit / 16
                                      : static_cast<uint64_t>(times) * seq->weight));
    if (seq->is_string()) {
      std::string r;
      for (int64_t k = 0; k < times; ++k) r += seq->s;
      return Value::string(std::move(r));
    }
    std::vector<Value> r;
    for (int64_t k = 0; k < times; ++k) r.insert(r.end(), seq->items().begin(), seq->items().end());
    return Value::make_list(std::move(r));
  }
  return unsupported_op();
}

Result<Value> Evaluator::eval_compare(const Node& n) {
  SLIM_ASSIGN_OR_RETURN(auto left, eval(*n.kids[0]));
  for (size_t k = 0; k < n.strs.size(); ++k) {
    SLIM_ASSIGN_OR_RETURN(auto right, eval(*n.kids[k + 1]));
    const std::string& op = n.strs[k];
    SLIM_TRY(step(n, std::min(left.weight, right.weight)));
    bool r = false;
    if (op == "==" || op == "!=") {
      r = equals(left, right) == (op == "==");
    } else if (op == "in" || op == "not in") {
      bool found = false;
      switch (right.kind) {
        case VK::kString:
          if (!left.is_string()) return fail(n, "'in <string>' requires string as left operand");
          found = right.s.find(left.s) != std::string::npos;
          break;
        case VK::kList:
          SLIM_TRY(step(n, right.weight));
          for (const auto& x : right.items())
            if (equals(left, x)) {
              found = true;
              break;
            }
          break;
        case VK::kDict:
          found = left.is_string() && right.dict->find(left.s) != nullptr;
          break;
        case VK::kUndefined:
          found = false;
          break;
        default:
          return fail(n,
                      std::string("argument of type '") + kind_name(right) + "' is not iterable");
      }
      r = found == (op == "in");
    } else {
      if (left.is_undefined()) return fail(n, "'" + left.s + "' is undefined");
      if (right.is_undefined()) return fail(n, "'" + right.s + "' is undefined");
      auto c = compare(left, right);
      if (!c.is_ok()) return fail(n, c.status().message());
      if (std::isnan(left.as_double()) || std::isnan(right.as_double()))
        r = false;
      else if (op == "<")
        r = *c < 0;
      else if (op == ">")
        r = *c > 0;
      else if (op == "<=")
        r = *c <= 0;
      else
        r = *c >= 0;
    }
    if (!r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Result<Value> Evaluator::call(const Node& at, const Value& callee, Args args) {
  if (callee.is_undefined()) return fail(at, "'" + callee.s + "' is undefined");
  if (callee.kind != VK::kFunction)
    return fail(at, std::string("'") + kind_name(callee) + "' object is not callable");
  const Function& f = *callee.fn;
  switch (f.type) {
    case Function::Type::kGlobal:
      return call_global(*this, at, f.name, args);
    case Function::Type::kMethod:
      return call_method(*this, at, *f.receiver, f.name, args);
    case Function::Type::kMacro:
      return call_macro(at, f, std::move(args));
  }
  return fail(at, "internal: bad function");
}

Result<Value> Evaluator::call_macro(const Node& at, const Function& fn, Args args) {
  const Node& m = *fn.macro;
  const size_t nparams = m.strs.size();
  if (args.pos.size() > nparams)
    return fail(at, "macro '" + m.name + "' takes not more than " + std::to_string(nparams) +
                        " argument(s)");
  for (const auto& [k, v] : args.kw) {
    bool known = false;
    for (const auto& p : m.strs) known = known || p == k;
    if (!known) return fail(at, "macro '" + m.name + "' takes no keyword argument '" + k + "'");
  }
  size_t saved_base = base_;
  scopes_.emplace_back();
  base_ = scopes_.size() - 1;
  Status st = Status::ok();
  for (size_t k = 0; k < nparams && st.is_ok(); ++k) {
    const Value* v = nullptr;
    if (k < args.pos.size()) {
      v = &args.pos[k];
    } else {
      for (const auto& [kw, val] : args.kw)
        if (kw == m.strs[k]) v = &val;
    }
    if (v) {
      assign(m.strs[k], *v);
    } else if (m.kids[k]) {
      auto d = eval(*m.kids[k]);
      if (!d.is_ok())
        st = d.status();
      else
        assign(m.strs[k], *d);
    } else {
      assign(m.strs[k], Value::undefined(m.strs[k]));
    }
  }
  std::string out;
  Flow flow = Flow::kNormal;
  if (st.is_ok()) st = exec(*m.kids[nparams], out, flow);
  scopes_.pop_back();
  base_ = saved_base;
  SLIM_TRY(st);
  if (flow != Flow::kNormal) return fail(at, "break or continue outside a loop");
  return Value::string(std::move(out));
}

Result<Value> Evaluator::get_attr(const Node& at, const Value& obj, const std::string& name) {
  switch (obj.kind) {
    case VK::kUndefined:
      return fail(at, obj.s.empty() ? "undefined value has no attribute '" + name + "'"
                                    : "'" + obj.s + "' is undefined");
    case VK::kDict: {
      Value m = method_of(obj, name);
      if (!m.is_undefined()) return m;
      if (const Value* v = obj.dict->find(name)) return *v;
      return Value::undefined(name);
    }
    case VK::kNamespace: {
      if (const Value* v = obj.dict->find(name)) return *v;
      return Value::undefined(name);
    }
    default: {
      Value m = method_of(obj, name);
      if (!m.is_undefined()) return m;
      return Value::undefined(name);
    }
  }
}

Result<Value> Evaluator::get_item(const Node& at, const Value& obj, const Value& key) {
  switch (obj.kind) {
    case VK::kUndefined:
      return fail(at, obj.s.empty() ? "undefined value is not subscriptable"
                                    : "'" + obj.s + "' is undefined");
    case VK::kDict:
    case VK::kNamespace:
      if (key.is_string()) {
        if (obj.kind == VK::kDict) {
          if (const Value* v = obj.dict->find(key.s)) return *v;
        }
        return get_attr(at, obj, key.s);
      }
      return Value::undefined();
    case VK::kList:
    case VK::kString: {
      if (!key.is_integral()) {
        if (key.is_string()) return get_attr(at, obj, key.s);
        return Value::undefined();
      }
      int64_t idx = key.as_int();
      if (obj.is_list()) {
        auto len = static_cast<int64_t>(obj.items().size());
        if (idx < 0) idx += len;
        if (idx < 0 || idx >= len) return Value::undefined();
        return obj.items()[static_cast<size_t>(idx)];
      }
      auto cps = code_points(obj.s);
      auto len = static_cast<int64_t>(cps.size());
      if (idx < 0) idx += len;
      if (idx < 0 || idx >= len) return Value::undefined();
      return Value::string(
          from_code_points(cps, static_cast<size_t>(idx), static_cast<size_t>(idx) + 1));
    }
    default:
      if (key.is_string()) return get_attr(at, obj, key.s);
      return Value::undefined();
  }
}

// ---- Template ----

Result<Template> Template::parse(std::string_view source, const Limits& limits) {
  if (source.size() > limits.max_source_bytes)
    return invalid_argument("template is " + std::to_string(source.size()) +
                            " bytes, more than the limit of " +
                            std::to_string(limits.max_source_bytes));
  Template t;
  t.limits_ = limits;
  t.source_ = normalize_source(source);
  SLIM_ASSIGN_OR_RETURN(auto tokens, tokenize(t.source_));
  SLIM_ASSIGN_OR_RETURN(t.root_, parse_template(t.source_, tokens, limits.max_parse_depth));
  return t;
}

Result<std::string> Template::render(const Dict& context, std::optional<std::time_t> now) const {
  Evaluator ev(source_, limits_, now ? *now : std::time(nullptr), context);
  std::string out;
  SLIM_TRY(ev.render(*root_, out));
  return out;
}

}  // namespace slim::tmpl
