#include "tokenizer/special_tokens.hpp"

namespace slim::tok {

namespace {

// C isspace() in the "C" locale, as llama.cpp uses for lstrip/rstrip.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::vector<Fragment> partition_special(std::string_view text, const Vocab& v, bool parse_special) {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, 0, text.size()});
  std::vector<Fragment> next;
  for (const int32_t id : v.specials) {
    const TokenInfo& t = v.tokens[static_cast<size_t>(id)];
    if (!parse_special && (t.type == TokenType::kControl || t.type == TokenType::kUnknown))
      continue;
    const std::string_view s = v.text(id);
    bool changed = false;
    next.clear();
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t off = f.off, len = f.len;
      while (true) {
        const size_t hit = text.substr(off, len).find(s);
        if (hit == std::string_view::npos) {
          if (len > 0) next.push_back({-1, off, len});
          break;
        }
        changed = true;
        size_t left_len = hit;
        if (t.lstrip) {
          while (left_len > 0 && is_space(text[off + left_len - 1])) --left_len;
        }
        if (left_len > 0) next.push_back({-1, off, left_len});
        next.push_back({id, 0, 0});
        size_t roff = off + hit + s.size();
        size_t rlen = off + len - roff;
        if (t.rstrip) {
          while (rlen > 0 && is_space(text[roff])) {
            ++roff;
            --rlen;
          }
        }
        off = roff;
        len = rlen;
      }
    }
    if (changed) frags.swap(next);
  }
  return frags;
}

}  // namespace slim::tok
