// Jinja2 filters, tests, global functions and the Python str/dict methods templates call.
#pragma once

#include <string>

#include "template/eval.hpp"

namespace slim::tmpl {

Result<Value> apply_filter(Evaluator& ev, const Node& at, const std::string& name, const Value& v,
                           const Args& a);
Result<bool> apply_test(Evaluator& ev, const Node& at, const std::string& name, const Value& v,
                        const Args& a);
// A global function value (range, namespace, dict, raise_exception, strftime_now), or undefined.
Value global_function(const std::string& name);
Result<Value> call_global(Evaluator& ev, const Node& at, const std::string& name, const Args& a);
// The bound method `name` of `obj` (str and dict methods), or undefined if there is none.
Value method_of(const Value& obj, const std::string& name);
Result<Value> call_method(Evaluator& ev, const Node& at, const Value& obj, const std::string& name,
                          const Args& a);

// Python str helpers shared with the evaluator.
std::vector<uint32_t> code_points(std::string_view s);
std::string from_code_points(const std::vector<uint32_t>& cps, size_t begin, size_t end);
size_t code_point_count(std::string_view s);

}  // namespace slim::tmpl
