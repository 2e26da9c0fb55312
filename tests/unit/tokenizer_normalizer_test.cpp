// Unicode normalizers (Hugging Face NFC / NFD / NFKC / NFKD): tokenizer/normalizer.hpp against
// Python's unicodedata (tests/ref/nfc_ref.py -> tests/data/tokenizer/nfc/nfc_ref.txt), and the
// handcrafted byte-level BPE fixture tests/data/tokenizer/nfc/tokenizer.json against ids
// derived by hand.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "slim/tokenizer.hpp"
#include "tokenizer/normalizer.hpp"

namespace slim {
namespace {

const std::string kDir = std::string(SLIM_TEST_DATA_DIR) + "/tokenizer/nfc";
using V = std::vector<int32_t>;
using tok::NormalForm;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string normalize(std::vector<NormalForm> forms, const std::string& s) {
  std::string out = "junk";
  const Status st = tok::Normalizer(std::move(forms)).apply(s, &out);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return out;
}

TEST(TokenizerNormalizer, MatchesPythonUnicodedata) {
  std::istringstream in(read_text(kDir + "/nfc_ref.txt"));
  std::string line;
  size_t cases = 0;
  const NormalForm forms[] = {NormalForm::kNFC, NormalForm::kNFD, NormalForm::kNFKC,
                              NormalForm::kNFKD};
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::istringstream ls(line);
    for (std::string c; std::getline(ls, c, '\t');) cols.push_back(unhex(c));
    ASSERT_EQ(cols.size(), 5u) << line;
    SCOPED_TRACE(line);
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_EQ(normalize({forms[k]}, cols[0]), cols[k + 1]) << tok::normal_form_name(forms[k]);
      // Every form is idempotent.
      EXPECT_EQ(normalize({forms[k]}, cols[k + 1]), cols[k + 1]);
    }
    // A sequence applies its forms in order: NFD then NFC is NFC.
    EXPECT_EQ(normalize({NormalForm::kNFD, NormalForm::kNFC}, cols[0]), cols[1]);
    ++cases;
  }
  EXPECT_GE(cases, 40u);
}

TEST(TokenizerNormalizer, InvalidUtf8PassesThrough) {
  const std::vector<NormalForm> nfc{NormalForm::kNFC};
  EXPECT_EQ(normalize(nfc, ""), "");
  EXPECT_EQ(normalize({}, "e\xcc\x81"), "e\xcc\x81");  // no forms: the identity
  // Invalid bytes stay; the valid runs between them are normalized on their own, so nothing
  // composes across an invalid byte.
  EXPECT_EQ(normalize(nfc, "e\xcc\x81\xff"), "\xc3\xa9\xff");
  EXPECT_EQ(normalize(nfc, "e\xff\xcc\x81"), "e\xff\xcc\x81");
  EXPECT_EQ(normalize(nfc,
                      "\x80"
                      "e\xcc\x81\xc0\xaf"),
            "\x80\xc3\xa9\xc0\xaf");  // overlong '/'
  EXPECT_EQ(normalize(nfc,
                      "\xed\xa0\x80"
                      "a"),
            "\xed\xa0\x80"
            "a");  // surrogate
  // A sequence cut short at the end: its bytes pass one by one.
  EXPECT_EQ(normalize(nfc, "e\xcc\x81\xe1\x84"), "\xc3\xa9\xe1\x84");
  EXPECT_EQ(normalize({NormalForm::kNFD}, "\xc3\xa9\xf4\x90\x80\x80"),
            "e\xcc\x81\xf4\x90\x80\x80");  // above U+10FFFF
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (const NormalForm f :
       {NormalForm::kNFC, NormalForm::kNFD, NormalForm::kNFKC, NormalForm::kNFKD}) {
    EXPECT_EQ(normalize({f}, all), all);  // ASCII and lone bytes only
  }
}

std::shared_ptr<const StandaloneTokenizer> from_json(const std::string& text) {
  auto r = StandaloneTokenizer::from_tokenizer_json(text);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : nullptr;
}

V ids(const StandaloneTokenizer& t, const std::string& text, bool parse_special = false) {
  auto r = t.encode(text, false, parse_special);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : V{};
}

