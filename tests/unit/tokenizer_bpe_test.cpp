// Byte-level BPE against llama.cpp's published tokenizer vectors (shared/tokenizer-vectors:
// .inp strings, .out ids produced by the Hugging Face tokenizer), round trips, special tokens,
// hostile vocab data and huge inputs.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "tokenizer/bpe.hpp"
#include "tokenizer/bpe_internal.hpp"
#include "tokenizer/tokenizer.hpp"

#include "tokenizer_vectors.hpp"

namespace slim {
namespace {

const std::string kShared = SLIM_SHARED_DIR;
const std::string kVectors = kShared + "/tokenizer-vectors/";

using test::load_vectors;
using test::printable;
using test::read_text;
using test::Vectors;

std::shared_ptr<const Tokenizer> load(const std::string& name) {
  return test::load_gguf_tokenizer(kVectors + name);
}

void check_vectors(const std::string& name) {
  auto tok = load(name);
  ASSERT_NE(tok, nullptr);
  const Vectors v = load_vectors(kVectors + name);
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

TEST(TokenizerBpe, Gpt2Vectors) {
  check_vectors("ggml-vocab-gpt-2.gguf");
}
TEST(TokenizerBpe, StarcoderVectors) {
  check_vectors("ggml-vocab-starcoder.gguf");
}
TEST(TokenizerBpe, DeepseekCoderVectors) {
  check_vectors("ggml-vocab-deepseek-coder.gguf");
}

// Byte-level BPE is lossless: decode(encode(s)) == s, and the reference ids decode to s too.
void check_round_trip(const std::string& name) {
  auto tok = load(name);
  ASSERT_NE(tok, nullptr);
  const Vectors v = load_vectors(kVectors + name);
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    auto ids = tok->encode(v.inputs[i], false, false);
    ASSERT_TRUE(ids.is_ok());
    EXPECT_EQ(tok->decode(*ids), v.inputs[i]) << name << " #" << i;
    EXPECT_EQ(tok->decode(v.ids[i]), v.inputs[i]) << name << " #" << i << " reference ids";
    auto with_bos = tok->encode(v.inputs[i], true, false);
    ASSERT_TRUE(with_bos.is_ok());
    ASSERT_FALSE(with_bos->empty());
    EXPECT_EQ(with_bos->front(), tok->bos_id());
    EXPECT_EQ(tok->decode(*with_bos), v.inputs[i]) << name << " #" << i << " with BOS";
  }
}

TEST(TokenizerBpe, Gpt2RoundTrip) {
  check_round_trip("ggml-vocab-gpt-2.gguf");
}
TEST(TokenizerBpe, StarcoderRoundTrip) {
  check_round_trip("ggml-vocab-starcoder.gguf");
}
TEST(TokenizerBpe, DeepseekCoderRoundTrip) {
  check_round_trip("ggml-vocab-deepseek-coder.gguf");
}

TEST(TokenizerBpe, WikitextRoundTripStreaming) {
  auto tok = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = read_text(kShared + "/eval/wikitext-2/wiki.test.raw");
  ASSERT_GT(text.size(), 1000000u);
  auto ids = tok->encode(text, false, false);
  ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
  EXPECT_GT(ids->size(), text.size() / 8);
  EXPECT_LT(ids->size(), text.size() / 2);
  EXPECT_EQ(tok->decode(*ids), text);
  // Streaming never emits half a character and adds up to the same text.
  StreamDecoder d(*tok);
  std::string streamed;
  for (const int32_t id : *ids) {
    const std::string part = d.push(id);
    if (!part.empty()) {
      const auto last = static_cast<unsigned char>(part.back());
      EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << "chunk ends inside a character";
    }
    streamed += part;
  }
  streamed += d.flush();
  EXPECT_EQ(streamed, text);
}

TEST(TokenizerBpe, Metadata) {
  auto gpt2 = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(gpt2, nullptr);
  EXPECT_EQ(gpt2->model_name(), "gpt2");
  EXPECT_EQ(gpt2->vocab_size(), 50257);
  EXPECT_EQ(gpt2->bos_id(), 50256);
  EXPECT_EQ(gpt2->eos_id(), 50256);
  EXPECT_FALSE(gpt2->add_bos_default());
  EXPECT_FALSE(gpt2->strips_leading_space());
  EXPECT_TRUE(gpt2->is_eog(50256));
  EXPECT_FALSE(gpt2->is_eog(0));
  EXPECT_EQ(gpt2->token_text(50256), "<|endoftext|>");
  EXPECT_EQ(gpt2->token_type(50256), TokenType::kControl);
  EXPECT_EQ(gpt2->token_text(220), "\xC4\xA0");  // "Ġ"
  EXPECT_EQ(gpt2->piece(220), " ");
  EXPECT_EQ(gpt2->piece(198), "\n");  // "Ċ"
  EXPECT_EQ(gpt2->piece(50256), "");  // control tokens render as nothing
  EXPECT_EQ(gpt2->piece(-1), "");
  EXPECT_EQ(gpt2->piece(50257), "");
  EXPECT_EQ(gpt2->token_type(50257), TokenType::kUndefined);

  auto ds = load("ggml-vocab-deepseek-coder.gguf");
  ASSERT_NE(ds, nullptr);
  EXPECT_TRUE(ds->add_bos_default());
  EXPECT_EQ(ds->bos_id(), 32013);
  EXPECT_EQ(ds->eos_id(), 32014);
  EXPECT_TRUE(ds->is_eog(32014));
  EXPECT_EQ(ds->piece(32021), "<|EOT|>");  // user-defined: rendered as its text
}

TEST(TokenizerBpe, SpecialTokensOnlyWithParseSpecial) {
  auto tok = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = "Hello<|endoftext|> world";
  auto on = tok->encode(text, false, true);
  ASSERT_TRUE(on.is_ok());
  auto hello = tok->encode("Hello", false, false);
  auto world = tok->encode(" world", false, false);
  ASSERT_TRUE(hello.is_ok() && world.is_ok());
  std::vector<int32_t> expected = *hello;
  expected.push_back(50256);
  expected.insert(expected.end(), world->begin(), world->end());
  EXPECT_EQ(*on, expected);
  // A user typing the control text gets ordinary tokens, never the control token.
  auto off = tok->encode(text, false, false);
  ASSERT_TRUE(off.is_ok());
  EXPECT_EQ(std::count(off->begin(), off->end(), 50256), 0);
  EXPECT_GT(off->size(), expected.size());
  EXPECT_EQ(tok->decode(*off), text);
  // Decoding drops the control token's text (llama.cpp's token_to_piece without `special`).
  EXPECT_EQ(tok->decode(*on), "Hello world");
}

TEST(TokenizerBpe, UserDefinedTokensAlwaysMatch) {
  // deepseek-coder's user-defined "<|User|>" (32019) is split out with or without
  // parse_special; its control "<｜end▁of▁sentence｜>" (32014) only with it.
  auto tok = load("ggml-vocab-deepseek-coder.gguf");
  ASSERT_NE(tok, nullptr);
  for (const bool parse_special : {false, true}) {
    auto ids = tok->encode("a<|User|>b", false, parse_special);
    ASSERT_TRUE(ids.is_ok());
    ASSERT_EQ(ids->size(), 3u) << parse_special;
    EXPECT_EQ((*ids)[1], 32019);
  }
  const std::string eos = tok->token_text(32014).data();
  auto off = tok->encode("a" + eos, false, false);
  auto on = tok->encode("a" + eos, false, true);
  ASSERT_TRUE(off.is_ok() && on.is_ok());
  EXPECT_EQ(std::count(off->begin(), off->end(), 32014), 0);
  EXPECT_EQ(on->back(), 32014);
}

TEST(TokenizerBpe, InvalidUtf8IsEncodedBytewiseAndRoundTrips) {
  auto tok = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string bad = "ab\xFF\xFE cd \xE2\x82 \xC3\x28 x\x80y \xF0\x9F\xA6";
  auto ids = tok->encode(bad, false, false);
  ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
  EXPECT_EQ(tok->decode(*ids), bad);
  // Random bytes, with and without special parsing.
  std::mt19937 rng(7);
  std::string noise(1 << 16, '\0');
  for (char& c : noise) c = static_cast<char>(rng() & 0xFF);
  for (const bool parse_special : {false, true}) {
    auto n_ids = tok->encode(noise, true, parse_special);
    ASSERT_TRUE(n_ids.is_ok()) << n_ids.status().to_string();
    EXPECT_EQ(tok->decode(*n_ids), noise);
  }
}

TEST(TokenizerBpe, EmptyText) {
  auto tok = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(tok, nullptr);
  auto none = tok->encode("", false, false);
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->empty());
  auto bos = tok->encode("", true, true);
  ASSERT_TRUE(bos.is_ok());
  EXPECT_EQ(*bos, std::vector<int32_t>{50256});
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(TokenizerBpe, OneMegabyteInputsFinish) {
  // One 1 MiB word, and 1 MiB runs that are one pre-token each (spaces, digits for the
  // digit-grouping pre-tokenizers, punctuation): a quadratic merge loop or regex would take
  // minutes. The time bound is generous; the point is that it is not quadratic.
  for (const char* name :
       {"ggml-vocab-gpt-2.gguf", "ggml-vocab-starcoder.gguf", "ggml-vocab-deepseek-coder.gguf"}) {
    auto tok = load(name);
    ASSERT_NE(tok, nullptr);
    std::string word;
    while (word.size() < (1u << 20)) word += "supercalifragilisticexpialidocious";
    std::vector<std::string> inputs = {word,
                                       std::string(1 << 20, ' ') + "x",
                                       std::string(1 << 20, '!'),
                                       std::string(1 << 20, '7'),
                                       std::string(1 << 20, '\n'),
                                       std::string(1 << 20, 'a')};
    std::string emoji;
    while (emoji.size() < (1u << 20)) emoji += "\xF0\x9F\xA6\x99";
    inputs.push_back(emoji);
    for (const std::string& in : inputs) {
      const auto t0 = std::chrono::steady_clock::now();
      auto ids = tok->encode(in, false, false);
      ASSERT_TRUE(ids.is_ok()) << name << ": " << ids.status().to_string();
      EXPECT_LT(seconds_since(t0), 20.0) << name;
      EXPECT_EQ(tok->decode(*ids), in) << name;
    }
  }
}

TEST(TokenizerBpe, ConcurrentEncodesAgree) {
  // One shared tokenizer, four threads: every thread gets the single-threaded result.
  auto tok = load("ggml-vocab-deepseek-coder.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = read_text(kShared + "/eval/wikitext-2/wiki.test.raw").substr(0, 200000);
  auto expected = tok->encode(text, false, true);
  ASSERT_TRUE(expected.is_ok());
  std::vector<std::vector<int32_t>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep) {
        auto ids = tok->encode(text, false, true);
        if (ids.is_ok()) got[t] = std::move(*ids);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const auto& g : got) EXPECT_EQ(g, *expected);
}

// ---- The two merge loops agree -----------------------------------------------------------

TEST(TokenizerBpe, SmallAndLargeMergeLoopsAgree) {
  // Random merge tables over a small alphabet, random words: bpe_merge_small (array rescan)
  // and bpe_merge_large (heap over a linked list) must give the same tokens.
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    tok::MergeTable table;
    table.reserve(64);
    int32_t next_id = 4;
    std::vector<int32_t> known = {0, 1, 2, 3};
    for (int32_t rank = 0; rank < 40; ++rank) {
      const int32_t a = known[rng() % known.size()], b = known[rng() % known.size()];
      if (table.insert(a, b, rank, next_id)) known.push_back(next_id++);
    }
    for (int w = 0; w < 200; ++w) {
      std::vector<int32_t> word(1 + rng() % tok::kSmallWord);
      for (int32_t& x : word) x = static_cast<int32_t>(rng() % 5) - 1;  // -1: unmapped byte
      std::vector<int32_t> small = word, large = word;
      tok::bpe_merge_small(table, &small);
      tok::bpe_merge_large(table, &large);
      ASSERT_EQ(small, large) << "round " << round << " word " << w;
    }
  }
}

// ---- Hostile data --------------------------------------------------------------------------

tok::BpeVocab tiny_vocab() {
  // Bytes 'a', 'b', 'c', 'Ġ' (space) and merges a+b, ab+c, Ġ+a.
  tok::BpeVocab v;
  v.tokens = {"a",
              "b",
              "c",
              "\xC4\xA0",
              "ab",
              "abc",
              "\xC4\xA0"
              "a",
              "<|end|>"};
  v.types = {TokenType::kNormal, TokenType::kNormal, TokenType::kNormal, TokenType::kNormal,
             TokenType::kNormal, TokenType::kNormal, TokenType::kNormal, TokenType::kControl};
  v.merges = {{"a", "b"}, {"ab", "c"}, {"\xC4\xA0", "a"}};
  v.eos = 7;
  return v;
}

void expect_error(const Result<std::shared_ptr<const Tokenizer>>& r, StatusCode code,
                  const std::string& needle) {
  ASSERT_FALSE(r.is_ok()) << "expected an error containing '" << needle << "'";
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().to_string();
}

TEST(TokenizerBpe, TinyVocabFromApi) {
  auto r = tok::make_bpe_tokenizer(tiny_vocab(), tok::PreTokenizer::from_name("gpt-2"));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  auto ids = (*r)->encode("abc ab a<|end|>", false, true);
  ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
  EXPECT_EQ(*ids, (std::vector<int32_t>{5, 3, 4, 6, 7}));  // " ab": a+b outranks Ġ+a
  EXPECT_EQ((*r)->decode(*ids), "abc ab a");
  EXPECT_TRUE((*r)->is_eog(7));
  // A byte with no token and no unknown token: a clean error naming the byte.
  auto miss = (*r)->encode("abd", false, false);
  ASSERT_FALSE(miss.is_ok());
  EXPECT_EQ(miss.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(miss.status().message().find("0x64"), std::string::npos) << miss.status().message();
  // With an unknown token it becomes that token.
  auto with_unk = tiny_vocab();
  with_unk.unk = 2;
  auto u = tok::make_bpe_tokenizer(with_unk, tok::PreTokenizer::from_name("gpt-2"));
  ASSERT_TRUE(u.is_ok());
  auto uid = (*u)->encode("abd", false, false);
  ASSERT_TRUE(uid.is_ok());
  EXPECT_EQ(*uid, (std::vector<int32_t>{4, 2}));
}

TEST(TokenizerBpe, ExplicitRulesAndPrefixSpace) {
  tok::PreTokenizer pre = tok::PreTokenizer::from_rules({{std::string(tok::gpt2_pattern())}});
  pre.add_prefix_space = true;
  auto r = tok::make_bpe_tokenizer(tiny_vocab(), pre);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  auto ids = (*r)->encode("abc", false, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{3, 5}));  // " abc" -> "Ġ" "abc"
  EXPECT_EQ((*r)->decode(*ids), " abc");
  // No rules at all: the whole text is one word.
  auto whole = tok::make_bpe_tokenizer(tiny_vocab(), tok::PreTokenizer{});
  ASSERT_TRUE(whole.is_ok());
  auto w = (*whole)->encode("ab abc", false, false);
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(*w, (std::vector<int32_t>{4, 3, 5}));
}

TEST(TokenizerBpe, MalformedVocabGivesCleanErrors) {
  using tok::make_bpe_tokenizer;
  const auto gpt2 = tok::PreTokenizer::from_name("gpt-2");
  {
    tok::BpeVocab v;
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "empty");
  }
  {
    auto v = tiny_vocab();
    v.merges.push_back({"a", "zz"});
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "merge 3");
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "'zz' is not a token");
  }
  {
    auto v = tiny_vocab();
    v.merges.push_back({"b", "a"});  // "ba" is no token
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "'ba' is not a token");
  }
  {
    auto v = tiny_vocab();
    v.merges.push_back({"", "a"});
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "empty");
  }
  {
    auto v = tiny_vocab();
    v.types.pop_back();
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "7 token types");
  }
  {
    auto v = tiny_vocab();
    v.types[2] = static_cast<TokenType>(9);
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "token 2 has type 9");
  }
  {
    auto v = tiny_vocab();
    v.bos = 8;
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "bos id 8");
    v.bos = -7;
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "bos id -7");
  }
  {
    auto v = tiny_vocab();
    v.rstrip_ids = {100};
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "rstrip id 100");
  }
  {
    auto v = tiny_vocab();
    v.tokens[5] = "ab";
    expect_error(make_bpe_tokenizer(v, gpt2), StatusCode::kCorruptFile, "duplicate");
  }
  // Pre-tokenizer problems.
  expect_error(make_bpe_tokenizer(tiny_vocab(), tok::PreTokenizer::from_name("no-such-pre")),
               StatusCode::kUnsupported, "'no-such-pre'");
  expect_error(make_bpe_tokenizer(tiny_vocab(), tok::PreTokenizer::from_rules({{"(unclosed"}})),
               StatusCode::kInvalidArgument, "rule 0 '(unclosed'");
  expect_error(make_bpe_tokenizer(tiny_vocab(), tok::PreTokenizer::from_rules({{"[a[^b]]"}})),
               StatusCode::kUnsupported, "negated class nested");
  auto both = tok::PreTokenizer::from_name("gpt-2");
  both.rules = {{"a"}};
  expect_error(make_bpe_tokenizer(tiny_vocab(), both), StatusCode::kInvalidArgument, "both");
}

