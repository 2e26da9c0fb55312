// Jinja2 lexer (see lexer.hpp). Mirrors jinja2/lexer.py's rules: the root rule finds the next
// "{{", "{%" or "{#"; "-" strips all whitespace before the tag, otherwise lstrip_blocks removes
// spaces/tabs between the line start and a block or comment tag; "-%}" strips all whitespace
// after, "%}" (trim_blocks) one newline, "+%}" nothing. Brackets must balance before an end tag.
#include "template/lexer.hpp"

#include <cstring>

namespace slim::tmpl {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

size_t skip_spaces(std::string_view s, size_t k) {
  while (k < s.size() && is_space(s[k])) ++k;
  return k;
}

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
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python's "unicode-escape" decoding of a string literal body.
Result<std::string> decode_string(std::string_view body) {
  std::string out;
  for (size_t k = 0; k < body.size(); ++k) {
    char c = body[k];
    if (c != '\\' || k + 1 >= body.size()) {
      out += c;
      continue;
    }
    char e = body[++k];
    switch (e) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t j = 1; j <= n; ++j) {
          if (k + j >= body.size())
            return invalid_argument("truncated \\" + std::string(1, e) + " escape");
          int h = hex_value(body[k + j]);
          if (h < 0) return invalid_argument("bad \\" + std::string(1, e) + " escape");
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp > 0x10FFFF) return invalid_argument("\\U escape out of range");
        k += n;
        append_utf8(out, cp);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t cp = static_cast<uint32_t>(e - '0');
          for (int j = 0; j < 2 && k + 1 < body.size() && body[k + 1] >= '0' && body[k + 1] <= '7';
               ++j)
            cp = cp * 8 + static_cast<uint32_t>(body[++k] - '0');
          append_utf8(out, cp);
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

const char* const kOperators[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/",
                                  "*",  "%",  "~",  "[",  "]",  "(",  ")", "{", "}",
                                  ">",  "<",  "=",  ".",  ":",  "|",  ",", ";"};

}  // namespace

std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t k = 0; k < source.size(); ++k) {
    if (source[k] == '\r') {
      out += '\n';
      if (k + 1 < source.size() && source[k + 1] == '\n') ++k;
    } else {
      out += source[k];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string describe_position(std::string_view source, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t k = 0; k < pos && k < source.size(); ++k) {
    if (source[k] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(source[k]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

Result<std::vector<Token>> tokenize(std::string_view src, const LexOptions& opt) {
  std::vector<Token> out;
  auto fail = [&](size_t pos, const std::string& msg) -> Status {
    return invalid_argument("template syntax error at " + describe_position(src, pos) + ": " + msg);
  };
  size_t pos = 0;
  bool line_starting = true;
  while (pos < src.size()) {
    // Next tag opener.
    size_t open = std::string_view::npos;
    for (size_t k = pos; k + 1 < src.size(); ++k) {
      if (src[k] == '{' && (src[k + 1] == '{' || src[k + 1] == '%' || src[k + 1] == '#')) {
        open = k;
        break;
      }
    }
    if (open == std::string_view::npos) {
      out.push_back({Token::Type::kText, std::string(src.substr(pos)), 0, 0.0, pos});
      break;
    }
    char kind = src[open + 1];
    char sign = open + 2 < src.size() ? src[open + 2] : '\0';
    if (sign != '-' && sign != '+') sign = '\0';
    std::string text(src.substr(pos, open - pos));
    if (sign == '-') {
      while (!text.empty() && is_space(text.back())) text.pop_back();
    } else if (sign != '+' && opt.lstrip_blocks && kind != '{') {
      size_t nl = text.rfind('\n');
      size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
      if (l_pos > 0 || line_starting) {
        bool all_ws = l_pos < text.size();
        for (size_t k = l_pos; k < text.size(); ++k)
          if (!is_space(text[k])) all_ws = false;
        if (all_ws) text.resize(l_pos);
      }
    }
    if (!text.empty()) out.push_back({Token::Type::kText, std::move(text), 0, 0.0, pos});
    size_t body = open + 2 + (sign ? 1 : 0);

    if (kind == '#') {
      size_t end = src.find("#}", body);
      if (end == std::string_view::npos) return fail(open, "missing end of comment tag");
      size_t after = end + 2;
      char esign = end > body ? src[end - 1] : '\0';
      if (esign == '-') {
        after = skip_spaces(src, after);
      } else if (esign != '+' && opt.trim_blocks && after < src.size() && src[after] == '\n') {
        ++after;
      }
      line_starting = src[after - 1] == '\n';
      pos = after;
      continue;
    }

    bool is_var = kind == '{';
    out.push_back({is_var ? Token::Type::kVarBegin : Token::Type::kBlockBegin, "", 0, 0.0, open});
    std::vector<char> brackets;
    size_t k = body;
    bool closed = false;
    while (k < src.size()) {
      // End tag (only when brackets balance).
      if (brackets.empty()) {
        char c = src[k];
        char closer = is_var ? '}' : '%';
        size_t end_len = 0;
        char esign = '\0';
        if ((c == '-' || (c == '+' && !is_var)) &&
            src.substr(k + 1, 2) == std::string{closer, '}'}) {
          esign = c;
          end_len = 3;
        } else if (src.substr(k, 2) == std::string{closer, '}'}) {
          end_len = 2;
        }
        if (end_len) {
          size_t after = k + end_len;
          if (esign == '-') {
            after = skip_spaces(src, after);
          } else if (!is_var && esign != '+' && opt.trim_blocks && after < src.size() &&
                     src[after] == '\n') {
            ++after;
          }
          out.push_back({is_var ? Token::Type::kVarEnd : Token::Type::kBlockEnd, "", 0, 0.0, k});
          line_starting = src[after - 1] == '\n';
          pos = after;
          closed = true;
          break;
        }
      }
      char c = src[k];
      if (is_space(c)) {
        ++k;
        continue;
      }
      size_t start = k;
      if (c == '\'' || c == '"') {
        size_t j = k + 1;
        while (j < src.size() && src[j] != c) j += src[j] == '\\' ? 2 : 1;
        if (j >= src.size()) return fail(start, "unterminated string");
        auto decoded = decode_string(src.substr(k + 1, j - k - 1));
        if (!decoded.is_ok()) return fail(start, decoded.status().message());
        // Adjacent literals are concatenated by the parser; keep them separate here.
        out.push_back({Token::Type::kString, std::move(*decoded), 0, 0.0, start});
        k = j + 1;
        continue;
      }
      if (is_digit(c)) {
        size_t j = k;
        int base = 10;
        if (c == '0' && j + 1 < src.size() && std::strchr("bBoOxX", src[j + 1]) &&
            src[j + 1] != '\0') {
          char p = static_cast<char>(src[j + 1] | 0x20);
          base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
          j += 2;
        }
        std::string digits;
        bool is_float = false;
        auto digit_ok = [&](char d) {
          if (d == '_') return true;
          if (base == 16) return hex_value(d) >= 0;
          if (base == 10) return is_digit(d);
          return d >= '0' && d < '0' + base;
        };
        while (j < src.size() && digit_ok(src[j])) {
          if (src[j] != '_') digits += src[j];
          ++j;
        }
        if (base == 10 && j + 1 < src.size() && src[j] == '.' && is_digit(src[j + 1])) {
          is_float = true;
          digits += '.';
          ++j;
          while (j < src.size() && (is_digit(src[j]) || src[j] == '_')) {
            if (src[j] != '_') digits += src[j];
            ++j;
          }
        }
        if (base == 10 && j < src.size() && (src[j] == 'e' || src[j] == 'E')) {
          size_t m = j + 1;
          if (m < src.size() && (src[m] == '+' || src[m] == '-')) ++m;
          if (m < src.size() && is_digit(src[m])) {
            is_float = true;
            digits += 'e';
            digits.append(src.substr(j + 1, m - j - 1));
            j = m;
            while (j < src.size() && is_digit(src[j])) digits += src[j++];
          }
        }
        if (digits.empty() || digits == ".") return fail(start, "malformed number");
        Token t{is_float ? Token::Type::kFloat : Token::Type::kInt, digits, 0, 0.0, start};
        if (is_float) {
          t.float_value = std::strtod(digits.c_str(), nullptr);
        } else {
          uint64_t v = 0;
          for (char d : digits) {
            auto dv = static_cast<uint64_t>(hex_value(d));
            if (v > (static_cast<uint64_t>(INT64_MAX) - dv) / static_cast<uint64_t>(base))
              return fail(start, "integer literal too large");
            v = v * static_cast<uint64_t>(base) + dv;
          }
          t.int_value = static_cast<int64_t>(v);
        }
        out.push_back(std::move(t));
        k = j;
        continue;
      }
      if (is_name_start(c)) {
        size_t j = k;
        while (j < src.size() && is_name_char(src[j])) ++j;
        out.push_back({Token::Type::kName, std::string(src.substr(k, j - k)), 0, 0.0, start});
        k = j;
        continue;
      }
      const char* op = nullptr;
      for (const char* o : kOperators) {
        size_t n = std::strlen(o);
        if (src.substr(k, n) == o) {
          op = o;
          break;
        }
      }
      if (!op) return fail(k, std::string("unexpected character '") + c + "'");
      std::string ops(op);
      if (ops == "(" || ops == "[" || ops == "{") {
        brackets.push_back(ops == "(" ? ')' : ops == "[" ? ']' : '}');
        if (brackets.size() > 256) return fail(k, "brackets nested too deeply");
      } else if (ops == ")" || ops == "]" || ops == "}") {
        if (brackets.empty()) return fail(k, "unexpected '" + ops + "'");
        if (brackets.back() != ops[0])
          return fail(
              k, "unexpected '" + ops + "', expected '" + std::string(1, brackets.back()) + "'");
        brackets.pop_back();
      }
      out.push_back({Token::Type::kOp, ops, 0, 0.0, start});
      k += ops.size();
    }
    if (!closed)
      return fail(open,
                  is_var ? "missing end of variable tag '}}'" : "missing end of block tag '%}'");
  }
  out.push_back({Token::Type::kEof, "", 0, 0.0, src.size()});
  return out;
}

}  // namespace slim::tmpl
