#include "tokenizer/special_tokens.hpp"

namespace slim::tok {

std::vector<Fragment> partition_special(std::string_view text, const Vocab& v, bool parse_special) {
  return partition_special(text, v.specials, [&](int32_t id, SpecialText* out) {
    const TokenInfo& t = v.tokens[static_cast<size_t>(id)];
    if (!parse_special && (t.type == TokenType::kControl || t.type == TokenType::kUnknown))
      return false;
    *out = {v.text(id), t.lstrip, t.rstrip};
    return true;
  });
}

}  // namespace slim::tok
