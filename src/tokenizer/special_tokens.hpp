// Special-token partitioning shared by the tokenizers: the input is cut at the texts of
// control / user-defined / unknown tokens before the model's own algorithm sees it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.hpp"

namespace slim::tok {

// A piece of the input: a special token (token >= 0) or text [off, off + len).
struct Fragment {
  int32_t token = -1;
  size_t off = 0;
  size_t len = 0;
};

// What the partitioning needs to know of one special token.
struct SpecialText {
  std::string_view text;
  bool lstrip = false;  // also swallows the whitespace to its left / right
  bool rstrip = false;
};

namespace detail {
// C isspace() in the "C" locale, as llama.cpp uses for lstrip/rstrip.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
}  // namespace detail

// llama.cpp's tokenizer_st_partition, for any vocabulary: for each id of `specials` in order
// (longest text first) for which lookup(id, &special) returns true, split every remaining
// text fragment at each leftmost, non-overlapping occurrence of special.text. Text fragments
// are never empty.
template <class Lookup>
std::vector<Fragment> partition_special(std::string_view text, std::span<const int32_t> specials,
                                        Lookup&& lookup) {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, 0, text.size()});
  std::vector<Fragment> next;
  for (const int32_t id : specials) {
    SpecialText t;
    if (!lookup(id, &t)) continue;
    const std::string_view s = t.text;
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
          while (left_len > 0 && detail::is_space(text[off + left_len - 1])) --left_len;
        }
        if (left_len > 0) next.push_back({-1, off, left_len});
        next.push_back({id, 0, 0});
        size_t roff = off + hit + s.size();
        size_t rlen = off + len - roff;
        if (t.rstrip) {
          while (rlen > 0 && detail::is_space(text[roff])) {
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

// llama.cpp's tokenizer_st_partition: for each token of v.specials (longest text first),
// split every remaining text fragment at each leftmost, non-overlapping occurrence of its
// text. Control and unknown tokens only take part with parse_special; user-defined tokens
// always do (as in llama.cpp and Hugging Face tokenizers, which pre-split added tokens before
// the model). A token with lstrip / rstrip also swallows the whitespace (C isspace) to its
// left / right. Text fragments are never empty.
std::vector<Fragment> partition_special(std::string_view text, const Vocab& v, bool parse_special);

}  // namespace slim::tok
