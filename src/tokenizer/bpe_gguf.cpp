// Byte-level BPE from GGUF metadata (tokenizer.ggml.model = "gpt2").
//
// This is on the model-load path, so it builds the vocab directly (token texts copied once
// into one buffer, merges looked up straight from the file's "left right" strings) instead of
// going through BpeVocab's per-token std::strings; the checks and results are those of
// make_bpe_tokenizer.
#include <limits>
#include <string>
#include <utility>

#include "format/gguf.hpp"
#include "tokenizer/bpe.hpp"
#include "tokenizer/bpe_internal.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/vocab.hpp"

namespace slim::tok {

Result<std::shared_ptr<const Tokenizer>> load_bpe_tokenizer_gguf(const gguf::GgufFile& f) {
  using gguf::ValueType;
  Vocab v;

  SLIM_ASSIGN_OR_RETURN(const gguf::Value* toks, gguf_token_list(f));
  const size_t n = toks->items.size();
  const auto n_tokens = static_cast<int32_t>(n);
  {
    GgufStringReader texts(*toks);
    v.texts.reserve(n, texts.span());
    for (size_t i = 0; i < n; ++i) v.texts.push_back(texts.next());
  }
  v.tokens.resize(n);
  {
    std::vector<TokenType> types;
    SLIM_TRY(gguf_read_token_types(f, n, &types));  // checks the count and 0..6
    for (size_t i = 0; i < types.size(); ++i) v.tokens[i].type = types[i];
  }

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
  std::vector<std::string_view> lines;  // views of the file, used only while building
  {
    GgufStringReader reader(*merges);
    lines.reserve(reader.size());
    for (size_t i = 0; i < reader.size(); ++i) {
      const std::string_view m = reader.next();
      const size_t sp = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
      if (sp == std::string_view::npos || sp + 1 >= m.size()) {
        return corrupt("tokenizer: tokenizer.ggml.merges[" + std::to_string(i) +
                       "] = " + quote_text(m) + " is not two token texts separated by a space");
      }
      lines.push_back(m);
    }
  }

  // The pre-tokenizer. A file without tokenizer.ggml.pre gets llama.cpp's "default" list
  // (old conversions); an unknown name is an error, never a fallback.
  std::string pre = "default";
  if (const gguf::Value* p = f.find("tokenizer.ggml.pre")) {
    if (p->type != ValueType::kString) return gguf_bad_type("tokenizer.ggml.pre", *p, "string");
    pre = std::string(p->str);
  }
  const NamedPreTokenizer* named = find_named_pre_tokenizer(pre);
  v.add_bos = named != nullptr && named->add_bos;  // else resolve_bpe_pre_tokenizer reports it
  v.add_eos = false;

  // No default special ids for BPE vocabs (llama.cpp's 11/11 is a Falcon leftover). The
  // separator, cls and mask ids are checked (as make_bpe_tokenizer does) but not used.
  int32_t sep = -1, cls = -1, mask = -1;
  SLIM_TRY(gguf_read_special_ids(f, n_tokens, &v));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.seperator_token_id", n_tokens, &sep));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.cls_token_id", n_tokens, &cls));
  SLIM_TRY(gguf_read_token_id(f, "tokenizer.ggml.mask_token_id", n_tokens, &mask));
  SLIM_TRY(gguf_read_bool(f, "tokenizer.ggml.add_bos_token", &v.add_bos));
  SLIM_TRY(gguf_read_bool(f, "tokenizer.ggml.add_eos_token", &v.add_eos));
  if (const gguf::Value* name = f.find("general.name"); name && name->type == ValueType::kString) {
    v.general_name = std::string(name->str);
  }

  // make_bpe_tokenizer's own checks that the reads above do not already imply.
  if (n >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return corrupt("tokenizer: " + std::to_string(n) + " tokens is too many");
  }
  if (lines.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return corrupt("tokenizer: " + std::to_string(lines.size()) + " merges is too many");
  }
  bool ignore_merges = false;
  SLIM_ASSIGN_OR_RETURN(RegexSplitter splitter,
                        resolve_bpe_pre_tokenizer(PreTokenizer::from_name(pre), &ignore_merges));
  return finish_bpe_tokenizer(std::move(v), MergeTexts(&lines), std::move(splitter), ignore_merges,
                              /*add_prefix_space=*/false, "gpt2");
}

}  // namespace slim::tok
