// llama2.c tokenizer.bin: agreement with the GGUF vocab of the same model, and hostile files.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "format/gguf.hpp"
#include "tokenizer/tokenizer.hpp"

#include "test_util.hpp"

namespace slim {
namespace {

const std::string kShared = SLIM_SHARED_DIR;

using test::read_text;

Result<std::shared_ptr<const Tokenizer>> from_bytes(const std::string& bytes, int32_t vocab_size) {
  return Tokenizer::from_llama2c(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                 vocab_size);
}

// Builds a tokenizer.bin the way llama2.c's tokenizer.py exports one.
struct BinWriter {
  std::string out;
  explicit BinWriter(int32_t max_len) { put(max_len); }
  template <typename T>
  void put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
  }
  void token(float score, const std::string& text) {
    put(score);
    put(static_cast<int32_t>(text.size()));
    out += text;
  }
};

// 0 <unk>, 1 <s>, 2 </s>, 3 <0x41>, 4 " a", 5 "b", 6 " ab", 7 "c" (llama2.c stores "▁" as ' ').
std::string small_tokenizer_bin() {
  BinWriter w(6);
  w.token(0.0f, "<unk>");
  w.token(0.0f, "\n<s>\n");
  w.token(0.0f, "\n</s>\n");
  w.token(0.0f, "<0x41>");
  w.token(-1.0f, " a");
  w.token(-2.0f, "b");
  w.token(-0.5f, " ab");
  w.token(-3.0f, "c");
  return w.out;
}

TEST(TokenizerLlama2c, SmallFileLoadsAndEncodes) {
  const std::string bin = small_tokenizer_bin();
  auto tok = from_bytes(bin, 8);
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  const Tokenizer& t = **tok;
  EXPECT_EQ(t.vocab_size(), 8);
  EXPECT_EQ(t.bos_id(), 1);
  EXPECT_EQ(t.eos_id(), 2);
  EXPECT_TRUE(t.add_bos_default());
  EXPECT_TRUE(t.strips_leading_space());
  EXPECT_EQ(t.token_type(0), TokenType::kUnknown);
  EXPECT_EQ(t.token_type(1), TokenType::kControl);
  EXPECT_EQ(t.token_type(2), TokenType::kControl);
  EXPECT_EQ(t.token_type(3), TokenType::kByte);
  EXPECT_EQ(t.token_type(4), TokenType::kNormal);
  EXPECT_EQ(t.token_text(1), "<s>");
  EXPECT_EQ(t.token_text(2), "</s>");
  EXPECT_EQ(t.token_text(6),
            "\xe2\x96\x81"
            "ab");
  EXPECT_EQ(t.piece(6), " ab");
  EXPECT_EQ(t.piece(3), "A");

  // "▁ab": "▁a" merges first, then "▁ab".
  auto ab = t.encode("ab", true, false);
  ASSERT_TRUE(ab.is_ok());
  EXPECT_EQ(*ab, (std::vector<int32_t>{1, 6}));
  // "▁" has no token and no byte tokens -> one unk per byte (E2 96 81); "A" only exists
  // as the byte token <0x41>.
  auto a = t.encode("A", false, false);
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(*a, (std::vector<int32_t>{0, 0, 0, 3}));
  // "▁abc": ▁ab + c.
  auto abc = t.encode("abc", false, false);
  ASSERT_TRUE(abc.is_ok());
  EXPECT_EQ(*abc, (std::vector<int32_t>{6, 7}));
  EXPECT_EQ(t.decode({1, 6, 7}), "abc");
}

TEST(TokenizerLlama2c, TruncatedAtEveryByteFails) {
  const std::string bin = small_tokenizer_bin();
  for (size_t n = 0; n < bin.size(); ++n) {
    auto tok = from_bytes(bin.substr(0, n), 8);
    ASSERT_FALSE(tok.is_ok()) << "truncated to " << n << " bytes";
    EXPECT_EQ(tok.status().code(), StatusCode::kCorruptFile) << n;
  }
  // A null buffer of size 0 is just an empty file.
  auto empty = Tokenizer::from_llama2c(nullptr, 0, 8);
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kCorruptFile);
}

TEST(TokenizerLlama2c, FewerTokensThanVocabSize) {
  const std::string bin = small_tokenizer_bin();
  auto tok = from_bytes(bin, 9);
  ASSERT_FALSE(tok.is_ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kCorruptFile);
  // A count far beyond what the bytes could hold is rejected before allocating.
  auto huge = from_bytes(bin, 2000000000);
  ASSERT_FALSE(huge.is_ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kCorruptFile);
  // Reading fewer than the file holds is fine (trailing tokens are ignored).
  auto fewer = from_bytes(bin, 3);
  ASSERT_TRUE(fewer.is_ok()) << fewer.status().to_string();
  EXPECT_EQ((*fewer)->vocab_size(), 3);
}

