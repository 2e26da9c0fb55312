// Jinja2 parser: tokens -> syntax tree, following jinja2/parser.py's grammar and precedence
// (condexpr < or < and < not < compare < + - < ~ < * / // % < ** < unary < filters/tests).
#pragma once

#include <string_view>
#include <vector>

#include "slim/status.hpp"
#include "template/ast.hpp"
#include "template/lexer.hpp"

namespace slim::tmpl {

// `source` is the normalised source the tokens came from (for error positions).
Result<NodePtr> parse_template(std::string_view source, const std::vector<Token>& tokens,
                               int max_depth);

}  // namespace slim::tmpl
