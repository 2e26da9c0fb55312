#include "tokenizer/pretokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace slim::tok {

// ---- tokenizer.ggml.pre table ------------------------------------------------------------

namespace {

// Hugging Face ByteLevel(use_regex = true): the GPT-2 pattern (openai/gpt-2 encoder.py, plus
// the trailing \s+ tokenizers added so that every character is matched).
constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// llama.cpp's GPT-2 variant without the final \s+ (equivalent under Isolated splitting: the
// only characters it leaves unmatched are single whitespace characters, which become pieces
// of their own anyway). Used where llama.cpp defines the list itself.
constexpr std::string_view kGpt2LlamaCpp =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";

// Llama 3 tokenizer.json (llama.cpp rewrites the (?i:...) group as [sS]... for std::regex).
constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen2 tokenizer.json: Llama 3's pattern with single digits.
constexpr std::string_view kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// DeepSeek LLM tokenizer.json Split rules. The letter class is spelled with code points: it
// holds canonical singletons (U+1F7D, U+1FBE, U+1FD3, U+1FDB, U+2126, U+212A) that any
// Unicode normalization of this source file would silently turn into other characters.
constexpr std::string_view kDeepseekLlmLetters =
    R"(\s?[\x{41}-\x{5A}\x{61}-\x{7A}\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF})"
    R"(\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386})"
    R"(\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F})"
    R"(\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA})"
    R"(\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15})"
    R"(\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B})"
    R"(\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})"
    R"(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4})"
    R"(\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124})"
    R"(\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F})"
    R"(\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
    R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})"
    R"(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})"
    R"(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3})"
    R"(\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF})"
    R"(\x{1E900}-\x{1E943}]+)";
// "\s?[!-/:-~！-／：-～‘-‟　-。]+"
constexpr std::string_view kDeepseekLlmPunct =
    R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";
// "[一-龥ࠀ-一가-퟿]+" (CJK ideographs, U+0800..U+4E00, Hangul)
constexpr std::string_view kDeepseekCjk =
    R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";

// BLOOM tokenizer.json " ?[^(\s|[.,!?…。，、।۔،])]+" (Oniguruma nested class), flattened.
constexpr std::string_view kBloom =
    R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";

std::vector<SplitRule> isolated(std::initializer_list<std::string_view> patterns) {
  std::vector<SplitRule> rules;
  for (const std::string_view p : patterns) rules.push_back({std::string(p)});
  return rules;
}

struct NamedEntry {
  std::string_view name;
  NamedPreTokenizer def;
};

std::vector<NamedEntry> build_table() {
  NamedPreTokenizer gpt2{isolated({kGpt2})};
  NamedPreTokenizer llama3{isolated({kLlama3}), /*ignore_merges=*/true, /*add_bos=*/true};
  NamedPreTokenizer llama3_regex{isolated({kLlama3})};
  NamedPreTokenizer qwen2{isolated({kQwen2})};
  // Hugging Face Digits(individual_digits = true) then ByteLevel(use_regex = true).
  NamedPreTokenizer starcoder{isolated({R"(\p{N})", kGpt2})};
  NamedPreTokenizer deepseek_llm{isolated(
      {R"([\r\n])", kDeepseekLlmLetters, kDeepseekLlmPunct, R"(\s+$)", kDeepseekCjk, R"(\p{N}+)"})};
  NamedPreTokenizer deepseek_coder{
      isolated({R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kDeepseekCjk, R"(\p{N})"})};
  // Hugging Face Punctuation (ASCII punctuation or \p{P}, contiguous) before ByteLevel.
  NamedPreTokenizer falcon{
      isolated({R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2LlamaCpp, R"([0-9][0-9][0-9])"})};
  // llama.cpp's own list for files without (or with "default") tokenizer.ggml.pre.
  NamedPreTokenizer default_pre{
      isolated({R"([\p{P}\$\+<=>\^~\|]+)", kGpt2LlamaCpp, R"(\p{N}+)", R"([0-9][0-9][0-9])"})};
  NamedPreTokenizer bloom{isolated({kBloom})};
  NamedPreTokenizer viking{isolated({kBloom, R"(\p{N})"})};

  return {
      {"default", default_pre},
      // GPT-2 / GPT-NeoX ByteLevel.
      {"gpt-2", gpt2},
      {"gpt-neox", gpt2},
      {"phi-2", gpt2},
      {"mpt", gpt2},
      {"olmo", gpt2},
      {"jais", gpt2},
      // Llama 3 family.
      {"llama3", llama3},
      {"llama-v3", llama3},
      {"llama-bpe", llama3},
      {"falcon3", llama3},
      {"dbrx", llama3_regex},
      {"smaug-bpe", llama3_regex},
      // Qwen2 family.
      {"qwen2", qwen2},
      {"deepseek-r1-qwen", qwen2},
      {"stablelm2", qwen2},
      {"megrez", qwen2},
      // Single digits then GPT-2.
      {"starcoder", starcoder},
      {"refact", starcoder},
      {"command-r", starcoder},
      {"smollm", starcoder},
      {"codeshell", starcoder},
      {"exaone", starcoder},
      {"minerva-7b", starcoder},
      {"deepseek-llm", deepseek_llm},
      {"deepseek-coder", deepseek_coder},
      {"falcon", falcon},
      {"poro-chat", bloom},
      {"bloom", bloom},
      {"gpt3-finnish", bloom},
      {"viking", viking},
  };
}

