// SentencePiece ("llama") tokenizer against llama.cpp's published tokenizer vectors
// (shared/tokenizer-vectors: .inp strings, .out ids from llama.cpp / the HF tokenizer).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "format/gguf.hpp"
#include "tokenizer/tokenizer.hpp"

#include "tokenizer_vectors.hpp"

namespace slim {
namespace {

const std::string kShared = SLIM_SHARED_DIR;

using test::load_gguf_tokenizer;
using test::load_vectors;
using test::printable;
using test::Vectors;

void check_vectors(const std::string& name) {
  const std::string base = kShared + "/tokenizer-vectors/" + name;
  auto tok = load_gguf_tokenizer(base);
  ASSERT_NE(tok, nullptr);
  const Vectors v = load_vectors(base);
  ASSERT_EQ(v.inputs.size(), 46u);
  ASSERT_EQ(v.inputs.size(), v.ids.size());
  size_t pass = 0;
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    auto got = tok->encode(v.inputs[i], /*add_bos=*/false, /*parse_special=*/false);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_EQ(*got, v.ids[i]) << name << " #" << i << " '" << printable(v.inputs[i]) << "'";
    if (*got == v.ids[i]) ++pass;
  }
  EXPECT_EQ(pass, v.inputs.size()) << name;
  std::printf("[ vectors  ] %s: %zu/%zu match\n", name.c_str(), pass, v.inputs.size());
}

TEST(TokenizerSpm, LlamaSpmVectors) {
  check_vectors("ggml-vocab-llama-spm.gguf");
}
TEST(TokenizerSpm, Phi3Vectors) {
  check_vectors("ggml-vocab-phi-3.gguf");
}

// SPM with byte fallback and no normalization is lossless: decoding drops exactly the
// space the encoder prefixed.
void check_round_trip(const std::string& name) {
  const std::string base = kShared + "/tokenizer-vectors/" + name;
  auto tok = load_gguf_tokenizer(base);
  ASSERT_NE(tok, nullptr);
  const Vectors v = load_vectors(base);
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    auto ids = tok->encode(v.inputs[i], false, false);
    ASSERT_TRUE(ids.is_ok());
    EXPECT_EQ(tok->decode(*ids), v.inputs[i]) << name << " #" << i;
    auto with_bos = tok->encode(v.inputs[i], true, false);
    ASSERT_TRUE(with_bos.is_ok());
    ASSERT_FALSE(with_bos->empty());
    EXPECT_EQ(with_bos->front(), tok->bos_id());
    EXPECT_EQ(tok->decode(*with_bos), v.inputs[i]) << name << " #" << i << " with BOS";
    // Decoding the reference ids gives the input back as well.
    EXPECT_EQ(tok->decode(v.ids[i]), v.inputs[i]) << name << " #" << i << " reference ids";
  }
}

TEST(TokenizerSpm, LlamaSpmRoundTrip) {
  check_round_trip("ggml-vocab-llama-spm.gguf");
}
TEST(TokenizerSpm, Phi3RoundTrip) {
  check_round_trip("ggml-vocab-phi-3.gguf");
}

