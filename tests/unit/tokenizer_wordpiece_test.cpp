// WordPiece (BERT): expectations computed by hand from BERT's tokenization.py (the cases of
// its published tokenization_test.py, plus accent stripping, Hangul, the word-length limit,
// special tokens), for every way of loading it: tokenizer.json, vocab.txt (+ config) and GGUF.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "slim/tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/wordpiece.hpp"
#include "tokenizer/wordpiece_unicode.hpp"

namespace slim {
namespace {

const std::string kData = std::string(SLIM_TEST_DATA_DIR) + "/tokenizer";

// The fixture vocab (tests/data/tokenizer/bert_tiny*), by id.
const std::vector<std::string> kVocab = {"[PAD]",
                                         "[UNK]",
                                         "[CLS]",
                                         "[SEP]",
                                         "[MASK]",
                                         "want",
                                         "##want",
                                         "##ed",
                                         "wa",
                                         "un",
                                         "runn",
                                         "##ing",
                                         ",",
                                         "hello",
                                         "!",
                                         "how",
                                         "are",
                                         "you",
                                         "?",
                                         "\xe5\x8d\x9a",
                                         "\xe6\x8e\xa8",
                                         "ah",
                                         "zz",
                                         "cafe",
                                         "\xe1\x84\x92",
                                         "##\xe1\x85\xa1",
                                         "##\xe1\x86\xab",
                                         "i",
                                         ".",
                                         "##a",
                                         "HeLLo",
                                         "Are",
                                         "yoU"};

std::shared_ptr<const StandaloneTokenizer> load(const std::string& path) {
  auto r = StandaloneTokenizer::load(path);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : nullptr;
}

std::vector<int32_t> ids(const StandaloneTokenizer& t, const std::string& text,
                         bool add_special = false, bool parse_special = false) {
  auto r = t.encode(text, add_special, parse_special);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : std::vector<int32_t>{};
}

using V = std::vector<int32_t>;

// The uncased expectations, shared by the tokenizer.json, vocab.txt and GGUF loaders.
void check_uncased(const StandaloneTokenizer& t) {
  // tokenization_test.py test_full_tokenizer: "UNwant\u00E9d,running".
  EXPECT_EQ(ids(t,
                "UNwant\xc3\xa9"
                "d,running"),
            (V{9, 6, 7, 12, 10, 11}));
  // test_basic_tokenizer_lower.
  EXPECT_EQ(ids(t, " \tHeLLo!how  \n Are yoU?  "), (V{13, 14, 15, 16, 17, 18}));
  EXPECT_EQ(ids(t, "H\xc3\xa9llo"), (V{13}));
  // test_chinese: "ah\u535A\u63A8zz" -> ah, 博, 推, zz.
  EXPECT_EQ(ids(t, "ah\xe5\x8d\x9a\xe6\x8e\xa8zz"), (V{21, 19, 20, 22}));
  // test_wordpiece_tokenizer: an unmatchable word is [UNK] as a whole.
  EXPECT_EQ(ids(t, ""), V{});
  EXPECT_EQ(ids(t, "unwanted running"), (V{9, 6, 7, 10, 11}));
  EXPECT_EQ(ids(t, "unwantedX running"), (V{1, 10, 11}));
  // Accents: NFD, nonspacing marks dropped, lower-cased ("Café", decomposed "Cafe\u0301").
  EXPECT_EQ(ids(t, "Caf\xc3\xa9"), (V{23}));
  EXPECT_EQ(ids(t, "Cafe\xcc\x81"), (V{23}));
  // U+0130 (İ): NFD is I + U+0307; the mark goes, I lower-cases to i.
  EXPECT_EQ(ids(t, "\xc4\xb0"), (V{27}));
  // Hangul: 한 (U+D55C) decomposes to the jamo ᄒ ᅡ ᆫ; the pieces continue with ##.
  EXPECT_EQ(ids(t, "\xed\x95\x9c"), (V{24, 25, 26}));
  // Control characters are dropped, U+00A0 and other Unicode spaces split words.
  EXPECT_EQ(ids(t, "hel\x05lo"), (V{13}));
  EXPECT_EQ(ids(t,
                "how\xc2\xa0"
                "are\xe3\x80\x80you"),
            (V{15, 16, 17}));
  // Invalid UTF-8 reads as U+FFFD, which clean_text drops.
  EXPECT_EQ(ids(t, "hel\xfflo"), (V{13}));
  // max_input_chars_per_word = 100: "wa" + 98 "a" is 100 characters and splits into
  // wa ##a x 98; one more character makes the whole word [UNK].
  V expect100 = {8};
  expect100.insert(expect100.end(), 98, 29);
  EXPECT_EQ(ids(t, "wa" + std::string(98, 'a')), expect100);
  EXPECT_EQ(ids(t, "wa" + std::string(99, 'a') + " how"), (V{1, 15}));
  // Special tokens: only with parse_special ("[", "cls", "]" are [UNK] words otherwise).
  EXPECT_EQ(ids(t, "[CLS] hello [SEP]", false, true), (V{2, 13, 3}));
  EXPECT_EQ(ids(t, "[CLS] hello", false, false), (V{1, 1, 1, 13}));
  // [CLS] ... [SEP] around the text when special tokens are added.
  EXPECT_EQ(ids(t, "hello", true), (V{2, 13, 3}));
  EXPECT_TRUE(t.info().add_bos);
  EXPECT_TRUE(t.info().add_eos);
  EXPECT_EQ(t.info().bos_id, 2);
  EXPECT_EQ(t.info().eos_id, 3);
  EXPECT_EQ(t.info().model, "bert");
  // Decoding joins the ## pieces; specials render as nothing.
  EXPECT_EQ(t.decode({2, 9, 6, 7, 12, 10, 11, 3}), "unwanted , running");
  EXPECT_EQ(t.token_piece(6), "want");
  EXPECT_EQ(t.token_piece(5), " want");
  EXPECT_EQ(t.token_piece(2), "");
  EXPECT_EQ(t.token_kind(2), TokenKind::kControl);
  EXPECT_EQ(t.token_kind(5), TokenKind::kNormal);
}

TEST(TokenizerWordPiece, TokenizerJson) {
  auto t = load(kData + "/bert_tiny/tokenizer.json");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->info().source, "tokenizer.json");
  EXPECT_EQ(t->vocab_size(), static_cast<int32_t>(kVocab.size()));
  EXPECT_EQ(t->token_text(6), "##want");
  check_uncased(*t);
  // The directory finds the same file.
  auto d = load(kData + "/bert_tiny");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(ids(*d, "UNwanted,running"), (V{9, 6, 7, 12, 10, 11}));
}

TEST(TokenizerWordPiece, VocabTxtWithConfig) {
  auto t = load(kData + "/bert_tiny_txt");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->info().source, "vocab.txt");
  check_uncased(*t);
  auto f = load(kData + "/bert_tiny_txt/vocab.txt");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(ids(*f, "Caf\xc3\xa9"), (V{23}));
}