const std::vector<NamedEntry>& table() {
  static const std::vector<NamedEntry> t = build_table();
  return t;
}

}  // namespace

const NamedPreTokenizer* find_named_pre_tokenizer(std::string_view name) {
  for (const NamedEntry& e : table()) {
    if (e.name == name) return &e.def;
  }
  return nullptr;
}

std::vector<std::string_view> named_pre_tokenizer_names() {
  std::vector<std::string_view> names;
  for (const NamedEntry& e : table()) names.push_back(e.name);
  return names;
}

// ---- Oniguruma -> PCRE2 ------------------------------------------------------------------

namespace {

// Oniguruma's \s for Unicode text: U+0009..U+000D, U+0085 and the Z categories (= the
// Unicode White_Space property). PCRE2's UCP \s additionally matches U+180E.
constexpr std::string_view kSpaceSet =
    R"(\x{9}-\x{D}\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
// Its complement, for \S inside a class.
constexpr std::string_view kNonSpaceSet =
    R"(\x{0}-\x{8}\x{E}-\x{1F}\x{21}-\x{84}\x{86}-\x{9F}\x{A1}-\x{167F}\x{1681}-\x{1FFF})"
    R"(\x{200B}-\x{2027}\x{202A}-\x{202E}\x{2030}-\x{205E}\x{2060}-\x{2FFF}\x{3001}-\x{10FFFF})";

Status unsupported_pattern(std::string_view pattern, size_t at, const std::string& what) {
  return unsupported("pre-tokenizer: regex '" + std::string(pattern.substr(0, 200)) + "': " + what +
                     " at offset " + std::to_string(at) +
                     " has no PCRE2 equivalent (not supported)");
}

}  // namespace

Result<std::string> onig_to_pcre2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 64);
  int depth = 0;  // class nesting: 0 outside, 1 in a class, >1 in flattened nested classes
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) {
        out += c;  // PCRE2 reports the trailing backslash
        continue;
      }
      const char e = p[++i];
      switch (e) {
        case 's':
          out += depth > 0 ? std::string(kSpaceSet) : "[" + std::string(kSpaceSet) + "]";
          break;
        case 'S':
          out += depth > 0 ? std::string(kNonSpaceSet) : "[^" + std::string(kSpaceSet) + "]";
          break;
        case 'h':
          out += depth > 0 ? "0-9a-fA-F" : "[0-9a-fA-F]";
          break;
        case 'H':
          if (depth > 0) return unsupported_pattern(p, i - 1, "\\H inside a class");
          out += "[^0-9a-fA-F]";
          break;
        default:
          out += c;
          out += e;
      }
      continue;
    }
    if (depth == 0) {
      out += c;
      if (c == '[') {
        depth = 1;
        // A ']' right after '[' or '[^' is a literal in both engines.
        if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
        if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      }
      continue;
    }
    // Inside a class.
    if (c == '[') {
      if (i + 1 < p.size() && p[i + 1] == ':') {  // POSIX [:name:], same in both engines
        const size_t end = p.find(":]", i + 2);
        if (end == std::string_view::npos) {
          out += c;
          continue;
        }
        out.append(p.substr(i, end + 2 - i));
        i = end + 1;
        continue;
      }
      if (i + 1 < p.size() && p[i + 1] == '^')
        return unsupported_pattern(p, i, "a negated class nested in a class");
      ++depth;  // [a[bc]] == [abc]: drop the inner brackets
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (c == ']') {
      if (--depth == 0) out += c;
      continue;
    }
    if (c == '&' && i + 1 < p.size() && p[i + 1] == '&')
      return unsupported_pattern(p, i, "class intersection (&&)");
    out += c;
  }
  return out;
}

// ---- Splitting ---------------------------------------------------------------------------

namespace {

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};

