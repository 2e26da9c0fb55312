// Recursive-descent Jinja2 parser (see parser.hpp). Depth-limited: hostile templates cannot
// overflow the stack.
#include "template/parser.hpp"

#include <initializer_list>

namespace slim::tmpl {

namespace {

using T = Token::Type;
using K = Node::Kind;

NodePtr make(K kind, size_t pos) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->pos = pos;
  return n;
}

class Parser {
 public:
  Parser(std::string_view src, const std::vector<Token>& toks, int max_depth)
      : src_(src), toks_(toks), max_depth_(max_depth) {}

  Result<NodePtr> parse() {
    std::vector<std::string> end_tag;
    SLIM_ASSIGN_OR_RETURN(auto body, parse_body({}, end_tag));
    if (cur().type != T::kEof) return error(cur().pos, "unexpected tag");
    return body;
  }

 private:
  // ---- token helpers ----
  const Token& cur() const { return toks_[i_]; }
  const Token& peek(size_t n = 1) const { return toks_[std::min(i_ + n, toks_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < toks_.size()) ++i_;
  }
  bool is_op(const char* op) const { return cur().type == T::kOp && cur().text == op; }
  bool is_name(const char* name) const { return cur().type == T::kName && cur().text == name; }
  Status error(size_t pos, const std::string& msg) const {
    return invalid_argument("template syntax error at " + describe_position(src_, pos) + ": " +
                            msg);
  }
  std::string describe(const Token& t) const {
    switch (t.type) {
      case T::kEof:
        return "end of template";
      case T::kVarEnd:
        return "'}}'";
      case T::kBlockEnd:
        return "'%}'";
      case T::kName:
        return "'" + t.text + "'";
      case T::kOp:
        return "'" + t.text + "'";
      case T::kString:
        return "string";
      case T::kInt:
      case T::kFloat:
        return "number";
      default:
        return "token";
    }
  }
  Status expect_op(const char* op) {
    if (!is_op(op))
      return error(cur().pos, std::string("expected '") + op + "', got " + describe(cur()));
    advance();
    return Status::ok();
  }
  Status expect_block_end() {
    if (cur().type != T::kBlockEnd)
      return error(cur().pos, "expected '%}', got " + describe(cur()));
    advance();
    return Status::ok();
  }
  Result<std::string> expect_name() {
    if (cur().type != T::kName) return error(cur().pos, "expected a name, got " + describe(cur()));
    std::string n = cur().text;
    advance();
    return n;
  }

  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) { ++d_; }
    ~DepthGuard() { --d_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    int& d_;
  };
  Status check_depth() const {
    if (depth_ > max_depth_) return error(cur().pos, "template nested too deeply");
    return Status::ok();
  }

  // ---- statements ----
  // Parses until a block tag whose name is in `end_names` (left unconsumed: cur() is that name,
  // reported in `found`) or the end of the template (only when end_names is empty).
  Result<NodePtr> parse_body(std::initializer_list<const char*> end_names,
                             std::vector<std::string>& found) {
    DepthGuard g(depth_);
    SLIM_TRY(check_depth());
    auto body = make(K::kBody, cur().pos);
    while (true) {
      const Token& t = cur();
      if (t.type == T::kEof) {
        if (end_names.size() == 0) return body;
        std::string names;
        for (const char* n : end_names)
          names += (names.empty() ? "'" : " or '") + std::string(n) + "'";
        return error(t.pos, "unexpected end of template, expected " + names);
      }
      if (t.type == T::kText) {
        auto n = make(K::kText, t.pos);
        n->name = t.text;
        body->kids.push_back(std::move(n));
        advance();
        continue;
      }
      if (t.type == T::kVarBegin) {
        advance();
        auto out = make(K::kOutput, t.pos);
        SLIM_ASSIGN_OR_RETURN(auto e, parse_tuple(true, false));
        out->kids.push_back(std::move(e));
        if (cur().type != T::kVarEnd)
          return error(cur().pos, "expected '}}', got " + describe(cur()));
        advance();
        body->kids.push_back(std::move(out));
        continue;
      }
      if (t.type != T::kBlockBegin) return error(t.pos, "unexpected token");
      const Token& name = peek();
      if (name.type != T::kName)
        return error(name.pos, "expected a tag name, got " + describe(name));
      for (const char* n : end_names) {
        if (name.text == n) {
          advance();  // now at the name
          found.assign(1, name.text);
          return body;
        }
      }
      advance();
      SLIM_ASSIGN_OR_RETURN(auto stmt, parse_statement());
      body->kids.push_back(std::move(stmt));
    }
  }