// ---- GGUF metadata -----------------------------------------------------------------------

// A valid tiny gpt2-model GGUF; `edit` changes it before writing.
template <typename F>
Result<std::shared_ptr<const Tokenizer>> gguf_tokenizer(F edit) {
  gguf::GgufWriter w;
  const tok::BpeVocab v = tiny_vocab();
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "gpt-2");
  w.set_array_string("tokenizer.ggml.tokens", v.tokens);
  std::vector<int32_t> types;
  for (const TokenType t : v.types) types.push_back(static_cast<int32_t>(t));
  w.set_array_i32("tokenizer.ggml.token_type", types);
  std::vector<std::string> merges;
  for (const auto& [a, b] : v.merges) merges.push_back(a + " " + b);
  w.set_array_string("tokenizer.ggml.merges", merges);
  w.set_u32("tokenizer.ggml.eos_token_id", 7);
  edit(w);
  auto bytes = w.write_to_memory();
  if (!bytes.is_ok()) return bytes.status();
  static std::vector<std::vector<uint8_t>> keep;  // the GgufFile views its buffer
  keep.push_back(std::move(*bytes));
  auto file = gguf::GgufFile::from_memory(keep.back().data(), keep.back().size());
  if (!file.is_ok()) return file.status();
  return Tokenizer::from_gguf(*file);
}

