// Special-token partitioning shared by the tokenizers: the input is cut at the texts of
// control / user-defined / unknown tokens before the model's own algorithm sees it.
#pragma once

#include <cstddef>
#include <cstdint>
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

// llama.cpp's tokenizer_st_partition: for each token of v.specials (longest text first),
// split every remaining text fragment at each leftmost, non-overlapping occurrence of its
// text. Control and unknown tokens only take part with parse_special; user-defined tokens
// always do (as in llama.cpp and Hugging Face tokenizers, which pre-split added tokens before
// the model). A token with lstrip / rstrip also swallows the whitespace (C isspace) to its
// left / right. Text fragments are never empty.
std::vector<Fragment> partition_special(std::string_view text, const Vocab& v, bool parse_special);

}  // namespace slim::tok