  Result<NodePtr> parse_statement() {
    const Token& t = cur();
    const std::string tag = t.text;
    size_t pos = t.pos;
    advance();
    if (tag == "if") return parse_if(pos);
    if (tag == "for") return parse_for(pos);
    if (tag == "set") return parse_set(pos);
    if (tag == "macro") return parse_macro(pos);
    if (tag == "break" || tag == "continue") {
      SLIM_TRY(expect_block_end());
      return make(tag == "break" ? K::kBreak : K::kContinue, pos);
    }
    if (tag == "generation") {
      SLIM_TRY(expect_block_end());
      std::vector<std::string> found;
      SLIM_ASSIGN_OR_RETURN(auto body, parse_body({"endgeneration"}, found));
      advance();
      SLIM_TRY(expect_block_end());
      auto n = make(K::kTransparent, pos);
      n->kids.push_back(std::move(body));
      return n;
    }
    return error(pos, "unknown or unsupported tag '" + tag + "'");
  }

  Result<NodePtr> parse_if(size_t pos) {
    auto node = make(K::kIf, pos);
    while (true) {
      SLIM_ASSIGN_OR_RETURN(auto cond, parse_tuple(false, false));
      SLIM_TRY(expect_block_end());
      std::vector<std::string> found;
      SLIM_ASSIGN_OR_RETURN(auto body, parse_body({"elif", "else", "endif"}, found));
      node->kids.push_back(std::move(cond));
      node->kids.push_back(std::move(body));
      advance();  // past the tag name
      if (found[0] == "elif") continue;
      if (found[0] == "else") {
        SLIM_TRY(expect_block_end());
        SLIM_ASSIGN_OR_RETURN(auto else_body, parse_body({"endif"}, found));
        advance();
        node->kids.push_back(nullptr);
        node->kids.push_back(std::move(else_body));
      }
      SLIM_TRY(expect_block_end());
      return node;
    }
  }

  Result<std::vector<std::string>> parse_target_names() {
    std::vector<std::string> names;
    bool paren = is_op("(");
    if (paren) advance();
    while (true) {
      SLIM_ASSIGN_OR_RETURN(auto n, expect_name());
      names.push_back(n);
      if (!is_op(",")) break;
      advance();
      if (cur().type != T::kName) break;  // trailing comma
    }
    if (paren) SLIM_TRY(expect_op(")"));
    return names;
  }

  Result<NodePtr> parse_for(size_t pos) {
    auto node = make(K::kFor, pos);
    SLIM_ASSIGN_OR_RETURN(node->strs, parse_target_names());
    if (!is_name("in")) return error(cur().pos, "expected 'in', got " + describe(cur()));
    advance();
    SLIM_ASSIGN_OR_RETURN(auto iter, parse_tuple(false, false, "recursive"));
    node->kids.push_back(std::move(iter));
    NodePtr filter;
    if (is_name("if")) {
      advance();
      SLIM_ASSIGN_OR_RETURN(filter, parse_expression(true));
    }
    if (is_name("recursive")) return error(cur().pos, "recursive loops are not supported");
    node->kids.push_back(std::move(filter));
    SLIM_TRY(expect_block_end());
    std::vector<std::string> found;
    SLIM_ASSIGN_OR_RETURN(auto body, parse_body({"endfor", "else"}, found));
    node->kids.push_back(std::move(body));
    advance();
    NodePtr else_body;
    if (found[0] == "else") {
      SLIM_TRY(expect_block_end());
      SLIM_ASSIGN_OR_RETURN(else_body, parse_body({"endfor"}, found));
      advance();
    }
    node->kids.push_back(std::move(else_body));
    SLIM_TRY(expect_block_end());
    return node;
  }

