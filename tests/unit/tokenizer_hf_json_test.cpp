// Hugging Face tokenizer.json (BPE): the handcrafted fixture tests/data/tokenizer/split_added
// (two Split regex pre-tokenizers before ByteLevel, added tokens with lstrip / rstrip, a BOS
// template) against ids computed by hand, and the corrupt corpus under
// tests/data/tokenizer/corrupt (MANIFEST.txt: entry, status, message substring).
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "slim/tokenizer.hpp"
#include "tokenizer/hf_tokenizer.hpp"

#include "test_util.hpp"

namespace slim {
namespace {

const std::string kData = std::string(SLIM_TEST_DATA_DIR) + "/tokenizer";
using V = std::vector<int32_t>;

using test::read_text;

std::shared_ptr<const StandaloneTokenizer> load(const std::string& path) {
  auto r = StandaloneTokenizer::load(path);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : nullptr;
}

V ids(const StandaloneTokenizer& t, const std::string& text, bool add_bos = false,
      bool parse_special = false) {
  auto r = t.encode(text, add_bos, parse_special);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : V{};
}

// Vocab: 0 a, 1 b, 2 c, 3 Ġ, 4 1, 5 2, 6 !, 7 ab, 8 abc, 9 Ġa, 10 Ġab, 11 12, 12 Ċ, 13 bc,
// 14 <, 15 |, 16 >, 17 e, 18 n, 19 d; added: 20 <|end|> (special, lstrip), 21 <sep>
// (not special), 22 <|user|> (special, rstrip), 23 <|bos|> (special).
// Merges by rank: a b, ab c, Ġ a, Ġa b, 1 2, b c.
// Pre-tokenizer: Split(\p{N}, Isolated), Split( ?\p{L}+|\s+|[^\s\p{L}\p{N}]+, Isolated),
// ByteLevel(no prefix space, no regex). Post-processor: <|bos|> $A.
void check_fixture(const StandaloneTokenizer& t) {
  // "abc ab12!": digits isolated -> "abc ab" "1" "2" "!"; then "abc" " ab" ...
  //   "abc": (a,b) rank 0 -> ab c; (ab,c) rank 1 -> abc.
  //   " ab" = Ġ a b: (a,b) rank 0 beats (Ġ,a) rank 2 -> Ġ ab, and (Ġ,ab) is no merge, so
  //   the token Ġab (10) is unreachable.
  //   "1" "2" stay apart although the merge (1,2) exists: the digit split comes first.
  EXPECT_EQ(ids(t, "abc ab12!"), (V{8, 3, 7, 4, 5, 6}));
  EXPECT_EQ(ids(t, "bc"), (V{13}));
  EXPECT_EQ(ids(t, "a\nb"), (V{0, 12, 1}));
  // The non-special added token always matches.
  EXPECT_EQ(ids(t, "ab<sep>c"), (V{7, 21, 2}));
  // Control tokens only with parse_special; otherwise their text is ordinary text:
  // "a" "<|" "end" "|>" "b".
  EXPECT_EQ(ids(t, "a<|end|>b"), (V{0, 14, 15, 17, 18, 19, 15, 16, 1}));
  EXPECT_EQ(ids(t, "a<|end|>b", false, true), (V{0, 20, 1}));
  // lstrip: <|end|> eats the spaces before it; rstrip: <|user|> eats those after it.
  EXPECT_EQ(ids(t, "a  <|end|>", false, true), (V{0, 20}));
  EXPECT_EQ(ids(t, "a <|user|>  ab", false, true), (V{0, 3, 22, 7}));
  // The template adds <|bos|>, and no EOS.
  EXPECT_EQ(ids(t, "ab", true), (V{23, 7}));
  EXPECT_TRUE(t.info().add_bos);
  EXPECT_FALSE(t.info().add_eos);
  EXPECT_EQ(t.info().bos_id, 23);
  // Decoding undoes the byte-level mapping.
  EXPECT_EQ(t.decode({8, 3, 7, 4, 5, 6}), "abc ab12!");
  EXPECT_EQ(t.decode({23, 7, 21, 2, 22}), "ab<sep>c");
  EXPECT_EQ(t.token_text(3), "\xc4\xa0");
  EXPECT_EQ(t.token_piece(3), " ");
  EXPECT_EQ(t.token_kind(20), TokenKind::kControl);
  EXPECT_EQ(t.token_kind(21), TokenKind::kUserDefined);
  EXPECT_EQ(t.vocab_size(), 24);
}

TEST(TokenizerHfJson, SplitRegexAndAddedTokensFixture) {
  auto t = load(kData + "/split_added/tokenizer.json");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->info().source, "tokenizer.json");
  EXPECT_EQ(t->info().model, "gpt2");
  check_fixture(*t);
  auto dir = load(kData + "/split_added");
  ASSERT_NE(dir, nullptr);
  check_fixture(*dir);
}

TEST(TokenizerHfJson, StringMergesAreTheSame) {
  std::string text = read_text(kData + "/split_added/tokenizer.json");
  const std::string from =
      R"("merges": [["a", "b"], ["ab", "c"], ["Ġ", "a"], ["Ġa", "b"], ["1", "2"], ["b", "c"]])";
  const std::string to = R"("merges": ["a b", "ab c", "Ġ a", "Ġa b", "1 2", "b c"])";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), to);
  auto t = StandaloneTokenizer::from_tokenizer_json(text);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  check_fixture(**t);
}