TEST(TokenizerWordPiece, CasedVocabTxt) {
  // test_basic_tokenizer_no_lower: case and accents are kept.
  auto t = load(kData + "/bert_cased_txt");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(ids(*t, " \tHeLLo!how  \n Are yoU?  "), (V{30, 14, 15, 31, 32, 18}));
  EXPECT_EQ(ids(*t, "Caf\xc3\xa9"), (V{1}));
  EXPECT_EQ(ids(*t, "hello", true), (V{2, 13, 3}));
}

// The same vocab as llama.cpp's converter writes it: "▁word" starts a word, "##" dropped.
std::vector<uint8_t> bert_gguf(bool with_ids, bool add_sep) {
  std::vector<std::string> toks;
  std::vector<int32_t> types;
  for (const std::string& t : kVocab) {
    if (t.front() == '[' && t.back() == ']') {
      toks.push_back(t);
      types.push_back(3);
    } else if (t.rfind("##", 0) == 0) {
      toks.push_back(t.substr(2));
      types.push_back(1);
    } else {
      toks.push_back("\xe2\x96\x81" + t);
      types.push_back(1);
    }
  }
  gguf::GgufWriter w;
  w.set_string("general.architecture", "bert");
  w.set_string("tokenizer.ggml.model", "bert");
  w.set_array_string("tokenizer.ggml.tokens", toks);
  w.set_array_i32("tokenizer.ggml.token_type", types);
  if (with_ids) {
    w.set_u32("tokenizer.ggml.cls_token_id", 2);
    w.set_u32("tokenizer.ggml.seperator_token_id", 3);
    w.set_u32("tokenizer.ggml.unknown_token_id", 1);
    w.set_u32("tokenizer.ggml.padding_token_id", 0);
  }
  if (!add_sep) w.set_bool("tokenizer.ggml.add_eos_token", false);
  auto bytes = w.write_to_memory();
  EXPECT_TRUE(bytes.is_ok());
  return bytes.is_ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(TokenizerWordPiece, GgufVocab) {
  for (const bool with_ids : {true, false}) {  // without ids: found by their texts
    SCOPED_TRACE(with_ids);
    const auto bytes = bert_gguf(with_ids, true);
    auto t = StandaloneTokenizer::from_gguf_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ((*t)->info().source, "gguf");
    check_uncased(**t);
    EXPECT_EQ((*t)->token_text(6), "want");  // stored spelling
  }
  const auto bytes = bert_gguf(true, false);
  auto t = StandaloneTokenizer::from_gguf_memory(bytes.data(), bytes.size());
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(ids(**t, "hello", true), (V{2, 13}));
}

TEST(TokenizerWordPiece, TokenizerFromGgufDispatch) {
  const auto bytes = bert_gguf(true, true);
  auto f = gguf::GgufFile::from_memory(bytes.data(), bytes.size());
  ASSERT_TRUE(f.is_ok());
  auto t = Tokenizer::from_gguf(*f);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ((*t)->model_name(), "bert");
  EXPECT_EQ((*t)->bos_id(), 2);
  auto r = (*t)->encode("hello", true, false);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, (V{2, 13}));  // Tokenizer::encode never appends EOS itself
}

