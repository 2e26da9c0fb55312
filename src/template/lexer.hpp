// Jinja2 lexer: splits a template into text and tag tokens the way jinja2's lexer does with
// trim_blocks=True and lstrip_blocks=True (the settings Hugging Face uses for chat templates),
// including "-"/"+" whitespace control, comments, newline normalisation and the removal of
// one trailing newline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim::tmpl {

struct Token {
  enum class Type {
    kText,
    kVarBegin,
    kVarEnd,
    kBlockBegin,
    kBlockEnd,
    kName,
    kString,
    kInt,
    kFloat,
    kOp,
    kEof
  };
  Type type = Type::kEof;
  std::string text;  // kText data, name, decoded string literal, operator, raw number
  int64_t int_value = 0;
  double float_value = 0.0;
  size_t pos = 0;  // offset in the normalised source
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Jinja normalises \r\n and \r to \n and drops one trailing newline before lexing.
std::string normalize_source(std::string_view source);
// "line L, column C" of an offset in the normalised source.
std::string describe_position(std::string_view source, size_t pos);

Result<std::vector<Token>> tokenize(std::string_view normalized_source,
                                    const LexOptions& options = {});

}  // namespace slim::tmpl
