// BPE pre-tokenizers: the named (tokenizer.ggml.pre) regex lists against splits derived
// independently from the published regexes (tests/ref/bpe_pretok_ref.py ->
// tests/data/tokenizer/bpe_pretok_splits.txt), the Oniguruma -> PCRE2 rewrite, the Hugging Face
// Split behaviours, and huge inputs.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/unicode.hpp"

namespace slim::tok {
namespace {

const std::string kData = SLIM_TEST_DATA_DIR;

class Collect final : public WordSink {
 public:
  Status word(std::string_view w) override {
    words.emplace_back(w);
    return Status::ok();
  }
  std::vector<std::string> words;
};

std::vector<std::string> split(const RegexSplitter& s, std::string_view text) {
  SplitScratch scratch;
  Collect c;
  const Status st = s.split(text, &scratch, &c);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return c.words;
}

RegexSplitter compile(const std::vector<SplitRule>& rules) {
  auto r = RegexSplitter::compile(rules);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(*r) : RegexSplitter();
}

std::string unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  }
  return out;
}

std::string show(const std::vector<std::string>& pieces) {
  std::string o = "[";
  for (const std::string& p : pieces) {
    o += (o.size() > 1 ? "|" : "");
    for (const char c : p) {
      if (c == '\n') {
        o += "\\n";
      } else if (c == '\r') {
        o += "\\r";
      } else if (c == '\t') {
        o += "\\t";
      } else {
        o += c;
      }
    }
  }
  return o + "]";
}

TEST(TokenizerBpePretok, NamedSplitsMatchIndependentReference) {
  std::ifstream f(kData + "/tokenizer/bpe_pretok_splits.txt");
  ASSERT_TRUE(f.good()) << "missing fixture";
  std::map<std::string, RegexSplitter> splitters;
  std::map<std::string, std::pair<int, int>> per_name;  // pass, total
  std::string line;
  int cases = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, input_hex, pieces_hex;
    std::getline(ls, name, '\t');
    std::getline(ls, input_hex, '\t');
    std::getline(ls, pieces_hex);
    std::vector<std::string> expected;
    std::istringstream ps(pieces_hex);
    std::string p;
    while (std::getline(ps, p, ',')) expected.push_back(unhex(p));
    if (!splitters.count(name)) {
      const NamedPreTokenizer* named = find_named_pre_tokenizer(name);
      ASSERT_NE(named, nullptr) << name;
      splitters.emplace(name, compile(named->rules));
    }
    const std::string input = unhex(input_hex);
    const std::vector<std::string> got = split(splitters.at(name), input);
    EXPECT_EQ(got, expected) << name << " '" << show({input}) << "': got " << show(got)
                             << " expected " << show(expected);
    auto& [pass, total] = per_name[name];
    pass += got == expected ? 1 : 0;
    ++total;
    ++cases;
  }
  EXPECT_GT(cases, 1000);
  for (const auto& [name, pt] : per_name) {
    EXPECT_EQ(pt.first, pt.second) << name;
  }
}