TEST(TokenizerBpe, GgufTinyVocab) {
  auto r = gguf_tokenizer([](gguf::GgufWriter&) {});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)->bos_id(), -1);  // no defaults for BPE special ids
  EXPECT_EQ((*r)->eos_id(), 7);
  EXPECT_FALSE((*r)->add_bos_default());
  auto ids = (*r)->encode("abc ab", false, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{5, 3, 4}));
  // llama-bpe defaults add_bos to true (llama.cpp); the key overrides it.
  auto l3 = gguf_tokenizer([](gguf::GgufWriter& w) {
    w.set_string("tokenizer.ggml.pre", "llama-bpe");
    w.set_u32("tokenizer.ggml.bos_token_id", 7);
  });
  ASSERT_TRUE(l3.is_ok()) << l3.status().to_string();
  EXPECT_TRUE((*l3)->add_bos_default());
  auto l3_off = gguf_tokenizer([](gguf::GgufWriter& w) {
    w.set_string("tokenizer.ggml.pre", "llama-bpe");
    w.set_bool("tokenizer.ggml.add_bos_token", false);
  });
  ASSERT_TRUE(l3_off.is_ok());
  EXPECT_FALSE((*l3_off)->add_bos_default());
}

TEST(TokenizerBpe, GgufMalformed) {
  expect_error(gguf_tokenizer(
                   [](gguf::GgufWriter& w) { w.set_string("tokenizer.ggml.pre", "unknown-pre"); }),
               StatusCode::kUnsupported, "'unknown-pre'");
  expect_error(gguf_tokenizer([](gguf::GgufWriter& w) { w.set_u32("tokenizer.ggml.pre", 3); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.pre");
  expect_error(gguf_tokenizer([](gguf::GgufWriter& w) {
                 w.set_array_string("tokenizer.ggml.merges", {"a b", "abc"});
               }),
               StatusCode::kCorruptFile, "tokenizer.ggml.merges[1] = 'abc'");
  expect_error(gguf_tokenizer([](gguf::GgufWriter& w) {
                 w.set_array_string("tokenizer.ggml.merges", {"a "});
               }),
               StatusCode::kCorruptFile, "tokenizer.ggml.merges[0]");
  expect_error(gguf_tokenizer([](gguf::GgufWriter& w) {
                 w.set_array_string("tokenizer.ggml.merges", {"a q"});
               }),
               StatusCode::kCorruptFile, "'q' is not a token");
  expect_error(gguf_tokenizer([](gguf::GgufWriter& w) {
                 w.set_array_i32("tokenizer.ggml.merges", {1, 2});
               }),
               StatusCode::kCorruptFile, "tokenizer.ggml.merges");
  expect_error(gguf_tokenizer([](gguf::GgufWriter& w) {
                 w.set_array_i32("tokenizer.ggml.token_type", {1, 1, 1});
               }),
               StatusCode::kCorruptFile, "token_type has 3 entries");
  expect_error(gguf_tokenizer([](gguf::GgufWriter& w) {
                 w.set_array_i32("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 1, 1, 12});
               }),
               StatusCode::kCorruptFile, "token_type[7] = 12");
  expect_error(
      gguf_tokenizer([](gguf::GgufWriter& w) { w.set_u32("tokenizer.ggml.bos_token_id", 8); }),
      StatusCode::kCorruptFile, "tokenizer.ggml.bos_token_id = 8");
  expect_error(
      gguf_tokenizer([](gguf::GgufWriter& w) { w.set_array_string("tokenizer.ggml.tokens", {}); }),
      StatusCode::kCorruptFile, "tokenizer.ggml.tokens is empty");
  // A missing merges key is reported as such.
  gguf::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_array_string("tokenizer.ggml.tokens", {"a"});
  auto bytes = w.write_to_memory();
  ASSERT_TRUE(bytes.is_ok());
  auto file = gguf::GgufFile::from_memory(bytes->data(), bytes->size());
  ASSERT_TRUE(file.is_ok());
  auto no_merges = Tokenizer::from_gguf(*file);
  expect_error(no_merges, StatusCode::kNotFound, "tokenizer.ggml.merges");
}

TEST(TokenizerBpe, NamedPreTokenizersAllCompile) {
  // Every name in the table builds a working tokenizer (patterns compile under PCRE2).
  const auto names = tok::bpe_pre_tokenizer_names();
  EXPECT_GE(names.size(), 20u);
  for (const std::string_view name : names) {
    auto r = tok::make_bpe_tokenizer(tiny_vocab(), tok::PreTokenizer::from_name(name));
    ASSERT_TRUE(r.is_ok()) << name << ": " << r.status().to_string();
    auto ids = (*r)->encode("abc ab", false, false);
    ASSERT_TRUE(ids.is_ok()) << name;
    EXPECT_EQ((*r)->decode(*ids), "abc ab") << name;
  }
  for (const char* required :
       {"default", "gpt-2", "llama3", "llama-bpe", "qwen2", "starcoder", "refact", "deepseek-llm",
        "deepseek-coder", "falcon", "mpt", "gpt-neox", "phi-2", "smollm", "olmo", "command-r",
        "poro-chat", "bloom"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), std::string_view(required)), names.end())
        << required;
  }
}

}  // namespace
}  // namespace slim