tok::WordPieceVocab small_vocab() {
  tok::WordPieceVocab v;
  v.tokens = {"[UNK]", "[CLS]", "[SEP]", "a", "##b", "<x>"};
  v.types = {TokenType::kControl, TokenType::kControl, TokenType::kControl,
             TokenType::kNormal,  TokenType::kNormal,  TokenType::kUserDefined};
  v.unk = 0;
  v.cls = 1;
  v.sep = 2;
  return v;
}

TEST(TokenizerWordPiece, PreTokenizerFollowsBert) {
  auto t = tok::WordPieceTokenizer::create(small_vocab(), "test");
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  using W = std::vector<std::string>;
  // _is_punctuation: "-", "$", "`", "." are punctuation (ASCII symbols count).
  EXPECT_EQ((*t)->pre_tokenize("a-b$c`d.e"), (W{"a", "-", "b", "$", "c", "`", "d", ".", "e"}));
  // Unicode punctuation (U+00BF ¿, U+3001 、) and CJK ideographs are words of their own,
  // Hiragana is not CJK.
  EXPECT_EQ((*t)->pre_tokenize("\xc2\xbfqu\xc3\xa9\xe3\x80\x81\xe4\xb8\x80\xe3\x81\x82x"),
            (W{"\xc2\xbf", "que", "\xe3\x80\x81", "\xe4\xb8\x80", "\xe3\x81\x82x"}));
  // Whitespace: \t \r \n and Unicode spaces; the U+2028 line separator too.
  EXPECT_EQ((*t)->pre_tokenize("a\tb\rc\xe2\x80\xa8"
                               "d\xe2\x80\x83"
                               "e"),
            (W{"a", "b", "c", "d", "e"}));
  // Control (Cc, Cf) characters vanish: U+0005, U+200B (Cf), DEL.
  EXPECT_EQ((*t)->pre_tokenize("x\x05y\xe2\x80\x8bz\x7f"), (W{"xyz"}));
}

