// The tree-walking evaluator behind Template::render (internal to src/template).
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "template/ast.hpp"
#include "template/template.hpp"
#include "template/value.hpp"

namespace slim::tmpl {

struct Args {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;

  // Positional index `i` or keyword `name`, else `def`.
  const Value* get(size_t i, std::string_view name) const;
  Value get_or(size_t i, std::string_view name, Value def) const;
};

class Evaluator {
 public:
  Evaluator(std::string_view source, const Limits& limits, std::time_t now, const Dict& context);
  ~Evaluator();

  Status render(const Node& root, std::string& out);

  // For builtins.
  Status fail(const Node& at, const std::string& message) const;
  Status check_value(const Node& at, const Value& v) const;  // size limits of a new value
  Status step(const Node& at, uint64_t cost = 1);
  Result<Value> call(const Node& at, const Value& callee, Args args);
  Result<Value> get_attr(const Node& at, const Value& obj, const std::string& name);
  Result<Value> get_item(const Node& at, const Value& obj, const Value& key);
  const Limits& limits() const { return limits_; }
  std::time_t now() const { return now_; }
  void track_namespace(const Value& ns) { namespaces_.push_back(ns.dict); }

 private:
  struct Scope {
    std::unordered_map<std::string, Value> vars;
  };
  enum class Flow { kNormal, kBreak, kContinue };

  Result<Value> eval(const Node& n);
  Result<Value> eval_inner(const Node& n);
  Status exec(const Node& n, std::string& out, Flow& flow);
  Status exec_for(const Node& n, std::string& out);
  Result<Value> eval_binary(const Node& n);
  Result<Value> eval_compare(const Node& n);
  Result<Args> eval_args(const Node& n, size_t first);
  Result<Value> call_macro(const Node& at, const Function& fn, Args args);
  Status emit(const Node& at, std::string& out, std::string_view text) const;

  Value lookup(const std::string& name) const;
  void assign(const std::string& name, Value v);

  std::string_view source_;
  Limits limits_;
  std::time_t now_;
  const Dict& context_;
  std::vector<Scope> scopes_;  // [0] template level; loops and macro calls push more
  size_t base_ = 0;            // innermost macro frame: lookups skip scopes below it (except [0])
  int depth_ = 0;
  uint64_t steps_ = 0;
  std::vector<std::shared_ptr<Dict>> namespaces_;  // cleared at the end (breaks reference cycles)
};

}  // namespace slim::tmpl