// Replaces the first occurrence of `from` in the fixture.
std::string fixture_with(const std::string& from, const std::string& to) {
  std::string text = read_text(kData + "/split_added/tokenizer.json");
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(TokenizerHfJson, PreTokenizerVariants) {
  // Without the digit split, "12" merges.
  auto no_digits = StandaloneTokenizer::from_tokenizer_json(fixture_with(
      R"({"type": "Split", "pattern": {"Regex": "\\p{N}"}, "behavior": "Isolated", "invert": false},)",
      ""));
  ASSERT_TRUE(no_digits.is_ok()) << no_digits.status().to_string();
  EXPECT_EQ(ids(**no_digits, "ab12"), (V{7, 11}));
  // Digits(individual_digits = true) is the same as the \p{N} split.
  auto digits = StandaloneTokenizer::from_tokenizer_json(fixture_with(
      R"({"type": "Split", "pattern": {"Regex": "\\p{N}"}, "behavior": "Isolated", "invert": false})",
      R"({"type": "Digits", "individual_digits": true})"));
  ASSERT_TRUE(digits.is_ok()) << digits.status().to_string();
  EXPECT_EQ(ids(**digits, "abc ab12!"), (V{8, 3, 7, 4, 5, 6}));
  // A literal String pattern, Removed: every "b" disappears.
  auto removed = StandaloneTokenizer::from_tokenizer_json(fixture_with(
      R"({"type": "Split", "pattern": {"Regex": "\\p{N}"}, "behavior": "Isolated", "invert": false})",
      R"({"type": "Split", "pattern": {"String": "b"}, "behavior": "Removed", "invert": false})"));
  ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
  EXPECT_EQ(ids(**removed, "abcab"), (V{0, 2, 0}));
  // ByteLevel alone with its GPT-2 regex and add_prefix_space: "ab" -> " ab" -> Ġ ab.
  std::string text = read_text(kData + "/split_added/tokenizer.json");
  const size_t begin = text.find("\"pre_tokenizer\"");
  const size_t end = text.find("\"post_processor\"");
  ASSERT_TRUE(begin != std::string::npos && end != std::string::npos);
  text.replace(begin, end - begin,
               R"("pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": true, )"
               R"("trim_offsets": true, "use_regex": true},
  )");
  auto byte_level = StandaloneTokenizer::from_tokenizer_json(text);
  ASSERT_TRUE(byte_level.is_ok()) << byte_level.status().to_string();
  EXPECT_EQ(ids(**byte_level, "ab"), (V{3, 7}));
  EXPECT_EQ(ids(**byte_level, " ab"), (V{3, 7}));  // already starts with a space
  EXPECT_EQ(ids(**byte_level, "ab12"), (V{3, 7, 11}));
}

TEST(TokenizerHfJson, TokenizerConfigSuppliesSpecialIds) {
  // No template: BOS/EOS come from tokenizer_config.json, and nothing is added.
  const std::string json =
      fixture_with(R"("type": "TemplateProcessing")", R"("type": "ByteLevel")");
  auto t = StandaloneTokenizer::from_tokenizer_json(
      json, R"({"bos_token": "<|bos|>", "eos_token": {"content": "<|end|>"}})");
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ((*t)->info().bos_id, 23);
  EXPECT_EQ((*t)->info().eos_id, 20);
  EXPECT_FALSE((*t)->info().add_bos);
  EXPECT_EQ(ids(**t, "ab", true), (V{7}));
  EXPECT_TRUE((*t)->is_end_of_generation(20));
  auto bad = StandaloneTokenizer::from_tokenizer_json(json, R"({"eos_token": 5})");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("tokenizer_config.json: eos_token is number"),
            std::string::npos)
      << bad.status().message();
}

