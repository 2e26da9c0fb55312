// Syntax tree of a parsed template: one node type, its meaning set by `kind` (layouts below).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "template/value.hpp"

namespace slim::tmpl {

struct Node {
  enum class Kind {
    // Expressions.
    kLiteral,   // literal
    kName,      // name
    kList,      // kids = items
    kTuple,     // kids = items
    kDict,      // kids = key0, value0, key1, value1 ...
    kGetAttr,   // kids[0] = object, name = attribute
    kGetItem,   // kids[0] = object, kids[1] = index
    kSlice,     // kids[0] = object, kids[1..3] = start, stop, step (each may be null)
    kCall,      // kids[0] = callee, kids[1..] = arguments, strs = keyword names ("" = positional)
    kFilter,    // kids[0] = operand, name = filter, kids[1..] = arguments, strs = keyword names
    kTest,      // kids[0] = operand, name = test, kids[1..] = arguments, flag = negated
    kUnary,     // name = "-", "+" or "not", kids[0]
    kBinary,    // name = operator ("+", "and", "in", "not in", "~" ...), kids[0], kids[1]
    kCompare,   // kids[0], then strs[k] applied between kids[k] and kids[k + 1]
    kCondExpr,  // kids[0] = value, kids[1] = condition, kids[2] = else value (may be null)
    // Statements.
    kBody,    // kids = statements
    kText,    // name = text
    kOutput,  // kids[0] = expression
    kIf,      // kids = cond0, body0, cond1, body1 ... (a null cond is the else branch)
    kFor,  // strs = targets, kids = iterable, filter (may be null), body, else body (may be null)
    kSet,  // strs = targets (or {namespace, attribute} when flag), kids[0] = value
    kSetBlock,  // strs[0] = target, kids[0] = body
    kMacro,     // name, strs = parameters, kids[0..n-1] = defaults (may be null), kids[n] = body
    kBreak,
    kContinue,
    kTransparent,  // {% generation %}: kids[0] = body, rendered as is
  };
  Kind kind = Kind::kLiteral;
  size_t pos = 0;
  std::string name;
  Value literal;
  bool flag = false;
  std::vector<std::string> strs;
  std::vector<std::unique_ptr<Node>> kids;
};

using NodePtr = std::unique_ptr<Node>;

}  // namespace slim::tmpl