std::string pcre2_message(int code) {
  std::array<PCRE2_UCHAR, 256> buf{};
  const int n = pcre2_get_error_message(code, buf.data(), buf.size());
  if (n < 0) return "PCRE2 error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(n));
}

// A piece of the subject [begin, end) and whether it counts as a match.
struct Seg {
  size_t begin;
  size_t end;
  bool match;
};

constexpr size_t kMaxJitStack = size_t{64} << 20;

}  // namespace

struct RegexSplitter::Rule {
  std::unique_ptr<pcre2_code, CodeDeleter> code;
  bool jit = false;
  // Bytes a match can start with (PCRE2's own start-of-match bitmap), when PCRE2 knows them
  // and no match is empty: a piece containing none of them cannot match at all.
  bool has_first = false;
  std::array<bool, 256> first{};
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  std::string pattern;  // as given, for error messages
};

struct SplitScratch::Impl {
  pcre2_match_data* md = nullptr;
  pcre2_match_context* mctx = nullptr;
  pcre2_jit_stack* stack = nullptr;
  size_t stack_size = 0;
  std::vector<std::vector<Seg>> segs;  // per rule depth (non-isolated behaviours)

  Impl() { md = pcre2_match_data_create(1, nullptr); }
  ~Impl() {
    pcre2_match_data_free(md);
    pcre2_match_context_free(mctx);
    pcre2_jit_stack_free(stack);
  }
  // Doubles the JIT stack (starting at 1 MiB); false once at the cap.
  bool grow_stack() {
    const size_t next = stack_size == 0 ? (size_t{1} << 20) : stack_size * 2;
    if (next > kMaxJitStack) return false;
    if (mctx == nullptr) mctx = pcre2_match_context_create(nullptr);
    pcre2_jit_stack* s = pcre2_jit_stack_create(32 * 1024, next, nullptr);
    if (mctx == nullptr || s == nullptr) {
      pcre2_jit_stack_free(s);
      return false;
    }
    pcre2_jit_stack_assign(mctx, nullptr, s);
    pcre2_jit_stack_free(stack);
    stack = s;
    stack_size = next;
    return true;
  }
};

SplitScratch::SplitScratch() : impl_(std::make_unique<Impl>()) {}
SplitScratch::~SplitScratch() = default;

RegexSplitter::RegexSplitter() = default;
RegexSplitter::~RegexSplitter() = default;
RegexSplitter::RegexSplitter(RegexSplitter&&) noexcept = default;
RegexSplitter& RegexSplitter::operator=(RegexSplitter&&) noexcept = default;

size_t RegexSplitter::rule_count() const {
  return rules_.size();
}

Result<RegexSplitter> RegexSplitter::compile(const std::vector<SplitRule>& rules) {
  RegexSplitter s;
  for (size_t i = 0; i < rules.size(); ++i) {
    const SplitRule& r = rules[i];
    const std::string where = "pre-tokenizer rule " + std::to_string(i) + " '" +
                              r.pattern.substr(0, 200) + (r.pattern.size() > 200 ? "...'" : "'");
    std::string pattern;
    uint32_t options = PCRE2_UTF;
    if (r.literal) {
      if (r.pattern.empty()) return invalid_argument(where + ": empty literal");
      pattern = r.pattern;
      options |= PCRE2_LITERAL;
    } else {
      // UCP: \d \w \b and POSIX classes follow Unicode, as in Oniguruma. MULTILINE: ^ and $
      // are line anchors, as in Oniguruma's Ruby syntax.
      options |= PCRE2_UCP | PCRE2_MULTILINE;
      auto translated = onig_to_pcre2(r.pattern);
      if (!translated.is_ok()) return translated.status();
      pattern = std::move(*translated);
    }
    int err = 0;
    PCRE2_SIZE err_off = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     options, &err, &err_off, nullptr);
    if (code == nullptr) {
      return invalid_argument(where + ": " + pcre2_message(err) + " (at offset " +
                              std::to_string(err_off) + " of the PCRE2 pattern)");
    }
    Rule rule;
    rule.code.reset(code);
    rule.jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    uint32_t min_length = 0, first_type = 0, first_unit = 0;
    const uint8_t* bitmap = nullptr;
    if (pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &min_length) == 0 && min_length > 0 &&
        pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 &&
        pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &first_type) == 0) {
      if (bitmap != nullptr) {
        rule.has_first = true;
        for (int b = 0; b < 256; ++b)
          rule.first[static_cast<size_t>(b)] = (bitmap[b / 8] >> (b % 8)) & 1;
      } else if (first_type == 1 &&
                 pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &first_unit) == 0 &&
                 first_unit < 0x80 && !std::isalpha(static_cast<int>(first_unit))) {
        // A fixed ASCII non-letter has no other case (a letter could fold to non-ASCII).
        rule.has_first = true;
        rule.first[first_unit] = true;
      }
    }
    rule.behavior = r.behavior;
    rule.invert = r.invert;
    rule.pattern = r.pattern;
    s.rules_.push_back(std::move(rule));
  }
  return s;
}

