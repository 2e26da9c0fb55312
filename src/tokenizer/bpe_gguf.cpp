// Byte-level BPE from GGUF metadata (tokenizer.ggml.model = "gpt2").
#include <string>
#include <utility>

#include "format/gguf.hpp"
#include "tokenizer/bpe.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/vocab.hpp"

namespace slim::tok {

Result<std::shared_ptr<const Tokenizer>> load_bpe_tokenizer_gguf(const gguf::GgufFile& f) {
  using gguf::ValueType;
  BpeVocab v;

  SLIM_ASSIGN_OR_RETURN(const gguf::Value* toks, gguf_token_list(f));
  const size_t n = toks->items.size();
  const auto n_tokens = static_cast<int32_t>(n);
  v.tokens.reserve(n);
  for (const gguf::Value& t : toks->items) v.tokens.emplace_back(t.str);
  SLIM_TRY(gguf_read_token_types(f, n, &v.types));

  // Merges: "left right", rank = index. As llama.cpp, the separator is the first space after
  // the first byte (byte-level token texts never contain a raw space).
  const gguf::Value* merges = f.find("tokenizer.ggml.merges");
  if (merges == nullptr) {
    return not_found(
        "tokenizer: GGUF has no tokenizer.ggml.merges (required by tokenizer.ggml.model 'gpt2')");
  }
  if (merges->type != ValueType::kArray || merges->elem_type != ValueType::kString) {
    return gguf_bad_type("tokenizer.ggml.merges", *merges, "array of string");
  }
  v.merges.reserve(merges->items.size());
  for (size_t i = 0; i < merges->items.size(); ++i) {
    const std::string_view m = merges->items[i].str;
    const size_t sp = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
    if (sp == std::string_view::npos || sp + 1 >= m.size()) {
      return corrupt("tokenizer: tokenizer.ggml.merges[" + std::to_string(i) +
                     "] = " + quote_text(m) + " is not two token texts separated by a space");
    }
    v.merges.emplace_back(std::string(m.substr(0, sp)), std::string(m.substr(sp + 1)));
  }

  // The pre-tokenizer. A file without tokenizer.ggml.pre gets llama.cpp's "default" list
  // (old conversions); an unknown name is an error, never a fallback.
  std::string pre = "default";
  if (const gguf::Value* p = f.find("tokenizer.ggml.pre")) {
    if (p->type != ValueType::kString) return gguf_bad_type("tokenizer.ggml.pre", *p, "string");
    pre = std::string(p->str);
  }
  const NamedPreTokenizer* named = find_named_pre_tokenizer(pre);
  if (named != nullptr) v.add_bos = named->add_bos;  // else make_bpe_tokenizer reports it

  // No default special ids for BPE vocabs (llama.cpp's 11/11 is a Falcon leftover).
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.bos_token_id", n_tokens, &v.bos));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.eos_token_id", n_tokens, &v.eos));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.unknown_token_id", n_tokens, &v.unk));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.padding_token_id", n_tokens, &v.pad));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.eot_token_id", n_tokens, &v.eot));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.eom_token_id", n_tokens, &v.eom));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.seperator_token_id", n_tokens, &v.sep));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.cls_token_id", n_tokens, &v.cls));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.mask_token_id", n_tokens, &v.mask));
  SLIM_TRY(gguf_read_bool(f, "tokenizer.ggml.add_bos_token", &v.add_bos));
  SLIM_TRY(gguf_read_bool(f, "tokenizer.ggml.add_eos_token", &v.add_eos));
  if (const gguf::Value* name = f.find("general.name"); name && name->type == ValueType::kString) {
    v.general_name = std::string(name->str);
  }
  return make_bpe_tokenizer(std::move(v), PreTokenizer::from_name(pre));
}

}  // namespace slim::tok
