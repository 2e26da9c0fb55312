// Hugging Face tokenizer.json: byte-level BPE and WordPiece models (see hf_tokenizer.hpp for
// what is read and what is refused).
#include <string>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "tokenizer/bpe.hpp"
#include "tokenizer/hf_common.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/wordpiece.hpp"

namespace slim::tok {

namespace {

using hf::at;
using hf::Fields;

// Rust's char::is_ascii_punctuation || general category P* (Hugging Face `Punctuation`).
constexpr std::string_view kPunctuationPattern =
    "[\\p{P}\\x21-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7E]";

// A component (normalizer, pre_tokenizer ...): nullptr if absent or null, else an object.
Result<const json::Value*> component(const Fields& top, std::string_view key) {
  return top.object(key, false);
}

Result<std::string> component_type(const std::string& where, const json::Value& v,
                                   const std::string& path) {
  SLIM_TRY(hf::expect_type(where, path, v, json::Type::kObject));
  return Fields(where, v, path).type();
}

Result<SplitBehavior> parse_behavior(const Fields& f, std::string_view key, bool required) {
  SLIM_ASSIGN_OR_RETURN(std::string b, f.string(key, required, "Isolated"));
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  return f.error(key, json::quote(b) +
                          " is not a split behavior (Isolated, Removed, MergedWithPrevious, "
                          "MergedWithNext, Contiguous)");
}

// ---- BPE normalizer ------------------------------------------------------------------------

// NFC, NFD, NFKC, NFKD, or a (nested) Sequence of them: the forms in order.
Status parse_bpe_normalizer(const std::string& where, const json::Value& v, const std::string& path,
                            std::vector<NormalForm>* forms) {
  SLIM_ASSIGN_OR_RETURN(std::string type, component_type(where, v, path));
  const Fields f(where, v, path);
  for (const NormalForm nf :
       {NormalForm::kNFC, NormalForm::kNFD, NormalForm::kNFKC, NormalForm::kNFKD}) {
    if (type == normal_form_name(nf)) {
      forms->push_back(nf);
      return Status::ok();
    }
  }
  if (type == "Sequence") {
    SLIM_ASSIGN_OR_RETURN(const json::Value* list, f.array("normalizers", true));
    for (size_t i = 0; i < list->size(); ++i) {
      SLIM_TRY(parse_bpe_normalizer(where, list->at(i),
                                    json::index_path(f.path_of("normalizers"), i), forms));
    }
    return Status::ok();
  }
  return unsupported(at(where, path) + ": normalizer " + json::quote(type) +
                     " is not supported with BPE models (NFC, NFD, NFKC, NFKD and a Sequence of "
                     "them are)");
}

// ---- BPE pre-tokenizer ---------------------------------------------------------------------

struct PreState {
  std::vector<SplitRule> rules;
  std::vector<std::string> rule_paths;  // where each rule came from, for messages
  bool byte_level = false;
  bool add_prefix_space = false;
};

Status parse_bpe_pre(const std::string& where, const json::Value& v, const std::string& path,
                     PreState* st) {
  SLIM_ASSIGN_OR_RETURN(std::string type, component_type(where, v, path));
  const Fields f(where, v, path);
  if (st->byte_level && type != "Sequence") {
    return unsupported(at(where, path) + ": a " + json::quote(type) +
                       " pre-tokenizer after ByteLevel is not supported (it would see "
                       "byte-level text)");
  }
  if (type == "Sequence") {
    SLIM_ASSIGN_OR_RETURN(const json::Value* list, f.array("pretokenizers", true));
    for (size_t i = 0; i < list->size(); ++i) {
      SLIM_TRY(
          parse_bpe_pre(where, list->at(i), json::index_path(f.path_of("pretokenizers"), i), st));
    }
    return Status::ok();
  }
  if (type == "ByteLevel") {
    // Required, as in Hugging Face tokenizers (its default would be a guess).
    if (f.get("add_prefix_space") == nullptr) {
      return corrupt(at(where, f.path_of("add_prefix_space")) + " is missing");
    }
    SLIM_ASSIGN_OR_RETURN(const bool prefix, f.boolean("add_prefix_space", false));
    SLIM_ASSIGN_OR_RETURN(const bool use_regex, f.boolean("use_regex", true));
    if (prefix && !st->rules.empty()) {
      return unsupported(at(where, path) +
                         ": ByteLevel with add_prefix_space after other pre-tokenizers is not "
                         "supported (it would prefix every piece they made)");
    }
    if (use_regex) {
      st->rules.push_back({std::string(gpt2_pattern()), SplitBehavior::kIsolated});
      st->rule_paths.push_back(path + " (its GPT-2 regex)");
    }
    st->byte_level = true;
    st->add_prefix_space = prefix;
    return Status::ok();
  }
  if (type == "Split") {
    SLIM_ASSIGN_OR_RETURN(const json::Value* pat, f.object("pattern", true));
    SplitRule r;
    const Fields pf(where, *pat, f.path_of("pattern"));
    const json::Value* re = pf.get("Regex");
    const json::Value* lit = pf.get("String");
    if (pat->size() != 1 || (re == nullptr) == (lit == nullptr)) {
      return f.error("pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
    }
    SLIM_ASSIGN_OR_RETURN(r.pattern, pf.string(re != nullptr ? "Regex" : "String", true));
    if (r.pattern.empty()) return f.error("pattern", "is empty");
    r.literal = lit != nullptr;
    SLIM_ASSIGN_OR_RETURN(r.behavior, parse_behavior(f, "behavior", true));
    SLIM_ASSIGN_OR_RETURN(r.invert, f.boolean("invert", false));
    st->rules.push_back(std::move(r));
    st->rule_paths.push_back(path);
    return Status::ok();
  }
  if (type == "Digits") {
    SLIM_ASSIGN_OR_RETURN(const bool individual, f.boolean("individual_digits", false));
    st->rules.push_back(
        {"\\p{N}", individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous});
    st->rule_paths.push_back(path);
    return Status::ok();
  }
  if (type == "Punctuation") {
    SplitRule r;
    r.pattern = std::string(kPunctuationPattern);
    SLIM_ASSIGN_OR_RETURN(r.behavior, parse_behavior(f, "behavior", false));
    st->rules.push_back(std::move(r));
    st->rule_paths.push_back(path);
    return Status::ok();
  }
  return unsupported(at(where, path) + ": pre-tokenizer " + json::quote(type) +
                     " is not supported with BPE (ByteLevel, Split, Digits, Punctuation and "
                     "Sequence are)");
}

// ---- Post-processor -------------------------------------------------------------------------

struct PostState {
  int32_t bos = -1;  // added before the text
  int32_t eos = -1;  // added after it
  bool set = false;
};

Status check_token_id(const std::string& where, const std::string& path, int64_t id,
                      const hf::TokenTable& t) {
  if (id < 0 || id >= t.size()) {
    return corrupt(at(where, path) + ": token id " + std::to_string(id) +
                   " is out of range (there are " + std::to_string(t.size()) + " tokens)");
  }
  return Status::ok();
}

Status set_post(const std::string& where, const std::string& path, int32_t bos, int32_t eos,
                PostState* st) {
  if (st->set && (bos != st->bos || eos != st->eos)) {
    return unsupported(at(where, path) + ": more than one post-processor adding special tokens");
  }
  st->set = true;
  st->bos = bos;
  st->eos = eos;
  return Status::ok();
}

// ["[SEP]", 102]: the id, checked against the table.
Result<int32_t> text_id_pair(const Fields& f, std::string_view key, const hf::TokenTable& t) {
  SLIM_ASSIGN_OR_RETURN(const json::Value* a, f.array(key, true));
  const std::string path = f.path_of(key);
  int64_t id = 0;
  if (a->size() != 2 || !a->at(0).is_string() || !a->at(1).get_int(0, hf::kMaxTokens, &id)) {
    return f.error(key, "expected [token text, id]");
  }
  SLIM_TRY(check_token_id(f.where(), path, id, t));
  if (t.texts[static_cast<size_t>(id)] != a->at(0).str()) {
    return f.error(key, "token " + std::to_string(id) + " is " +
                            json::quote(t.texts[static_cast<size_t>(id)]) + ", not " +
                            json::quote(a->at(0).str()));
  }
  return static_cast<int32_t>(id);
}

Status parse_template(const Fields& f, const hf::TokenTable& t, PostState* st) {
  const std::string& where = f.where();
  const json::Value* single = f.get("single");
  if (single == nullptr) return corrupt(at(where, f.path_of("single")) + " is missing");
  if (!single->is_array()) {
    return unsupported(at(where, f.path_of("single")) +
                       ": only the array form of a template is supported");
  }
  SLIM_ASSIGN_OR_RETURN(const json::Value* specials, f.object("special_tokens", false));
  std::vector<int32_t> before, after;
  bool seen_a = false;
  for (size_t i = 0; i < single->size(); ++i) {
    const std::string ipath = json::index_path(f.path_of("single"), i);
    const json::Value& item = single->at(i);
    SLIM_TRY(hf::expect_type(where, ipath, item, json::Type::kObject));
    const Fields itf(where, item, ipath);
    if (item.size() != 1 ||
        (itf.get("SpecialToken") == nullptr && itf.get("Sequence") == nullptr)) {
      return corrupt(at(where, ipath) +
                     ": expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }
    if (const json::Value* seq = itf.get("Sequence")) {
      SLIM_TRY(hf::expect_type(where, itf.path_of("Sequence"), *seq, json::Type::kObject));
      const Fields sf(where, *seq, itf.path_of("Sequence"));
      SLIM_ASSIGN_OR_RETURN(std::string id, sf.string("id", true));
      if (id != "A" || seen_a) {
        return corrupt(at(where, sf.path_of("id")) + ": a single-sequence template must hold " +
                       "$A exactly once, found " + json::quote(id));
      }
      seen_a = true;
      continue;
    }
    const json::Value* sp = itf.get("SpecialToken");
    SLIM_TRY(hf::expect_type(where, itf.path_of("SpecialToken"), *sp, json::Type::kObject));
    const Fields spf(where, *sp, itf.path_of("SpecialToken"));
    SLIM_ASSIGN_OR_RETURN(std::string name, spf.string("id", true));
    const json::Value* def = specials != nullptr ? specials->find(name) : nullptr;
    const std::string dpath = json::member_path(f.path_of("special_tokens"), name);
    if (def == nullptr) {
      return corrupt(at(where, ipath) + ": special token " + json::quote(name) +
                     " is not defined in " + f.path_of("special_tokens"));
    }
    SLIM_TRY(hf::expect_type(where, dpath, *def, json::Type::kObject));
    const Fields df(where, *def, dpath);
    SLIM_ASSIGN_OR_RETURN(const json::Value* ids, df.array("ids", true));
    if (ids->size() != 1) {
      return unsupported(at(where, df.path_of("ids")) + ": special token " + json::quote(name) +
                         " stands for " + std::to_string(ids->size()) +
                         " ids; only single-token specials are supported");
    }
    int64_t id = -1;
    if (!ids->at(0).get_int(0, hf::kMaxTokens, &id)) {
      return corrupt(at(where, json::index_path(df.path_of("ids"), 0)) + " is not a token id");
    }
    SLIM_TRY(check_token_id(where, json::index_path(df.path_of("ids"), 0), id, t));
    (seen_a ? after : before).push_back(static_cast<int32_t>(id));
  }
  if (!seen_a) return corrupt(at(where, f.path_of("single")) + ": the template has no $A");
  if (before.size() > 1 || after.size() > 1) {
    return unsupported(at(where, f.path_of("single")) +
                       ": templates with more than one special token before or after the text "
                       "are not supported");
  }
  return set_post(where, f.path(), before.empty() ? -1 : before[0], after.empty() ? -1 : after[0],
                  st);
}

Status parse_post(const std::string& where, const json::Value& v, const std::string& path,
                  const hf::TokenTable& t, PostState* st) {
  SLIM_ASSIGN_OR_RETURN(std::string type, component_type(where, v, path));
  const Fields f(where, v, path);
  if (type == "ByteLevel") return Status::ok();  // only adjusts offsets
  if (type == "Sequence") {
    SLIM_ASSIGN_OR_RETURN(const json::Value* list, f.array("processors", true));
    for (size_t i = 0; i < list->size(); ++i) {
      SLIM_TRY(parse_post(where, list->at(i), json::index_path(f.path_of("processors"), i), t, st));
    }
    return Status::ok();
  }
  if (type == "TemplateProcessing") return parse_template(f, t, st);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    SLIM_ASSIGN_OR_RETURN(const int32_t cls, text_id_pair(f, "cls", t));
    SLIM_ASSIGN_OR_RETURN(const int32_t sep, text_id_pair(f, "sep", t));
    return set_post(where, path, cls, sep, st);
  }
  return unsupported(at(where, path) + ": post-processor " + json::quote(type) +
                     " is not supported (TemplateProcessing, BertProcessing, RobertaProcessing, "
                     "ByteLevel and Sequence are)");
}

// ---- Models ---------------------------------------------------------------------------------

struct Common {
  const std::string& where;
  const json::Value& doc;
  const Fields& top;
  const Fields& model;
  const std::vector<hf::AddedToken>& added;
  const hf::HfConfig& config;
};

Status check_bpe_decoder(const std::string& where, const json::Value* v, const std::string& path) {
  if (v == nullptr) {
    return unsupported(at(where, path) + " is missing: byte-level BPE needs the ByteLevel decoder");
  }
  SLIM_ASSIGN_OR_RETURN(std::string type, component_type(where, *v, path));
  const Fields f(where, *v, path);
  if (type == "ByteLevel") return Status::ok();
  if (type == "Sequence") {
    SLIM_ASSIGN_OR_RETURN(const json::Value* list, f.array("decoders", true));
    if (list->size() == 1) {
      return check_bpe_decoder(where, &list->at(0), json::index_path(f.path_of("decoders"), 0));
    }
  }
  return unsupported(at(where, path) + ": decoder " + json::quote(type) +
                     " is not supported with BPE (ByteLevel is)");
}

Result<LoadedTokenizer> load_bpe(const Common& c) {
  const std::string& where = c.where;
  const Fields& m = c.model;
  // Options that change the ids and are not implemented.
  if (const json::Value* d = m.get("dropout")) {
    if (!d->is_number()) return m.wrong_type("dropout", *d, "a number or null");
    if (d->as_double() > 0.0) {
      return unsupported(at(where, m.path_of("dropout")) + ": BPE dropout is not supported");
    }
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    SLIM_ASSIGN_OR_RETURN(std::string s, m.string(key, false));
    if (!s.empty()) {
      return unsupported(at(where, m.path_of(key)) + " = " + json::quote(s) +
                         " is not supported (byte-level BPE has none)");
    }
  }
  SLIM_ASSIGN_OR_RETURN(const bool byte_fallback, m.boolean("byte_fallback", false));
  if (byte_fallback) {
    return unsupported(at(where, m.path_of("byte_fallback")) +
                       ": byte fallback (SentencePiece-style BPE) is not supported");
  }
  SLIM_ASSIGN_OR_RETURN(const bool ignore_merges, m.boolean("ignore_merges", false));
  SLIM_ASSIGN_OR_RETURN(std::string unk_token, m.string("unk_token", false));
  SLIM_ASSIGN_OR_RETURN(const bool fuse_unk, m.boolean("fuse_unk", false));
  (void)fuse_unk;  // only matters with an unknown token, which byte-level BPE never emits

  SLIM_ASSIGN_OR_RETURN(const json::Value* vocab_obj, m.object("vocab", true));
  SLIM_ASSIGN_OR_RETURN(auto vocab, hf::parse_vocab_object(where, m.path_of("vocab"), *vocab_obj));
  SLIM_ASSIGN_OR_RETURN(const json::Value* merges, m.array("merges", true));
  if (merges->size() > static_cast<size_t>(hf::kMaxTokens)) {
    return corrupt(at(where, m.path_of("merges")) + " has " + std::to_string(merges->size()) +
                   " entries, more than the limit of " + std::to_string(hf::kMaxTokens));
  }

  std::vector<NormalForm> forms;
  SLIM_ASSIGN_OR_RETURN(const json::Value* norm, component(c.top, "normalizer"));
  if (norm != nullptr) SLIM_TRY(parse_bpe_normalizer(where, *norm, "normalizer", &forms));
  if (!forms.empty()) {
    // Hugging Face matches these in the normalized text; partition_special only matches the
    // raw text (where normalized: false tokens are matched, as Hugging Face does).
    for (const hf::AddedToken& a : c.added) {
      if (a.normalized) {
        return unsupported(at(a.where, a.path) + ": " + json::quote(a.content) +
                           " is matched after normalization (normalized: true), which is not "
                           "supported with a normalizer");
      }
    }
  }
  PreState pre;
  SLIM_ASSIGN_OR_RETURN(const json::Value* pre_v, component(c.top, "pre_tokenizer"));
  if (pre_v != nullptr) SLIM_TRY(parse_bpe_pre(where, *pre_v, "pre_tokenizer", &pre));
  if (!pre.byte_level) {
    return unsupported(at(where, "pre_tokenizer") +
                       ": BPE without a ByteLevel pre-tokenizer is not supported (only "
                       "byte-level BPE is)");
  }
  SLIM_ASSIGN_OR_RETURN(const json::Value* dec, component(c.top, "decoder"));
  SLIM_TRY(check_bpe_decoder(where, dec, "decoder"));

  SLIM_ASSIGN_OR_RETURN(hf::TokenTable t,
                        hf::build_token_table(where, m.path_of("vocab"), vocab, c.added));
  PostState post;
  SLIM_ASSIGN_OR_RETURN(const json::Value* post_v, component(c.top, "post_processor"));
  if (post_v != nullptr) SLIM_TRY(parse_post(where, *post_v, "post_processor", t, &post));

  BpeVocab bv;
  bv.merges.reserve(merges->size());
  const std::string mpath = m.path_of("merges");
  for (size_t i = 0; i < merges->size(); ++i) {
    const json::Value& x = merges->at(i);
    const std::string ipath = json::index_path(mpath, i);
    std::string a, b;
    if (x.is_string()) {
      const std::string& s = x.str();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        return corrupt(at(where, ipath) + ": " + json::quote(s) +
                       " is not two token texts separated by one space");
      }
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (x.is_array()) {
      if (x.size() != 2 || !x.at(0).is_string() || !x.at(1).is_string()) {
        return corrupt(at(where, ipath) + ": expected a pair of token texts [\"a\", \"b\"]");
      }
      a = x.at(0).str();
      b = x.at(1).str();
    } else {
      return corrupt(at(where, ipath) + " is " + x.type_name() +
                     ", expected a string \"a b\" or a pair [\"a\", \"b\"]");
    }
    for (const std::string* part : {&a, &b}) {
      if (t.find(*part) < 0) {
        return corrupt(at(where, ipath) + ": " + json::quote(*part) + " is not in " +
                       m.path_of("vocab"));
      }
    }
    if (t.find(a + b) < 0) {
      return corrupt(at(where, ipath) + ": the merged token " + json::quote(a + b) + " is not in " +
                     m.path_of("vocab"));
    }
    bv.merges.emplace_back(std::move(a), std::move(b));
  }

  bv.unk = unk_token.empty() ? -1 : t.find(unk_token);
  if (post.set) {
    bv.bos = post.bos;
    bv.eos = post.eos;
  }
  if (bv.bos < 0) bv.bos = hf::find_or_none(t, c.config.bos);
  if (bv.eos < 0) bv.eos = hf::find_or_none(t, c.config.eos);
  if (bv.unk < 0) bv.unk = hf::find_or_none(t, c.config.unk);
  bv.pad = hf::find_or_none(t, c.config.pad);
  // tokenizer_config.json's add_bos_token / add_eos_token, when given, override the
  // post-processor (transformers' Llama/GPT-2 fast tokenizers rebuild it from them; llama.cpp's
  // converter reads them too).
  bv.add_bos = c.config.add_bos.value_or(post.bos >= 0) && bv.bos >= 0;
  bv.add_eos = c.config.add_eos.value_or(post.eos >= 0) && bv.eos >= 0;
  bv.ignore_merges = ignore_merges;
  bv.lstrip_ids = std::move(t.lstrip_ids);
  bv.rstrip_ids = std::move(t.rstrip_ids);
  bv.tokens = std::move(t.texts);
  bv.types = std::move(t.types);
  PreTokenizer p = PreTokenizer::from_rules(std::move(pre.rules));
  p.add_prefix_space = pre.add_prefix_space;
  p.normalizer = Normalizer(std::move(forms));
  auto spec = std::make_shared<BpeSpec>(BpeSpec{bv, p});
  auto tok = make_bpe_tokenizer(std::move(bv), std::move(p));
  if (!tok.is_ok()) {
    // Name the field behind a rule the BPE builder refers to by index ("rule 2").
    std::string msg = tok.status().message();
    const std::string key = "pre-tokenizer rule ";
    if (const size_t k = msg.find(key); k != std::string::npos) {
      size_t i = k + key.size(), n = 0;
      bool digits = false;
      for (; i < msg.size() && msg[i] >= '0' && msg[i] <= '9' && n < 1000; ++i) {
        n = n * 10 + static_cast<size_t>(msg[i] - '0');
        digits = true;
      }
      if (digits && n < pre.rule_paths.size()) msg = pre.rule_paths[n] + ": " + msg;
    }
    return Status(tok.status().code(), msg).with_context(where);
  }
  LoadedTokenizer out;
  out.tokenizer = std::move(tok).value();
  out.bpe = std::move(spec);
  out.add_eos = c.config.add_eos.value_or(post.eos >= 0);
  out.source = "tokenizer.json";
  return out;
}

Result<LoadedTokenizer> load_wordpiece(const Common& c) {
  const std::string& where = c.where;
  const Fields& m = c.model;
  WordPieceVocab wv;
  SLIM_ASSIGN_OR_RETURN(std::string unk_token, m.string("unk_token", false, "[UNK]"));
  SLIM_ASSIGN_OR_RETURN(wv.continuing_prefix, m.string("continuing_subword_prefix", false, "##"));
  if (wv.continuing_prefix.empty()) {
    return corrupt(at(where, m.path_of("continuing_subword_prefix")) + " is empty");
  }
  SLIM_ASSIGN_OR_RETURN(const int64_t max_chars,
                        m.integer("max_input_chars_per_word", 1, int64_t{1} << 20, false, 100));
  wv.max_input_chars_per_word = static_cast<size_t>(max_chars);
  SLIM_ASSIGN_OR_RETURN(const json::Value* vocab_obj, m.object("vocab", true));
  SLIM_ASSIGN_OR_RETURN(auto vocab, hf::parse_vocab_object(where, m.path_of("vocab"), *vocab_obj));

  // Normalizer.
  wv.clean_text = wv.handle_chinese_chars = wv.strip_accents = wv.lowercase = false;
  SLIM_ASSIGN_OR_RETURN(const json::Value* norm, component(c.top, "normalizer"));
  if (norm != nullptr) {
    SLIM_ASSIGN_OR_RETURN(std::string type, component_type(where, *norm, "normalizer"));
    const Fields f(where, *norm, "normalizer");
    if (type == "BertNormalizer") {
      SLIM_ASSIGN_OR_RETURN(wv.clean_text, f.boolean("clean_text", true));
      SLIM_ASSIGN_OR_RETURN(wv.handle_chinese_chars, f.boolean("handle_chinese_chars", true));
      SLIM_ASSIGN_OR_RETURN(wv.lowercase, f.boolean("lowercase", true));
      SLIM_ASSIGN_OR_RETURN(std::optional<bool> strip, f.opt_boolean("strip_accents"));
      wv.strip_accents = strip.value_or(wv.lowercase);
    } else if (type == "Lowercase") {
      wv.lowercase = true;
    } else {
      return unsupported(at(where, "normalizer") + ": normalizer " + json::quote(type) +
                         " is not supported with WordPiece (BertNormalizer and Lowercase are)");
    }
    for (const hf::AddedToken& a : c.added) {
      if (a.normalized) {
        return unsupported(at(a.where, a.path) + ": " + json::quote(a.content) +
                           " is matched after normalization (normalized: true), which is not "
                           "supported");
      }
    }
  }
  SLIM_ASSIGN_OR_RETURN(const json::Value* pre, component(c.top, "pre_tokenizer"));
  if (pre == nullptr) {
    return unsupported(at(where, "pre_tokenizer") +
                       " is missing: WordPiece needs the BertPreTokenizer");
  }
  SLIM_ASSIGN_OR_RETURN(std::string pre_type, component_type(where, *pre, "pre_tokenizer"));
  if (pre_type != "BertPreTokenizer") {
    return unsupported(at(where, "pre_tokenizer") + ": pre-tokenizer " + json::quote(pre_type) +
                       " is not supported with WordPiece (BertPreTokenizer is)");
  }
  SLIM_ASSIGN_OR_RETURN(const json::Value* dec, component(c.top, "decoder"));
  if (dec != nullptr) {
    SLIM_ASSIGN_OR_RETURN(std::string type, component_type(where, *dec, "decoder"));
    const Fields f(where, *dec, "decoder");
    SLIM_ASSIGN_OR_RETURN(std::string prefix, f.string("prefix", false, "##"));
    if (type != "WordPiece" || prefix != wv.continuing_prefix) {
      return unsupported(at(where, "decoder") + ": decoder " + json::quote(type) +
                         " is not supported with this WordPiece model (WordPiece with prefix " +
                         json::quote(wv.continuing_prefix) + " is)");
    }
  }

  SLIM_ASSIGN_OR_RETURN(hf::TokenTable t,
                        hf::build_token_table(where, m.path_of("vocab"), vocab, c.added));
  PostState post;
  SLIM_ASSIGN_OR_RETURN(const json::Value* post_v, component(c.top, "post_processor"));
  if (post_v != nullptr) SLIM_TRY(parse_post(where, *post_v, "post_processor", t, &post));

  wv.unk = t.find(unk_token);
  wv.cls = post.bos;
  wv.sep = post.eos;
  wv.add_cls = post.bos >= 0;
  wv.add_sep = post.eos >= 0;
  wv.pad = t.find("[PAD]");
  wv.mask = t.find("[MASK]");
  wv.lstrip_ids = std::move(t.lstrip_ids);
  wv.rstrip_ids = std::move(t.rstrip_ids);
  wv.tokens = std::move(t.texts);
  wv.types = std::move(t.types);
  SLIM_ASSIGN_OR_RETURN(auto tok, WordPieceTokenizer::create(std::move(wv), where));
  LoadedTokenizer out;
  out.tokenizer = std::move(tok);
  out.add_eos = post.eos >= 0;
  out.source = "tokenizer.json";
  return out;
}

}  // namespace

Result<LoadedTokenizer> load_hf_tokenizer_json(std::string_view text, const std::string& where,
                                               const HfConfigText& config) {
  json::Limits limits;
  limits.max_bytes = kMaxHfFileBytes;
  SLIM_ASSIGN_OR_RETURN(json::Value doc, json::parse(text, where, limits));
  SLIM_TRY(hf::expect_type(where, "", doc, json::Type::kObject));
  const Fields top(where, doc, "");
  SLIM_ASSIGN_OR_RETURN(const json::Value* model, top.object("model", true));
  const Fields m(where, *model, "model");
  SLIM_ASSIGN_OR_RETURN(std::string type, m.string("type", true));

  std::vector<hf::AddedToken> added;
  SLIM_ASSIGN_OR_RETURN(const json::Value* list, top.array("added_tokens", false));
  if (list != nullptr) {
    if (list->size() > static_cast<size_t>(hf::kMaxTokens)) {
      return corrupt(at(where, "added_tokens") + " has too many entries");
    }
    added.reserve(list->size());
    for (size_t i = 0; i < list->size(); ++i) {
      SLIM_ASSIGN_OR_RETURN(
          hf::AddedToken a,
          hf::parse_added_token(where, list->at(i), json::index_path("added_tokens", i)));
      added.push_back(std::move(a));
    }
  }
  SLIM_ASSIGN_OR_RETURN(hf::HfConfig cfg, hf::parse_config(config));
  const Common c{where, doc, top, m, added, cfg};
  if (type == "BPE") return load_bpe(c);
  if (type == "WordPiece") return load_wordpiece(c);
  return unsupported(at(where, "model.type") + ": model type " + json::quote(type) +
                     " is not supported (BPE and WordPiece are)");
}

}  // namespace slim::tok
