// The older Hugging Face tokenizer files: vocab.json + merges.txt (GPT-2 style byte-level BPE)
// and BERT's vocab.txt, with the optional tokenizer_config.json.
#include <string>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "tokenizer/bpe.hpp"
#include "tokenizer/hf_common.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/wordpiece.hpp"

namespace slim::tok {

namespace {

using hf::at;

constexpr std::string_view kGpt2Special = "<|endoftext|>";

// Calls fn(line_number (1-based), line) for each line; "\r\n" endings are accepted and the
// empty piece after a final newline is not a line.
template <typename Fn>
Status for_each_line(std::string_view text, Fn fn) {
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    SLIM_TRY(fn(++line_no, line));
    pos = end + 1;
  }
  return Status::ok();
}

Status check_size(const std::string& where, std::string_view text) {
  if (text.size() > kMaxHfFileBytes) {
    return corrupt(where + ": " + std::to_string(text.size()) + " bytes is more than the " +
                   std::to_string(kMaxHfFileBytes) + "-byte limit");
  }
  return Status::ok();
}

}  // namespace

Result<LoadedTokenizer> load_hf_vocab_merges(std::string_view vocab_json,
                                             const std::string& vocab_where,
                                             std::string_view merges_txt,
                                             const std::string& merges_where,
                                             const HfConfigText& config) {
  json::Limits limits;
  limits.max_bytes = kMaxHfFileBytes;
  SLIM_ASSIGN_OR_RETURN(json::Value doc, json::parse(vocab_json, vocab_where, limits));
  SLIM_ASSIGN_OR_RETURN(auto vocab, hf::parse_vocab_object(vocab_where, "", doc));
  SLIM_ASSIGN_OR_RETURN(hf::HfConfig cfg, hf::parse_config(config));
  SLIM_ASSIGN_OR_RETURN(hf::TokenTable t, hf::build_token_table(vocab_where, "", vocab, cfg.added));

  // GPT2Tokenizer's special token: <|endoftext|> is BOS, EOS and UNK unless configured.
  const int32_t eot = t.find(kGpt2Special);
  if (eot >= 0 && t.types[static_cast<size_t>(eot)] == TokenType::kNormal) {
    t.types[static_cast<size_t>(eot)] = TokenType::kControl;
  }
  BpeVocab bv;
  bv.bos = cfg.bos ? hf::find_or_none(t, cfg.bos) : eot;
  bv.eos = cfg.eos ? hf::find_or_none(t, cfg.eos) : eot;
  bv.unk = cfg.unk ? hf::find_or_none(t, cfg.unk) : eot;
  bv.pad = hf::find_or_none(t, cfg.pad);
  bv.add_bos = cfg.add_bos.value_or(false);
  bv.add_eos = cfg.add_eos.value_or(false);
  for (const int32_t id : {bv.bos, bv.eos, bv.unk, bv.pad}) {
    if (id >= 0 && t.types[static_cast<size_t>(id)] == TokenType::kNormal) {
      t.types[static_cast<size_t>(id)] = TokenType::kControl;
    }
  }

  // merges.txt: "left right" per line, rank = order; "#version" lines are skipped.
  SLIM_TRY(check_size(merges_where, merges_txt));
  size_t n_lines = 0;
  SLIM_TRY(for_each_line(merges_txt, [&](size_t, std::string_view) {
    ++n_lines;
    return Status::ok();
  }));
  if (n_lines > static_cast<size_t>(hf::kMaxTokens)) {
    return corrupt(merges_where + ": " + std::to_string(n_lines) +
                   " lines, more than the limit of " + std::to_string(hf::kMaxTokens));
  }
  bv.merges.reserve(n_lines);
  const auto parse_merge = [&](size_t no, std::string_view line) -> Status {
    const std::string here = merges_where + ": line " + std::to_string(no);
    if (line.substr(0, 8) == "#version") return Status::ok();
    SLIM_TRY(hf::check_utf8(here, "", line));
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos || line.find(' ', sp + 1) != std::string_view::npos) {
      return corrupt(here + ": " + json::quote(line) +
                     " is not two token texts separated by one space");
    }
    std::string a(line.substr(0, sp)), b(line.substr(sp + 1));
    for (const std::string* part : {&a, &b}) {
      if (t.find(*part) < 0) {
        return corrupt(here + ": " + json::quote(*part) + " is not a token of " + vocab_where);
      }
    }
    if (t.find(a + b) < 0) {
      return corrupt(here + ": the merged token " + json::quote(a + b) + " is not a token of " +
                     vocab_where);
    }
    bv.merges.emplace_back(std::move(a), std::move(b));
    return Status::ok();
  };
  SLIM_TRY(for_each_line(merges_txt, parse_merge));

  bv.lstrip_ids = std::move(t.lstrip_ids);
  bv.rstrip_ids = std::move(t.rstrip_ids);
  bv.tokens = std::move(t.texts);
  bv.types = std::move(t.types);
  std::vector<SplitRule> rules(1);
  rules[0].pattern = std::string(gpt2_pattern());  // GPT-2's regex, as ByteLevel(use_regex)
  PreTokenizer p = PreTokenizer::from_rules(std::move(rules));
  p.add_prefix_space = cfg.add_prefix_space.value_or(false);
  auto spec = std::make_shared<BpeSpec>(BpeSpec{bv, p});
  auto tok = make_bpe_tokenizer(std::move(bv), std::move(p));
  if (!tok.is_ok()) return tok.status().with_context(vocab_where);
  LoadedTokenizer out;
  out.tokenizer = std::move(tok).value();
  out.bpe = std::move(spec);
  out.add_eos = cfg.add_eos.value_or(false);
  out.source = "vocab.json+merges.txt";
  return out;
}