// The fixture with its normalizer replaced (`with` is JSON text).
std::string fixture_normalizer(const std::string& with) {
  std::string text = read_text(kDir + "/tokenizer.json");
  const std::string from = R"("normalizer": {"type": "NFC"})";
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) text.replace(at, from.size(), "\"normalizer\": " + with);
  return text;
}

// Vocab (byte-level spelling, bytes in brackets): 0 e, 1 Ã [C3], 2 © [A9], 3 Ì [CC],
// 4 ģ [81], 5 í [ED], 6 ķ [95], 7 ľ [9C], 8 ĺ [98], 9 á [E1], 10 Ħ [84], 11 Ĵ [92],
// 12 ħ [85], 13 ¡ [A1], 14 Ĩ [86], 15 « [AB], 16 Ġ [20], 17 <, 18 |, 19 >, 20 f, 21 i,
// 22 ï [EF], 23 ¬ [AC], 24 ÿ [FF], 25 Ã© (é = C3 A9), 26 íķ, 27 íķľ (한 = ED 95 9C),
// 28 íķĺ (하 = ED 95 98), 29 fi. Added: 30 "<|e\u0301|>" (not special, normalized: false),
// 31 <|end|> (special). Merges by rank: Ã ©, í ķ, íķ ľ, íķ ĺ, f i. Pre-tokenizer: ByteLevel
// with the GPT-2 regex (a combining mark is not \p{L}: "e\u0301" unnormalized is the words
// "e" and "\u0301"; Hangul jamo are \p{L}).
const std::string kE = "e\xcc\x81";                                   // e + U+0301
const std::string kEAcute = "\xc3\xa9";                               // U+00E9
const std::string kJamoHan = "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab";  // U+1112 U+1161 U+11AB
const std::string kHan = "\xed\x95\x9c";                              // U+D55C
const std::string kHa = "\xed\x95\x98";                               // U+D558
const std::string kFi = "\xef\xac\x81";                               // U+FB01
const V kDecomposedE{0, 3, 4};
const V kJamoIds{9, 10, 11, 9, 12, 13, 9, 14, 15};