TEST(TokenizerBpePretok, OnigurumaRewrite) {
  auto t = [](std::string_view p) {
    auto r = onig_to_pcre2(p);
    EXPECT_TRUE(r.is_ok()) << p << ": " << r.status().to_string();
    return r.is_ok() ? *r : std::string();
  };
  // Nested positive classes are a union (BLOOM's pattern).
  EXPECT_EQ(t("[^(x|[.,])]+"), "[^(x|.,)]+");
  EXPECT_EQ(t("[a[]b]]"), "[a]b]");
  EXPECT_EQ(t("[[:alpha:]x]"), "[[:alpha:]x]");
  EXPECT_EQ(t(R"(\h+)"), "[0-9a-fA-F]+");
  EXPECT_EQ(t(R"([\h_])"), "[0-9a-fA-F_]");
  EXPECT_EQ(t(R"(\\s)"), R"(\\s)");  // an escaped backslash, then a literal 's'
  EXPECT_EQ(t(R"(\p{L}\x{20})"), R"(\p{L}\x{20})");
  for (const char* bad : {"[a[^b]]", "[a-z&&[^aeiou]]", R"([\H])"}) {
    auto r = onig_to_pcre2(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  }
}

TEST(TokenizerBpePretok, WhitespaceIsOnigurumaWhitespaceForEveryCodePoint) {
  // \s, [\s], \S and [^\S] after the rewrite, against Oniguruma's Unicode \s: U+0009..U+000D,
  // U+0085 and the Z categories (PCRE2's own \s also matches U+180E).
  const std::vector<uint32_t> ws = {0x9,    0xA,    0xB,    0xC,    0xD,    0x20,   0x85,
                                    0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
                                    0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028,
                                    0x2029, 0x202F, 0x205F, 0x3000};
  RegexSplitter s1 = compile({{R"(\s)", SplitBehavior::kRemoved}});
  RegexSplitter s2 = compile({{R"([x\s])", SplitBehavior::kRemoved}});
  RegexSplitter s3 = compile({{R"(\S)", SplitBehavior::kRemoved}});
  RegexSplitter s4 = compile({{R"([^\S])", SplitBehavior::kRemoved}});
  // Many code points per subject so the scan stays fast: "a" + cp + "a" blocks.
  for (uint32_t base = 0; base < 0x110000; base += 0x1000) {
    std::string text;
    std::vector<uint32_t> cps;
    for (uint32_t cp = base; cp < base + 0x1000; ++cp) {
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 'x') continue;
      append_utf8(cp, &text);
      cps.push_back(cp);
    }
    size_t n_ws = 0;
    for (const uint32_t cp : cps) n_ws += std::count(ws.begin(), ws.end(), cp);
    // Removed whitespace: the remaining text is exactly the non-space code points.
    std::string non_ws_text;
    for (const uint32_t cp : cps) {
      if (std::count(ws.begin(), ws.end(), cp) == 0) append_utf8(cp, &non_ws_text);
    }
    std::string joined;
    for (const auto& w : split(s1, text)) joined += w;
    ASSERT_EQ(joined, non_ws_text) << "\\s, block " << base;
    joined.clear();
    for (const auto& w : split(s2, text)) joined += w;
    ASSERT_EQ(joined, non_ws_text) << "[x\\s], block " << base;
    joined.clear();
    for (const auto& w : split(s4, text)) joined += w;
    ASSERT_EQ(joined, non_ws_text) << "[^\\S], block " << base;
    // Removed non-space: only the whitespace is left.
    size_t left = 0;
    for (const auto& w : split(s3, text)) {
      for (size_t i = 0; i < w.size();) {
        const auto b = static_cast<uint8_t>(w[i]);
        i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        ++left;
      }
    }
    ASSERT_EQ(left, n_ws) << "\\S, block " << base;
  }
}