  Result<NodePtr> parse_set(size_t pos) {
    SLIM_ASSIGN_OR_RETURN(auto first, expect_name());
    if (is_op(".")) {
      advance();
      SLIM_ASSIGN_OR_RETURN(auto attr, expect_name());
      auto node = make(K::kSet, pos);
      node->flag = true;
      node->strs = {first, attr};
      SLIM_TRY(expect_op("="));
      SLIM_ASSIGN_OR_RETURN(auto value, parse_tuple(true, false));
      node->kids.push_back(std::move(value));
      SLIM_TRY(expect_block_end());
      return node;
    }
    std::vector<std::string> names{first};
    while (is_op(",")) {
      advance();
      if (cur().type != T::kName) break;
      SLIM_ASSIGN_OR_RETURN(auto n, expect_name());
      names.push_back(n);
    }
    if (is_op("=")) {
      advance();
      auto node = make(K::kSet, pos);
      node->strs = names;
      SLIM_ASSIGN_OR_RETURN(auto value, parse_tuple(true, false));
      node->kids.push_back(std::move(value));
      SLIM_TRY(expect_block_end());
      return node;
    }
    if (names.size() != 1) return error(cur().pos, "expected '='");
    SLIM_TRY(expect_block_end());
    std::vector<std::string> found;
    SLIM_ASSIGN_OR_RETURN(auto body, parse_body({"endset"}, found));
    advance();
    SLIM_TRY(expect_block_end());
    auto node = make(K::kSetBlock, pos);
    node->strs = names;
    node->kids.push_back(std::move(body));
    return node;
  }

  Result<NodePtr> parse_macro(size_t pos) {
    auto node = make(K::kMacro, pos);
    SLIM_ASSIGN_OR_RETURN(node->name, expect_name());
    SLIM_TRY(expect_op("("));
    while (!is_op(")")) {
      if (!node->strs.empty()) SLIM_TRY(expect_op(","));
      if (is_op(")")) break;
      SLIM_ASSIGN_OR_RETURN(auto p, expect_name());
      node->strs.push_back(p);
      NodePtr def;
      if (is_op("=")) {
        advance();
        SLIM_ASSIGN_OR_RETURN(def, parse_expression(true));
      }
      node->kids.push_back(std::move(def));
    }
    advance();
    SLIM_TRY(expect_block_end());
    std::vector<std::string> found;
    SLIM_ASSIGN_OR_RETURN(auto body, parse_body({"endmacro"}, found));
    advance();
    if (cur().type == T::kName) advance();  // {% endmacro name %}
    SLIM_TRY(expect_block_end());
    node->kids.push_back(std::move(body));
    return node;
  }

  // ---- expressions ----
  bool is_tuple_end(const char* extra) const {
    if (cur().type == T::kVarEnd || cur().type == T::kBlockEnd || cur().type == T::kEof)
      return true;
    if (is_op(")")) return true;
    return extra && is_name(extra);
  }