TEST(TokenizerNormalizer, NfcFixtureComposesBeforeTokenizing) {
  auto t = from_json(read_text(kDir + "/tokenizer.json"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(ids(*t, kEAcute), (V{25}));
  EXPECT_EQ(ids(*t, kE), (V{25}));
  EXPECT_EQ(ids(*t, kHan), (V{27}));
  EXPECT_EQ(ids(*t, kJamoHan), (V{27}));
  EXPECT_EQ(ids(*t, "\xe1\x84\x92\xe1\x85\xa1"), (V{28}));  // L V -> 하
  EXPECT_EQ(ids(*t, kHa + "\xe1\x86\xab"), (V{27}));        // LV + T -> 한
  // "é 한": the words "é" and " 한".
  EXPECT_EQ(ids(*t, kE + " " + kJamoHan), (V{25, 16, 27}));
  EXPECT_EQ(ids(*t, kEAcute + " " + kHan), (V{25, 16, 27}));
  // NFC keeps the ligature: its three bytes.
  EXPECT_EQ(ids(*t, kFi), (V{22, 23, 4}));
  // Decoding is unaffected: the composed text comes back.
  EXPECT_EQ(t->decode({25, 16, 27}), kEAcute + " " + kHan);
}

TEST(TokenizerNormalizer, AddedTokensMatchRawTextFirst) {
  auto t = from_json(read_text(kDir + "/tokenizer.json"));
  ASSERT_NE(t, nullptr);
  // The added token's text is decomposed and normalized: false: it matches the raw input...
  EXPECT_EQ(ids(*t, "<|" + kE + "|>"), (V{30}));
  // ... and not the precomposed text: "<|" "é" "|>".
  EXPECT_EQ(ids(*t, "<|" + kEAcute + "|>"), (V{17, 18, 25, 18, 19}));
  // Each fragment between added tokens is normalized on its own: the "e" before the token
  // and the U+0301 after it do not compose.
  EXPECT_EQ(ids(*t, "e<|" + kE + "|>\xcc\x81"), (V{0, 30, 3, 4}));
  // The text after a special token is normalized too.
  EXPECT_EQ(ids(*t, "<|end|>" + kE, true), (V{31, 25}));
}

TEST(TokenizerNormalizer, InvalidUtf8InTheFixture) {
  auto t = from_json(read_text(kDir + "/tokenizer.json"));
  ASSERT_NE(t, nullptr);
  // 0xFF is passed through (its own word, ÿ); nothing composes across it.
  EXPECT_EQ(ids(*t, "e\xff\xcc\x81"), (V{0, 24, 3, 4}));
  EXPECT_EQ(ids(*t, kE + "\xff"), (V{25, 24}));
}

TEST(TokenizerNormalizer, OtherFormsAndSequences) {
  // No normalizer: decomposed input is other ids.
  for (const char* none : {"null", R"({"type": "Sequence", "normalizers": []})"}) {
    SCOPED_TRACE(none);
    auto t = from_json(fixture_normalizer(none));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(ids(*t, kE), kDecomposedE);
    EXPECT_EQ(ids(*t, kEAcute), (V{25}));
    EXPECT_EQ(ids(*t, kJamoHan), kJamoIds);
    EXPECT_EQ(ids(*t, kHan), (V{27}));
  }
  // A Sequence holding only NFC, and nested Sequences ending in NFC, are NFC.
  for (
      const char* nfc :
      {R"({"type": "Sequence", "normalizers": [{"type": "NFC"}]})",
       R"({"type": "Sequence", "normalizers": [{"type": "Sequence", "normalizers": [{"type": "NFD"}]}, {"type": "NFC"}]})"}) {
    SCOPED_TRACE(nfc);
    auto t = from_json(fixture_normalizer(nfc));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(ids(*t, kE), (V{25}));
    EXPECT_EQ(ids(*t, kJamoHan), (V{27}));
    EXPECT_EQ(ids(*t, kFi), (V{22, 23, 4}));
  }
  for (const char* nfd : {R"({"type": "NFD"})", R"({"type": "NFKD"})"}) {
    SCOPED_TRACE(nfd);
    auto t = from_json(fixture_normalizer(nfd));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(ids(*t, kEAcute), kDecomposedE);
    EXPECT_EQ(ids(*t, kE), kDecomposedE);
    EXPECT_EQ(ids(*t, kHan), kJamoIds);
  }
  auto nfkc = from_json(fixture_normalizer(R"({"type": "NFKC"})"));
  ASSERT_NE(nfkc, nullptr);
  EXPECT_EQ(ids(*nfkc, kFi), (V{29}));  // the ligature becomes "fi"
  EXPECT_EQ(ids(*nfkc, kE), (V{25}));
  auto nfkd = from_json(fixture_normalizer(R"({"type": "NFKD"})"));
  ASSERT_NE(nfkd, nullptr);
  EXPECT_EQ(ids(*nfkd, kFi), (V{29}));
}

void expect_unsupported(const std::string& json, const std::vector<std::string>& parts) {
  auto r = StandaloneTokenizer::from_tokenizer_json(json);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << r.status().to_string();
  for (const std::string& p : parts) {
    EXPECT_NE(r.status().message().find(p), std::string::npos)
        << "message: " << r.status().message() << "\nexpected to contain: " << p;
  }
}

TEST(TokenizerNormalizer, UnsupportedNormalizersAreRefused) {
  expect_unsupported(
      fixture_normalizer(R"({"type": "Precompiled", "precompiled_charsmap": "AAAA"})"),
      {"tokenizer.json: normalizer: normalizer 'Precompiled' is not supported with BPE models",
       "NFC, NFD, NFKC, NFKD"});
  expect_unsupported(
      fixture_normalizer(
          R"({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]})"),
      {"normalizer.normalizers[1]", "'Lowercase'"});
  // An added token matched in the normalized text (normalized: true) is refused with a
  // normalizer (and accepted without one, where normalizing changes nothing).
  std::string text = read_text(kDir + "/tokenizer.json");
  const std::string from = R"("normalized": false, "special": false)";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), R"("normalized": true, "special": false)");
  expect_unsupported(text, {"added_tokens[0]", "normalized: true"});
  const std::string with_nfc = R"("normalizer": {"type": "NFC"})";
  text.replace(text.find(with_nfc), with_nfc.size(), R"("normalizer": null)");
  EXPECT_NE(from_json(text), nullptr);
}

}  // namespace
}  // namespace slim