Status RegexSplitter::split(std::string_view text, SplitScratch* scratch, WordSink* sink) const {
  if (text.empty()) return Status::ok();
  if (scratch->impl()->segs.size() < rules_.size()) scratch->impl()->segs.resize(rules_.size());
  return split_from(0, text, scratch, sink);
}

Status RegexSplitter::split_from(size_t index, std::string_view piece, SplitScratch* scratch,
                                 WordSink* sink) const {
  if (index == rules_.size()) return sink->word(piece);
  const Rule& rule = rules_[index];
  SplitScratch::Impl& st = *scratch->impl();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
  const size_t len = piece.size();

  auto char_len = [&](size_t at) -> size_t {
    if (at >= len) return 1;
    const auto b = static_cast<uint8_t>(piece[at]);
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  };

  const bool isolated = rule.behavior == SplitBehavior::kIsolated;
  if (isolated && rule.has_first) {
    bool possible = false;
    for (const char c : piece) {
      if (rule.first[static_cast<uint8_t>(c)]) {
        possible = true;
        break;
      }
    }
    if (!possible) return split_from(index + 1, piece, scratch, sink);  // no match anywhere
  }
  std::vector<Seg>& segs = st.segs[index];
  segs.clear();
  // Emits (isolated) or records one segment.
  auto add = [&](size_t b, size_t e, bool is_match) -> Status {
    if (isolated) {
      if (e > b) return split_from(index + 1, piece.substr(b, e - b), scratch, sink);
      return Status::ok();
    }
    segs.push_back({b, e, is_match != rule.invert});
    return Status::ok();
  };

  // Match iteration as the onig crate's find_iter (Hugging Face tokenizers): an empty match
  // right where the previous match ended is skipped by advancing one character.
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.md);
  size_t last_end = 0, prev = 0;
  bool have_last = false;
  size_t last_match_end = 0;
  while (last_end <= len) {
    const int rc = rule.jit
                       ? pcre2_jit_match(rule.code.get(), subject, len, last_end, 0, st.md, st.mctx)
                       : pcre2_match(rule.code.get(), subject, len, last_end, PCRE2_NO_UTF_CHECK,
                                     st.md, st.mctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {  // rc == 0 only means the ovector is too small for the groups
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT && st.grow_stack()) continue;
      return invalid_argument("pre-tokenizer rule " + std::to_string(index) + " '" +
                              rule.pattern.substr(0, 200) + "' failed on a piece of " +
                              std::to_string(len) + " bytes: " + pcre2_message(rc));
    }
    const size_t ms = ov[0], me = ov[1];
    if (ms == me && have_last && last_match_end == me) {
      last_end += char_len(last_end);
      continue;
    }
    last_end = me;
    last_match_end = me;
    have_last = true;
    if (prev != ms) SLIM_TRY(add(prev, ms, false));
    SLIM_TRY(add(ms, me, true));
    prev = me;
    // After a match that ends the piece only an empty match at the end could follow, and it
    // would be skipped (it touches this match): save the call.
    if (me == len && ms != me) break;
  }
  if (prev != len) SLIM_TRY(add(prev, len, false));
  if (isolated) return Status::ok();

  // Hugging Face SplitDelimiterBehavior on the recorded segments (which are contiguous).
  std::vector<Seg> out;
  out.reserve(segs.size());
  bool prev_match = false;
  switch (rule.behavior) {
    case SplitBehavior::kIsolated:
      out = segs;
      break;
    case SplitBehavior::kRemoved:
      for (const Seg& s : segs) {
        if (!s.match) out.push_back(s);
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Seg& s : segs) {
        if (s.match && !prev_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back(s);
        }
        prev_match = s.match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (size_t k = segs.size(); k-- > 0;) {
        const Seg& s = segs[k];
        if (s.match && !prev_match && !out.empty()) {
          out.back().begin = s.begin;
        } else {
          out.push_back(s);
        }
        prev_match = s.match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::kContiguous:
      for (const Seg& s : segs) {
        if (s.match == prev_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back(s);
        }
        prev_match = s.match;
      }
      break;
  }
  for (const Seg& s : out) {
    if (s.end > s.begin) {
      SLIM_TRY(split_from(index + 1, piece.substr(s.begin, s.end - s.begin), scratch, sink));
    }
  }
  return Status::ok();
}

}  // namespace slim::tok
