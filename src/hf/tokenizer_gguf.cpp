// HF tokenizer -> GGUF tokenizer.ggml.* metadata.
#include "hf/tokenizer_gguf.hpp"

#include "tokenizer/pretokenizer.hpp"

namespace slim::hf {

namespace {

bool same_rules(const std::vector<tok::SplitRule>& a, const std::vector<tok::SplitRule>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].pattern != b[i].pattern || a[i].behavior != b[i].behavior ||
        a[i].invert != b[i].invert || a[i].literal != b[i].literal) {
      return false;
    }
  }
  return true;
}

void put_id(gguf::GgufWriter& w, const char* key, int32_t id) {
  if (id >= 0) w.set_u32(key, static_cast<uint32_t>(id));
}

}  // namespace

std::string pre_tokenizer_name_for(const tok::PreTokenizer& pre, bool ignore_merges) {
  if (!pre.name.empty()) return pre.name;
  for (std::string_view name : tok::named_pre_tokenizer_names()) {
    const tok::NamedPreTokenizer* n = tok::find_named_pre_tokenizer(name);
    if (n != nullptr && n->ignore_merges == ignore_merges && same_rules(n->rules, pre.rules)) {
      return std::string(name);
    }
  }
  return {};
}

Status put_tokenizer_metadata(const tok::LoadedTokenizer& t, gguf::GgufWriter& w,
                              std::vector<std::string>* notes) {
  if (t.bpe == nullptr) {
    return unsupported("only byte-level BPE tokenizers can be written to GGUF yet (this one is " +
                       std::string(t.tokenizer ? t.tokenizer->model_name() : "unknown") + ")");
  }
  const tok::BpeVocab& v = t.bpe->vocab;
  const tok::PreTokenizer& pre = t.bpe->pre;
  if (!pre.normalizer.empty()) {
    return unsupported("the tokenizer has a normalizer, which GGUF cannot express");
  }
  if (pre.add_prefix_space) {
    return unsupported("the tokenizer adds a prefix space, which GGUF's gpt2 model cannot express");
  }
  const std::string pre_name = pre_tokenizer_name_for(pre, v.ignore_merges);
  if (pre_name.empty()) {
    return unsupported(
        "the tokenizer's pre-tokenizer rules match no tokenizer.ggml.pre name this build knows");
  }
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", pre_name);
  w.set_array_string("tokenizer.ggml.tokens", v.tokens);
  std::vector<int32_t> types(v.tokens.size(), static_cast<int32_t>(TokenType::kNormal));
  for (size_t i = 0; i < v.types.size() && i < types.size(); ++i) {
    types[i] = static_cast<int32_t>(v.types[i]);
  }
  w.set_array_i32("tokenizer.ggml.token_type", types);
  std::vector<std::string> merges;
  merges.reserve(v.merges.size());
  for (const auto& [a, b] : v.merges) merges.push_back(a + " " + b);
  w.set_array_string("tokenizer.ggml.merges", merges);
  put_id(w, "tokenizer.ggml.bos_token_id", v.bos);
  put_id(w, "tokenizer.ggml.eos_token_id", v.eos);
  put_id(w, "tokenizer.ggml.unknown_token_id", v.unk);
  put_id(w, "tokenizer.ggml.padding_token_id", v.pad);
  w.set_bool("tokenizer.ggml.add_bos_token", v.add_bos);
  w.set_bool("tokenizer.ggml.add_eos_token", t.add_eos);
  if (notes != nullptr && (!v.lstrip_ids.empty() || !v.rstrip_ids.empty())) {
    notes->push_back(
        "added tokens' lstrip/rstrip flags are not stored in GGUF (engines apply them by model "
        "name)");
  }
  return w.status();
}

}  // namespace slim::hf