Result<LoadedTokenizer> load_hf_vocab_txt(std::string_view vocab_txt, const std::string& where,
                                          const HfConfigText& config) {
  SLIM_TRY(check_size(where, vocab_txt));
  SLIM_ASSIGN_OR_RETURN(hf::HfConfig cfg, hf::parse_config(config));
  std::vector<hf::VocabEntry> vocab;
  const auto parse_token = [&](size_t no, std::string_view line) -> Status {
    const std::string here = where + ": line " + std::to_string(no);
    if (vocab.size() >= static_cast<size_t>(hf::kMaxTokens)) {
      return corrupt(here + ": more than " + std::to_string(hf::kMaxTokens) + " tokens");
    }
    if (line.empty()) return corrupt(here + " is empty");
    SLIM_TRY(hf::check_utf8(here, "", line));
    vocab.push_back({line, static_cast<int64_t>(no - 1)});
    return Status::ok();
  };
  SLIM_TRY(for_each_line(vocab_txt, parse_token));
  if (vocab.empty()) return corrupt(where + ": no tokens");
  SLIM_ASSIGN_OR_RETURN(hf::TokenTable t, hf::build_token_table(where, "", vocab, cfg.added));

  WordPieceVocab wv;
  auto special = [&](const std::optional<std::string>& configured, std::string_view def) {
    const int32_t id = configured ? hf::find_or_none(t, configured) : t.find(def);
    if (id >= 0 && t.types[static_cast<size_t>(id)] == TokenType::kNormal) {
      t.types[static_cast<size_t>(id)] = TokenType::kControl;
    }
    return id;
  };
  wv.unk = special(cfg.unk, "[UNK]");
  wv.cls = special(cfg.cls, "[CLS]");
  wv.sep = special(cfg.sep, "[SEP]");
  wv.pad = special(cfg.pad, "[PAD]");
  wv.mask = special(cfg.mask, "[MASK]");
  wv.add_cls = wv.cls >= 0;
  wv.add_sep = wv.sep >= 0;
  wv.clean_text = true;
  wv.lowercase = cfg.do_lower_case.value_or(true);
  wv.strip_accents = cfg.strip_accents.value_or(wv.lowercase);
  wv.handle_chinese_chars = cfg.tokenize_chinese_chars.value_or(true);
  wv.lstrip_ids = std::move(t.lstrip_ids);
  wv.rstrip_ids = std::move(t.rstrip_ids);
  wv.tokens = std::move(t.texts);
  wv.types = std::move(t.types);
  SLIM_ASSIGN_OR_RETURN(auto tok, WordPieceTokenizer::create(std::move(wv), where));
  LoadedTokenizer out;
  out.add_eos = tok->add_sep_default();
  out.tokenizer = std::move(tok);
  out.source = "vocab.txt";
  return out;
}

}  // namespace slim::tok