TEST(TokenizerBpePretok, SplitBehaviours) {
  // Hugging Face's documented example for SplitDelimiterBehavior.
  const std::string text = "the-final--countdown";
  using V = std::vector<std::string>;
  EXPECT_EQ(split(compile({{"-", SplitBehavior::kRemoved}}), text),
            (V{"the", "final", "countdown"}));
  EXPECT_EQ(split(compile({{"-", SplitBehavior::kIsolated}}), text),
            (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split(compile({{"-", SplitBehavior::kMergedWithPrevious}}), text),
            (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split(compile({{"-", SplitBehavior::kMergedWithNext}}), text),
            (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split(compile({{"-", SplitBehavior::kContiguous}}), text),
            (V{"the", "-", "final", "--", "countdown"}));
  // invert: the matches are the non-delimiters.
  EXPECT_EQ(split(compile({{"-", SplitBehavior::kRemoved, /*invert=*/true}}), text),
            (V{"-", "-", "-"}));
  EXPECT_EQ(split(compile({{"[a-z]+", SplitBehavior::kRemoved, true}}), text),
            (V{"the", "final", "countdown"}));
  // Literal patterns (tokenizer.json {"String": ...}) are not regexes.
  EXPECT_EQ(split(compile({{".", SplitBehavior::kIsolated, false, /*literal=*/true}}), "a.b"),
            (V{"a", ".", "b"}));
  // Rules apply in sequence, each to every piece.
  EXPECT_EQ(split(compile({{" "}, {"[0-9]"}}), "ab 12"), (V{"ab", " ", "1", "2"}));
  // Empty matches produce no pieces and do not loop.
  EXPECT_EQ(split(compile({{"x*"}}), "axxb"), (V{"a", "xx", "b"}));
  EXPECT_EQ(split(compile({{"(?=b)"}}), "abab"), (V{"a", "ba", "b"}));
  // No rules: one word.
  EXPECT_EQ(split(RegexSplitter(), "a b"), (V{"a b"}));
}

TEST(TokenizerBpePretok, HugeInputsThroughEveryNamedPreTokenizer) {
  // 1 MiB runs of one character class each, and 1 MiB of random tricky characters: every
  // named pre-tokenizer must finish (no PCRE2 match / stack limit) and keep every byte.
  std::vector<std::string> inputs = {
      std::string(1 << 20, ' ') + "x", std::string(1 << 20, '\n'),
      std::string(1 << 20, '7'),       std::string(1 << 20, 'a'),
      std::string(1 << 20, '.'),       " \n" + std::string(1 << 20, '\t')};
  const std::vector<std::string> alphabet = {" ",
                                             "  ",
                                             "\n",
                                             "\r\n",
                                             "\t",
                                             "a",
                                             "Z",
                                             "'s",
                                             "'",
                                             "1",
                                             "22",
                                             ".",
                                             "!",
                                             "-",
                                             "\xC3\xA4",
                                             "\xE6\x88\x91",
                                             "\xF0\x9F\xA6\x99",
                                             "\xE2\x80\x8D",
                                             "\xC2\xA0",
                                             "\xE3\x80\x80",
                                             "\xD9\xA3"};
  std::mt19937 rng(99);
  std::string mixed;
  while (mixed.size() < (1u << 20)) mixed += alphabet[rng() % alphabet.size()];
  inputs.push_back(mixed);
  for (const std::string_view name : named_pre_tokenizer_names()) {
    RegexSplitter s = compile(find_named_pre_tokenizer(name)->rules);
    for (const std::string& in : inputs) {
      const auto t0 = std::chrono::steady_clock::now();
      SplitScratch scratch;
      struct Count final : WordSink {
        size_t bytes = 0;
        Status word(std::string_view w) override {
          bytes += w.size();
          return Status::ok();
        }
      } count;
      const Status st = s.split(in, &scratch, &count);
      ASSERT_TRUE(st.is_ok()) << name << ": " << st.to_string();
      EXPECT_EQ(count.bytes, in.size()) << name;
      const double dt =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_LT(dt, 10.0) << name;
    }
  }
}

TEST(TokenizerBpePretok, JitStackGrowsThenFailsCleanly) {
  // A group repeat needs JIT stack per iteration: 1 MiB fits after the stack grows; 8 MiB
  // exceeds the 64 MiB cap and gives an error naming the rule, not a crash.
  RegexSplitter s = compile({{"(?:ab|ba)+"}});
  std::string text;
  while (text.size() < (1u << 20)) text += "ab";
  EXPECT_EQ(split(s, text).size(), 1u);
  while (text.size() < (8u << 20)) text += text;
  SplitScratch scratch;
  Collect c;
  const Status st = s.split(text, &scratch, &c);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("rule 0 '(?:ab|ba)+'"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace slim::tok