TEST(TokenizerWordPiece, UserDefinedTokensAlwaysMatch) {
  auto t = tok::WordPieceTokenizer::create(small_vocab(), "test");
  ASSERT_TRUE(t.is_ok());
  auto r = (*t)->encode("ab<x>a", false, false);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, (V{3, 4, 5, 3}));
  EXPECT_EQ((*t)->decode(*r), "ab<x> a");
}

TEST(TokenizerWordPiece, MissingUnknownTokenIsAnError) {
  tok::WordPieceVocab v = small_vocab();
  v.unk = -1;
  auto t = tok::WordPieceTokenizer::create(std::move(v), "test");
  ASSERT_TRUE(t.is_ok());
  auto r = (*t)->encode("zzz", false, false);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'zzz'"), std::string::npos) << r.status().message();
}

TEST(TokenizerWordPiece, BadVocabs) {
  tok::WordPieceVocab v = small_vocab();
  v.tokens[4] = "a";
  auto t = tok::WordPieceTokenizer::create(std::move(v), "vocab.txt");
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("vocab.txt: duplicate token text 'a' at ids 3 and 4"),
            std::string::npos)
      << t.status().message();
  v = small_vocab();
  v.cls = 6;
  t = tok::WordPieceTokenizer::create(std::move(v), "x");
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.status().code(), StatusCode::kCorruptFile);
  v = small_vocab();
  v.tokens.clear();
  v.types.clear();
  EXPECT_FALSE(tok::WordPieceTokenizer::create(std::move(v), "x").is_ok());
}

TEST(TokenizerWordPiece, UnicodeTables) {
  namespace wp = tok::wp;
  EXPECT_STREQ(wp::unicode_version(), "14.0.0");
  // BERT's tokenization_test.py: _is_whitespace, _is_control, _is_punctuation.
  for (const uint32_t c : {0x20u, 0x09u, 0x0Du, 0x0Au, 0xA0u}) EXPECT_TRUE(wp::is_whitespace(c));
  for (const uint32_t c : {0x41u, 0x2Du}) EXPECT_FALSE(wp::is_whitespace(c));
  EXPECT_TRUE(wp::is_control(0x05));
  for (const uint32_t c : {0x41u, 0x20u, 0x09u, 0x0Du, 0x1F4A9u}) EXPECT_FALSE(wp::is_control(c));
  for (const uint32_t c : {0x2Du, 0x24u, 0x60u, 0x2Eu}) EXPECT_TRUE(wp::is_punctuation(c));
  for (const uint32_t c : {0x41u, 0x20u}) EXPECT_FALSE(wp::is_punctuation(c));
  uint32_t out[3];
  ASSERT_EQ(wp::strip_accents(0x1EC7, out), 1u);  // ệ -> e
  EXPECT_EQ(out[0], 0x65u);
  ASSERT_EQ(wp::strip_accents(0x0301, out), 0u);  // a combining accent alone vanishes
  ASSERT_EQ(wp::strip_accents(0xAC00, out), 2u);  // 가 -> ᄀ ᅡ
  EXPECT_EQ(out[0], 0x1100u);
  EXPECT_EQ(out[1], 0x1161u);
  ASSERT_EQ(wp::to_lower(0x0130, out), 2u);
  ASSERT_EQ(wp::to_lower(0x0391, out), 1u);  // Α -> α
  EXPECT_EQ(out[0], 0x03B1u);
  ASSERT_EQ(wp::to_lower(0x1E9E, out), 1u);  // ẞ -> ß
  EXPECT_EQ(out[0], 0xDFu);
  EXPECT_TRUE(wp::is_cjk(0x4E00));
  EXPECT_FALSE(wp::is_cjk(0x3042));  // Hiragana
}

}  // namespace
}  // namespace slim