TEST(TokenizerSpm, VocabMetadata) {
  auto tok = load_gguf_tokenizer(kShared + "/tokenizer-vectors/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab_size(), 32000);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos_default());
  EXPECT_TRUE(tok->strips_leading_space());
  EXPECT_EQ(tok->model_name(), "llama");
  EXPECT_TRUE(tok->is_eog(2));
  EXPECT_FALSE(tok->is_eog(1));
  EXPECT_FALSE(tok->is_eog(-1));
  EXPECT_EQ(tok->token_text(15043), "\xe2\x96\x81Hello");
  EXPECT_EQ(tok->token_type(0), TokenType::kUnknown);
  EXPECT_EQ(tok->token_type(1), TokenType::kControl);
  EXPECT_EQ(tok->token_type(13), TokenType::kByte);
  EXPECT_EQ(tok->token_type(32000), TokenType::kUndefined);
  EXPECT_EQ(tok->token_text(-1), "");

  EXPECT_EQ(tok->piece(15043), " Hello");
  EXPECT_EQ(tok->piece(13), "\n");  // <0x0A>
  EXPECT_EQ(tok->piece(3 + 0xF0), "\xF0");
  EXPECT_EQ(tok->piece(1), "");  // control
  EXPECT_EQ(tok->piece(2), "");
  EXPECT_EQ(tok->piece(0), "");  // unknown: llama.cpp's token_to_piece(special=false)
  EXPECT_EQ(tok->piece(-5), "");
  EXPECT_EQ(tok->piece(32000), "");
}

TEST(TokenizerSpm, Phi3Metadata) {
  auto tok = load_gguf_tokenizer(kShared + "/tokenizer-vectors/ggml-vocab-phi-3.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab_size(), 32064);
  EXPECT_EQ(tok->eos_id(), 32000);
  EXPECT_TRUE(tok->is_eog(32000));   // <|endoftext|> (eos)
  EXPECT_TRUE(tok->is_eog(32007));   // <|end|>, recognised by text as in llama.cpp
  EXPECT_FALSE(tok->is_eog(32010));  // <|user|>
  EXPECT_EQ(tok->piece(2), "</s>");  // user-defined: its text
  EXPECT_EQ(tok->piece(32011), "");  // [PAD32011] has type unknown
}

TEST(TokenizerSpm, EmptyText) {
  auto tok = load_gguf_tokenizer(kShared + "/tokenizer-vectors/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  auto a = tok->encode("", false, false);
  ASSERT_TRUE(a.is_ok());
  EXPECT_TRUE(a->empty());
  auto b = tok->encode("", true, true);
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(*b, std::vector<int32_t>{1});
}

TEST(TokenizerSpm, ParseSpecialControlToken) {
  auto tok = load_gguf_tokenizer(kShared + "/tokenizer-vectors/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  // Ids from the llama.cpp vectors: "Hello world" -> 15043 ("▁Hello") 3186 ("▁world").
  auto on = tok->encode("<s>Hello</s>world", false, true);
  ASSERT_TRUE(on.is_ok());
  // The space prefix is added again after each special token, as llama.cpp does.
  EXPECT_EQ(*on, (std::vector<int32_t>{1, 15043, 2, 3186}));

  auto off = tok->encode("<s>Hello</s>world", false, false);
  ASSERT_TRUE(off.is_ok());
  for (int32_t id : *off) {
    EXPECT_NE(id, 1);
    EXPECT_NE(id, 2);
  }
  EXPECT_EQ(tok->decode(*off), "<s>Hello</s>world");

  // Unknown-type tokens are special too (llama.cpp's special-token cache holds them).
  auto unk = tok->encode("<unk>", false, true);
  ASSERT_TRUE(unk.is_ok());
  EXPECT_EQ(*unk, std::vector<int32_t>{0});
}

TEST(TokenizerSpm, Phi3ChatSpecialTokensStripWhitespaceToTheRight) {
  // llama.cpp marks Phi-3's special tokens (by general.name) as eating the whitespace after
  // them, as the Hugging Face tokenizer's rstrip does.
  auto tok = load_gguf_tokenizer(kShared + "/tokenizer-vectors/ggml-vocab-phi-3.gguf");
  ASSERT_NE(tok, nullptr);
  auto ids = tok->encode("<|user|>\nHello<|end|>\n<|assistant|>", true, true);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{1, 32010, 15043, 32007, 32001}));
}

TEST(TokenizerSpm, InvalidUtf8DoesNotCrashAndRoundTrips) {
  auto tok = load_gguf_tokenizer(kShared + "/tokenizer-vectors/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  // A truncated 4-byte sequence, a lone continuation byte, overlong and out-of-range bytes.
  const std::string bad =
      std::string("a\xF0\x9F\xA6") + "b\x80" + "c\xC0\xAF\xFF\xFE" + "\xED\xA0\x80";
  auto ids = tok->encode(bad, false, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(tok->decode(*ids), bad);
  // Each invalid byte is its own character: "\xF0\x9F\xA6" then 'b' -> byte tokens, then ▁b...
  // ("b" stays an ordinary character that can merge with what follows).
  const std::vector<int32_t> expect_prefix = {3 + 0xF0, 3 + 0x9F, 3 + 0xA6};
  auto it = std::search(ids->begin(), ids->end(), expect_prefix.begin(), expect_prefix.end());
  EXPECT_NE(it, ids->end());

  // Arbitrary bytes (without "▁", which decodes to a space) survive a round trip.
  std::string noise(4096, '\0');
  uint32_t x = 12345;
  for (char& c : noise) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
    if (static_cast<unsigned char>(c) == 0xE2) c = 'z';
  }
  auto n_ids = tok->encode(noise, true, true);
  ASSERT_TRUE(n_ids.is_ok());
  EXPECT_EQ(tok->decode(*n_ids), noise);
}

TEST(TokenizerSpm, OneMegabyteWordEncodes) {
  auto tok = load_gguf_tokenizer(kShared + "/tokenizer-vectors/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  // One 1 MiB "word": no spaces. A quadratic merge loop would take minutes here.
  std::string word;
  word.reserve(1 << 20);
  const std::string pattern = "supercalifragilisticexpialidocious";
  while (word.size() < (1u << 20)) word += pattern;
  auto ids = tok->encode(word, true, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_GT(ids->size(), word.size() / 16);
  EXPECT_EQ(tok->decode(*ids), word);

  // The same size of characters with no merges at all (byte fallback for every one).
  std::string emoji;
  while (emoji.size() < (1u << 20)) emoji += "\xF0\x9F\xA6\x99";
  auto e_ids = tok->encode(emoji, false, false);
  ASSERT_TRUE(e_ids.is_ok());
  EXPECT_EQ(e_ids->size(), emoji.size() + 1);  // "▁" then one byte token per byte
  EXPECT_EQ(tok->decode(*e_ids), emoji);
}

TEST(TokenizerSpm, Gpt2ModelIsNotSentencePiece) {
  // tokenizer.ggml.model "gpt2" files get the byte-level BPE tokenizer (tokenizer_bpe_test.cpp).
  for (const char* name : {"ggml-vocab-gpt-2.gguf", "ggml-vocab-starcoder.gguf"}) {
    auto file = gguf::GgufFile::open(kShared + "/tokenizer-vectors/" + name);
    ASSERT_TRUE(file.is_ok()) << file.status().to_string();
    auto tok = Tokenizer::from_gguf(*file);
    ASSERT_TRUE(tok.is_ok()) << name << ": " << tok.status().to_string();
    EXPECT_EQ((*tok)->model_name(), "gpt2") << name;
  }
}

}  // namespace
}  // namespace slim