  // Comma-separated expressions; one without a comma is returned as is.
  Result<NodePtr> parse_tuple(bool with_condexpr, bool explicit_parens,
                              const char* extra_end = nullptr) {
    size_t pos = cur().pos;
    std::vector<NodePtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) SLIM_TRY(expect_op(","));
      if (is_tuple_end(extra_end)) break;
      SLIM_ASSIGN_OR_RETURN(auto e, parse_expression(with_condexpr));
      items.push_back(std::move(e));
      if (is_op(","))
        is_tuple = true;
      else
        break;
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parens)
        return error(cur().pos, "expected an expression, got " + describe(cur()));
    }
    auto t = make(K::kTuple, pos);
    t->kids = std::move(items);
    return t;
  }

  Result<NodePtr> parse_expression(bool with_condexpr) {
    DepthGuard g(depth_);
    SLIM_TRY(check_depth());
    if (!with_condexpr) return parse_or();
    SLIM_ASSIGN_OR_RETURN(auto expr, parse_or());
    while (is_name("if")) {
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto cond, parse_or());
      NodePtr else_expr;
      if (is_name("else")) {
        advance();
        SLIM_ASSIGN_OR_RETURN(else_expr, parse_expression(true));
      }
      auto n = make(K::kCondExpr, pos);
      n->kids.push_back(std::move(expr));
      n->kids.push_back(std::move(cond));
      n->kids.push_back(std::move(else_expr));
      expr = std::move(n);
    }
    return expr;
  }

  NodePtr binary(const std::string& op, size_t pos, NodePtr a, NodePtr b) {
    auto n = make(K::kBinary, pos);
    n->name = op;
    n->kids.push_back(std::move(a));
    n->kids.push_back(std::move(b));
    return n;
  }

  Result<NodePtr> parse_or() {
    SLIM_ASSIGN_OR_RETURN(auto left, parse_and());
    while (is_name("or")) {
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto right, parse_and());
      left = binary("or", pos, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_and() {
    SLIM_ASSIGN_OR_RETURN(auto left, parse_not());
    while (is_name("and")) {
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto right, parse_not());
      left = binary("and", pos, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_not() {
    DepthGuard g(depth_);
    SLIM_TRY(check_depth());
    if (is_name("not")) {
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto operand, parse_not());
      auto n = make(K::kUnary, pos);
      n->name = "not";
      n->kids.push_back(std::move(operand));
      return n;
    }
    return parse_compare();
  }

  Result<NodePtr> parse_compare() {
    size_t pos = cur().pos;
    SLIM_ASSIGN_OR_RETURN(auto expr, parse_math1());
    NodePtr cmp;
    while (true) {
      std::string op;
      if (cur().type == T::kOp && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                   cur().text == ">" || cur().text == "<=" || cur().text == ">=")) {
        op = cur().text;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == T::kName && peek().text == "in") {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      SLIM_ASSIGN_OR_RETURN(auto right, parse_math1());
      if (!cmp) {
        cmp = make(K::kCompare, pos);
        cmp->kids.push_back(std::move(expr));
      }
      cmp->strs.push_back(op);
      cmp->kids.push_back(std::move(right));
    }
    return cmp ? std::move(cmp) : std::move(expr);
  }

  Result<NodePtr> parse_math1() {
    SLIM_ASSIGN_OR_RETURN(auto left, parse_concat());
    while (is_op("+") || is_op("-")) {
      std::string op = cur().text;
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto right, parse_concat());
      left = binary(op, pos, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_concat() {
    SLIM_ASSIGN_OR_RETURN(auto left, parse_math2());
    while (is_op("~")) {
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto right, parse_math2());
      left = binary("~", pos, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_math2() {
    SLIM_ASSIGN_OR_RETURN(auto left, parse_pow());
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().text;
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto right, parse_pow());
      left = binary(op, pos, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_pow() {
    SLIM_ASSIGN_OR_RETURN(auto left, parse_unary(true));
    while (is_op("**")) {
      size_t pos = cur().pos;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto right, parse_unary(true));
      left = binary("**", pos, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_unary(bool with_filter) {
    DepthGuard g(depth_);
    SLIM_TRY(check_depth());
    NodePtr node;
    if (is_op("-") || is_op("+")) {
      auto n = make(K::kUnary, cur().pos);
      n->name = cur().text;
      advance();
      SLIM_ASSIGN_OR_RETURN(auto operand, parse_unary(false));
      n->kids.push_back(std::move(operand));
      node = std::move(n);
    } else {
      SLIM_ASSIGN_OR_RETURN(node, parse_primary());
    }
    SLIM_ASSIGN_OR_RETURN(node, parse_postfix(std::move(node)));
    if (with_filter) return parse_filter_expr(std::move(node));
    return node;
  }

  Result<NodePtr> parse_primary() {
    const Token& t = cur();
    size_t pos = t.pos;
    if (t.type == T::kName) {
      auto n = make(K::kLiteral, pos);
      if (t.text == "true" || t.text == "True") {
        n->literal = Value::boolean(true);
      } else if (t.text == "false" || t.text == "False") {
        n->literal = Value::boolean(false);
      } else if (t.text == "none" || t.text == "None") {
        n->literal = Value::none();
      } else {
        n->kind = K::kName;
        n->name = t.text;
      }
      advance();
      return n;
    }
    if (t.type == T::kString) {
      std::string s;
      while (cur().type == T::kString) {
        s += cur().text;
        advance();
      }
      auto n = make(K::kLiteral, pos);
      n->literal = Value::string(std::move(s));
      return n;
    }
    if (t.type == T::kInt || t.type == T::kFloat) {
      auto n = make(K::kLiteral, pos);
      n->literal = t.type == T::kInt ? Value::integer(t.int_value) : Value::number(t.float_value);
      advance();
      return n;
    }
    if (is_op("(")) {
      advance();
      SLIM_ASSIGN_OR_RETURN(auto e, parse_tuple(true, true));
      SLIM_TRY(expect_op(")"));
      return e;
    }
    if (is_op("[")) {
      advance();
      auto n = make(K::kList, pos);
      while (!is_op("]")) {
        if (!n->kids.empty()) SLIM_TRY(expect_op(","));
        if (is_op("]")) break;
        SLIM_ASSIGN_OR_RETURN(auto e, parse_expression(true));
        n->kids.push_back(std::move(e));
      }
      advance();
      return n;
    }
    if (is_op("{")) {
      advance();
      auto n = make(K::kDict, pos);
      while (!is_op("}")) {
        if (!n->kids.empty()) SLIM_TRY(expect_op(","));
        if (is_op("}")) break;
        SLIM_ASSIGN_OR_RETURN(auto k, parse_expression(true));
        SLIM_TRY(expect_op(":"));
        SLIM_ASSIGN_OR_RETURN(auto v, parse_expression(true));
        n->kids.push_back(std::move(k));
        n->kids.push_back(std::move(v));
      }
      advance();
      return n;
    }
    return error(pos, "unexpected " + describe(t));
  }

  Result<NodePtr> parse_postfix(NodePtr node) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        SLIM_ASSIGN_OR_RETURN(node, parse_subscript(std::move(node)));
      } else if (is_op("(")) {
        SLIM_ASSIGN_OR_RETURN(node, parse_call(std::move(node), K::kCall));
      } else {
        return node;
      }
    }
  }

  Result<NodePtr> parse_filter_expr(NodePtr node) {
    while (true) {
      if (is_op("|")) {
        SLIM_ASSIGN_OR_RETURN(node, parse_filter(std::move(node)));
      } else if (is_name("is")) {
        SLIM_ASSIGN_OR_RETURN(node, parse_test(std::move(node)));
      } else if (is_op("(")) {
        SLIM_ASSIGN_OR_RETURN(node, parse_call(std::move(node), K::kCall));
      } else {
        return node;
      }
    }
  }

  Result<NodePtr> parse_subscript(NodePtr node) {
    size_t pos = cur().pos;
    if (is_op(".")) {
      advance();
      if (cur().type == T::kName) {
        auto n = make(K::kGetAttr, pos);
        n->name = cur().text;
        advance();
        n->kids.push_back(std::move(node));
        return n;
      }
      if (cur().type == T::kInt) {
        auto n = make(K::kGetItem, pos);
        auto idx = make(K::kLiteral, cur().pos);
        idx->literal = Value::integer(cur().int_value);
        advance();
        n->kids.push_back(std::move(node));
        n->kids.push_back(std::move(idx));
        return n;
      }
      return error(cur().pos, "expected a name after '.', got " + describe(cur()));
    }
    advance();  // '['
    // A slice: [start:stop:step], any part optional.
    NodePtr parts[3];
    int colons = 0;
    if (!is_op(":")) {
      SLIM_ASSIGN_OR_RETURN(parts[0], parse_expression(true));
    }
    while (is_op(":") && colons < 2) {
      advance();
      ++colons;
      if (!is_op(":") && !is_op("]")) {
        SLIM_ASSIGN_OR_RETURN(parts[colons], parse_expression(true));
      }
    }
    if (colons == 0 && is_op(",")) return error(cur().pos, "tuple subscripts are not supported");
    SLIM_TRY(expect_op("]"));
    if (colons == 0) {
      auto n = make(K::kGetItem, pos);
      n->kids.push_back(std::move(node));
      n->kids.push_back(std::move(parts[0]));
      return n;
    }
    auto n = make(K::kSlice, pos);
    n->kids.push_back(std::move(node));
    for (auto& p : parts) n->kids.push_back(std::move(p));
    return n;
  }

  // Appends "(args, name=value ...)" to `n` (kids/strs), cur() at '('.
  Status parse_args(Node& n) {
    SLIM_TRY(expect_op("("));
    bool first = true;
    while (!is_op(")")) {
      if (!first) SLIM_TRY(expect_op(","));
      first = false;
      if (is_op(")")) break;
      if (is_op("*") || is_op("**"))
        return error(cur().pos, "*args and **kwargs are not supported");
      std::string kw;
      if (cur().type == T::kName && peek().type == T::kOp && peek().text == "=") {
        kw = cur().text;
        advance();
        advance();
      }
      SLIM_ASSIGN_OR_RETURN(auto e, parse_expression(true));
      n.strs.push_back(kw);
      n.kids.push_back(std::move(e));
    }
    advance();
    return Status::ok();
  }

  Result<NodePtr> parse_call(NodePtr callee, K kind) {
    auto n = make(kind, cur().pos);
    n->kids.push_back(std::move(callee));
    SLIM_TRY(parse_args(*n));
    return n;
  }

  Result<std::string> dotted_name() {
    SLIM_ASSIGN_OR_RETURN(auto name, expect_name());
    while (is_op(".")) {
      advance();
      SLIM_ASSIGN_OR_RETURN(auto part, expect_name());
      name += "." + part;
    }
    return name;
  }

  Result<NodePtr> parse_filter(NodePtr node) {
    auto n = make(K::kFilter, cur().pos);
    advance();  // '|'
    SLIM_ASSIGN_OR_RETURN(n->name, dotted_name());
    n->kids.push_back(std::move(node));
    if (is_op("(")) SLIM_TRY(parse_args(*n));
    return n;
  }

  Result<NodePtr> parse_test(NodePtr node) {
    auto n = make(K::kTest, cur().pos);
    advance();  // 'is'
    if (is_name("not")) {
      n->flag = true;
      advance();
    }
    SLIM_ASSIGN_OR_RETURN(n->name, dotted_name());
    n->kids.push_back(std::move(node));
    if (is_op("(")) {
      SLIM_TRY(parse_args(*n));
    } else if ((cur().type == T::kName || cur().type == T::kString || cur().type == T::kInt ||
                cur().type == T::kFloat || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) return error(cur().pos, "you cannot chain multiple tests with is");
      SLIM_ASSIGN_OR_RETURN(auto arg, parse_primary());
      SLIM_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
      n->strs.push_back("");
      n->kids.push_back(std::move(arg));
    }
    return n;
  }

  std::string_view src_;
  const std::vector<Token>& toks_;
  int max_depth_;
  int depth_ = 0;
  size_t i_ = 0;
};

}  // namespace

Result<NodePtr> parse_template(std::string_view source, const std::vector<Token>& tokens,
                               int max_depth) {
  if (tokens.empty()) return invalid_argument("template: no tokens");
  Parser p(source, tokens, max_depth);
  return p.parse();
}

}  // namespace slim::tmpl
