// StreamDecoder / decode: UTF-8 hold-back, invalid bytes, the prefixed space.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "format/gguf.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim {
namespace {

const std::string kShared = SLIM_SHARED_DIR;

// Ids in the llama SPM vocab (from llama.cpp's vectors): 15043 "▁Hello", 3186 "▁world",
// byte tokens <0xNN> are 3 + NN, 1 = <s>, 2 = </s>, 0 = <unk>.
constexpr int32_t kHello = 15043;
constexpr int32_t kWorld = 3186;
constexpr int32_t byte_id(int b) {
  return 3 + b;
}

class TokenizerStream : public ::testing::Test {
 protected:
  void SetUp() override {
    auto file = gguf::GgufFile::open(kShared + "/tokenizer-vectors/ggml-vocab-llama-spm.gguf");
    ASSERT_TRUE(file.is_ok()) << file.status().to_string();
    auto t = Tokenizer::from_gguf(*file);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    tok_ = *t;
  }
  std::shared_ptr<const Tokenizer> tok_;
};

TEST_F(TokenizerStream, EmojiOverByteTokensWaitsForTheLastByte) {
  // "🦙" = F0 9F A6 99, which the vocab only has as byte tokens (llama.cpp's vector
  // " this is 🦙.cpp" -> ... 243 162 169 156 ...).
  StreamDecoder d(*tok_);
  EXPECT_EQ(d.push(kHello), "Hello");  // leading (prefixed) space dropped at the start
  EXPECT_EQ(d.push(byte_id(0xF0)), "");
  EXPECT_EQ(d.push(byte_id(0x9F)), "");
  EXPECT_EQ(d.push(byte_id(0xA6)), "");
  EXPECT_EQ(d.push(byte_id(0x99)), "\xF0\x9F\xA6\x99");
  EXPECT_EQ(d.push(kWorld), " world");
  EXPECT_EQ(d.flush(), "");
}

TEST_F(TokenizerStream, IncompleteSequenceIsReleasedByFlush) {
  StreamDecoder d(*tok_);
  EXPECT_EQ(d.push(byte_id(0xE2)), "");
  EXPECT_EQ(d.push(byte_id(0x82)), "");
  EXPECT_EQ(d.flush(), "\xE2\x82");
  EXPECT_EQ(d.flush(), "");
}

TEST_F(TokenizerStream, InvalidBytesPassThrough) {
  StreamDecoder d(*tok_);
  EXPECT_EQ(d.push(byte_id(0xFF)), "\xFF");  // can never start a sequence
  EXPECT_EQ(d.push(byte_id(0x80)), "\x80");  // stray continuation byte
  // A lead byte followed by something that is not a continuation: both go out.
  EXPECT_EQ(d.push(byte_id(0xF0)), "");
  EXPECT_EQ(d.push(kWorld), "\xF0 world");
  // Overlong / surrogate lead pairs are invalid straight away.
  EXPECT_EQ(d.push(byte_id(0xE0)), "");
  EXPECT_EQ(d.push(byte_id(0x80)), "\xE0\x80");
  EXPECT_EQ(d.flush(), "");
}

TEST_F(TokenizerStream, LeadingSpaceDroppedAtStartAndAfterBos) {
  StreamDecoder d(*tok_);
  EXPECT_EQ(d.push(kHello), "Hello");
  EXPECT_EQ(d.push(kHello), " Hello");
  EXPECT_EQ(d.push(2), "");  // EOS: control, no text, does not restart
  EXPECT_EQ(d.push(kWorld), " world");
  EXPECT_EQ(d.push(1), "");  // BOS restarts
  EXPECT_EQ(d.push(kWorld), "world");
  EXPECT_EQ(d.push(0), "");  // unknown: no text (llama.cpp token_to_piece, special=false)
  EXPECT_EQ(d.push(-7), "");
  EXPECT_EQ(d.push(1 << 30), "");

  // Only one space is dropped: "▁▁" (259) at the start gives " ".
  StreamDecoder e(*tok_);
  EXPECT_EQ(e.push(259), " ");
  // A first piece without a space is untouched.
  StreamDecoder f(*tok_);
  EXPECT_EQ(f.push(byte_id('\n')), "\n");
  EXPECT_EQ(f.push(kHello), " Hello");
}

TEST_F(TokenizerStream, ControlTokensBeforeTextKeepTheStartState) {
  StreamDecoder d(*tok_);
  EXPECT_EQ(d.push(2), "");
  EXPECT_EQ(d.push(kHello), "Hello");
}

TEST_F(TokenizerStream, DecodeMatchesStreaming) {
  const std::vector<int32_t> ids = {
      1, kHello, byte_id(0xF0), byte_id(0x9F), byte_id(0xA6), byte_id(0x99), kWorld};
  StreamDecoder d(*tok_);
  std::string streamed;
  for (int32_t id : ids) streamed += d.push(id);
  streamed += d.flush();
  EXPECT_EQ(streamed, "Hello\xF0\x9F\xA6\x99 world");
  EXPECT_EQ(tok_->decode(ids), streamed);
  EXPECT_EQ(tok_->decode({}), "");
}

}  // namespace
}  // namespace slim