struct ManifestEntry {
  std::string entry, status, substring;
};

std::vector<ManifestEntry> load_manifest() {
  std::vector<ManifestEntry> out;
  std::istringstream in(read_text(kData + "/corrupt/MANIFEST.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t a = line.find('\t'), b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

TEST(TokenizerHfJson, CorruptCorpusIsComplete) {
  const auto manifest = load_manifest();
  ASSERT_GE(manifest.size(), 80u);
  std::vector<std::string> listed, present;
  for (const auto& m : manifest) listed.push_back(m.entry);
  DIR* d = opendir((kData + "/corrupt").c_str());
  ASSERT_NE(d, nullptr);
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || name == "MANIFEST.txt" || name.rfind("valid", 0) == 0)
      continue;
    present.push_back(name);
  }
  closedir(d);
  std::sort(listed.begin(), listed.end());
  std::sort(present.begin(), present.end());
  EXPECT_EQ(listed, present);
}

TEST(TokenizerHfJson, EveryCorruptFileFailsNamingFileAndField) {
  for (const ManifestEntry& m : load_manifest()) {
    SCOPED_TRACE(m.entry);
    const std::string path = kData + "/corrupt/" + m.entry;
    auto r = StandaloneTokenizer::load(path);
    ASSERT_FALSE(r.is_ok());
    const std::string& msg = r.status().message();
    EXPECT_STREQ(status_code_name(r.status().code()), m.status.c_str()) << msg;
    EXPECT_NE(msg.find(m.substring), std::string::npos)
        << "message: " << msg << "\nexpected to contain: " << m.substring;
    EXPECT_NE(msg.find(m.entry), std::string::npos) << "should name the file: " << msg;
  }
  for (const char* valid : {"valid", "valid_wordpiece", "valid_pair"}) {
    auto r = StandaloneTokenizer::load(kData + "/corrupt/" + valid);
    EXPECT_TRUE(r.is_ok()) << valid << ": " << r.status().to_string();
  }
}

TEST(TokenizerHfJson, CorruptTokenizerJsonFromMemoryToo) {
  // The in-memory loaders give the same errors, naming "tokenizer.json".
  for (const ManifestEntry& m : load_manifest()) {
    if (m.entry.size() < 5 || m.entry.substr(m.entry.size() - 5) != ".json") continue;
    if (m.substring.find(m.entry) != std::string::npos) continue;  // expects the file name
    SCOPED_TRACE(m.entry);
    auto r = StandaloneTokenizer::from_tokenizer_json(read_text(kData + "/corrupt/" + m.entry));
    ASSERT_FALSE(r.is_ok());
    EXPECT_STREQ(status_code_name(r.status().code()), m.status.c_str());
    EXPECT_NE(r.status().message().find(m.substring), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().rfind("tokenizer.json", 0), 0u) << r.status().message();
  }
}

TEST(TokenizerHfJson, PathErrors) {
  auto missing = StandaloneTokenizer::load(kData + "/no_such_dir/tokenizer.json");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto empty_dir = StandaloneTokenizer::load(kData + "/corrupt/pair_missing_merges");
  ASSERT_FALSE(empty_dir.is_ok());
  EXPECT_EQ(empty_dir.status().code(), StatusCode::kNotFound);
  auto lone_vocab = StandaloneTokenizer::load(kData + "/corrupt/pair_missing_merges/vocab.json");
  ASSERT_FALSE(lone_vocab.is_ok());
  EXPECT_NE(lone_vocab.status().message().find("needs merges.txt beside it"), std::string::npos);
}

}  // namespace
}  // namespace slim