TEST(TokenizerLlama2c, BadVocabSizeIsInvalidArgument) {
  const std::string bin = small_tokenizer_bin();
  for (int32_t n : {0, -1, -2147483647 - 1}) {
    auto tok = from_bytes(bin, n);
    ASSERT_FALSE(tok.is_ok());
    EXPECT_EQ(tok.status().code(), StatusCode::kInvalidArgument) << n;
  }
  auto null = Tokenizer::from_llama2c(nullptr, 16, 1);
  ASSERT_FALSE(null.is_ok());
  EXPECT_EQ(null.status().code(), StatusCode::kInvalidArgument);
}

TEST(TokenizerLlama2c, BadLengthsAreCorrupt) {
  // Offset of token 3's length field: header 4 + tokens 0..2 (8 + len each) + score 4.
  const std::string bin = small_tokenizer_bin();
  const size_t len_off = 4 + (8 + 5) + (8 + 5) + (8 + 6) + 4;
  int32_t check = 0;
  std::memcpy(&check, bin.data() + len_off, 4);
  ASSERT_EQ(check, 6);
  for (int32_t bad : {-1, -6, -2147483647 - 1, 7 + 1000, 2147483647}) {
    std::string b = bin;
    std::memcpy(b.data() + len_off, &bad, 4);
    auto tok = from_bytes(b, 8);
    ASSERT_FALSE(tok.is_ok()) << bad;
    EXPECT_EQ(tok.status().code(), StatusCode::kCorruptFile) << bad;
    EXPECT_NE(tok.status().message().find("token 3"), std::string::npos) << tok.status().message();
  }
  // Negative max_token_length in the header.
  std::string b = bin;
  const int32_t neg = -1;
  std::memcpy(b.data(), &neg, 4);
  EXPECT_FALSE(from_bytes(b, 8).is_ok());
}

TEST(TokenizerLlama2c, NanScoreAndDuplicateTextAreCorrupt) {
  BinWriter w(6);
  w.token(0.0f, "<unk>");
  w.token(0.0f, "\n<s>\n");
  w.token(0.0f, "\n</s>\n");
  w.token(std::numeric_limits<float>::quiet_NaN(), "x");
  auto nan = from_bytes(w.out, 4);
  ASSERT_FALSE(nan.is_ok());
  EXPECT_EQ(nan.status().code(), StatusCode::kCorruptFile);

  BinWriter d(6);
  d.token(0.0f, "<unk>");
  d.token(0.0f, "\n<s>\n");
  d.token(0.0f, "\n</s>\n");
  d.token(0.0f, " x");
  d.token(0.0f, " x");
  auto dup = from_bytes(d.out, 5);
  ASSERT_FALSE(dup.is_ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kCorruptFile);
}

TEST(TokenizerLlama2c, Stories260KMatchesGguf) {
  const std::string bin = read_text(kShared + "/models/llama2c-stories260K/tok512.bin");
  ASSERT_FALSE(bin.empty());
  auto a = from_bytes(bin, 512);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  auto file = gguf::GgufFile::open(kShared + "/models/stories260K/stories260K.gguf");
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  auto b = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  const Tokenizer& bin_tok = **a;
  const Tokenizer& gguf_tok = **b;

  ASSERT_EQ(bin_tok.vocab_size(), gguf_tok.vocab_size());
  for (int32_t id = 0; id < gguf_tok.vocab_size(); ++id) {
    EXPECT_EQ(bin_tok.token_text(id), gguf_tok.token_text(id)) << id;
    EXPECT_EQ(bin_tok.token_type(id), gguf_tok.token_type(id)) << id;
    EXPECT_EQ(bin_tok.piece(id), gguf_tok.piece(id)) << id;
  }
  EXPECT_EQ(bin_tok.bos_id(), gguf_tok.bos_id());
  EXPECT_EQ(bin_tok.eos_id(), gguf_tok.eos_id());

  const std::string text = read_text(kShared + "/eval/tinystories/sample.txt");
  ASSERT_GT(text.size(), 1000u);
  auto ids_bin = bin_tok.encode(text, true, false);
  auto ids_gguf = gguf_tok.encode(text, true, false);
  ASSERT_TRUE(ids_bin.is_ok());
  ASSERT_TRUE(ids_gguf.is_ok());
  EXPECT_EQ(*ids_bin, *ids_gguf);
  EXPECT_LT(ids_gguf->size(), text.size() / 2);  // the 512-token vocab does compress
  EXPECT_EQ(gguf_tok.decode(*ids_gguf), text);
}

TEST(TokenizerLlama2c, Stories260KReferenceGenerationDecodes) {
  // shared/README.md: greedy ids after a BOS-only prompt, and the text they begin with.
  auto file = gguf::GgufFile::open(kShared + "/models/stories260K/stories260K.gguf");
  ASSERT_TRUE(file.is_ok());
  auto tok = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(tok.is_ok());
  const std::vector<int32_t> ids = {
      1,   403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338,
      401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328,
      432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335,
      312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13,  438, 310};
  const std::string text = (*tok)->decode(ids);
  // (The README wraps its quote after "outside"; the text has a space there.)
  const std::string expected =
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
      "park. "
      "One day, she saw a big, red ball. She wanted to play with it, but it was too high.";
  EXPECT_EQ(text.rfind(expected, 0), 0u) << text;
}

}  // namespace
}  // namespace slim
