// Tokenizer::from_gguf on handcrafted metadata: defaults, and every way the keys can be wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "format/gguf.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim {
namespace {

// Minimal GGUF v3 writer: metadata only, no tensors.
class MetaWriter {
 public:
  void str(const std::string& key, const std::string& v) {
    kv(key, 8, [&] { put_str(v); });
  }
  void u32(const std::string& key, uint32_t v) {
    kv(key, 4, [&] { put(v); });
  }
  void i32(const std::string& key, int32_t v) {
    kv(key, 5, [&] { put(v); });
  }
  void u64(const std::string& key, uint64_t v) {
    kv(key, 10, [&] { put(v); });
  }
  void u8(const std::string& key, uint8_t v) {
    kv(key, 0, [&] { put(v); });
  }
  void boolean(const std::string& key, bool v) {
    kv(key, 7, [&] { put(static_cast<uint8_t>(v)); });
  }
  void strs(const std::string& key, const std::vector<std::string>& v) {
    kv(key, 9, [&] {
      put(uint32_t{8});
      put(static_cast<uint64_t>(v.size()));
      for (const auto& s : v) put_str(s);
    });
  }
  void f32s(const std::string& key, const std::vector<float>& v) { arr(key, 6, v); }
  void i32s(const std::string& key, const std::vector<int32_t>& v) { arr(key, 5, v); }

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out;
    auto app = [&](const void* p, size_t n) {
      const auto* b = static_cast<const uint8_t*>(p);
      out.insert(out.end(), b, b + n);
    };
    const uint32_t magic = gguf::kMagic, version = 3;
    const uint64_t n_tensors = 0, n_kv = count_;
    app(&magic, 4);
    app(&version, 4);
    app(&n_tensors, 8);
    app(&n_kv, 8);
    out.insert(out.end(), body_.begin(), body_.end());
    return out;
  }

 private:
  template <typename T>
  void put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    body_.insert(body_.end(), b, b + sizeof(T));
  }
  void put_str(const std::string& s) {
    put(static_cast<uint64_t>(s.size()));
    body_.insert(body_.end(), s.begin(), s.end());
  }
  template <typename F>
  void kv(const std::string& key, uint32_t type, F value) {
    put_str(key);
    put(type);
    value();
    ++count_;
  }
  template <typename T>
  void arr(const std::string& key, uint32_t elem, const std::vector<T>& v) {
    kv(key, 9, [&] {
      put(elem);
      put(static_cast<uint64_t>(v.size()));
      for (T x : v) put(x);
    });
  }

  std::vector<uint8_t> body_;
  uint64_t count_ = 0;
};

const std::string kSp = "\xe2\x96\x81";  // "▁"

// 0 <unk>, 1 <s>, 2 </s>, 3 <0x41>, 4 ▁a, 5 b, 6 ▁ab, 7 a, 8 <|eot|>
std::vector<std::string> tokens() {
  return {"<unk>", "<s>", "</s>", "<0x41>", kSp + "a", "b", kSp + "ab", "a", "<|eot|>"};
}
std::vector<float> scores() {
  return {0, 0, 0, 0, -1, -2, -0.5f, -3, 0};
}
std::vector<int32_t> types() {
  return {2, 3, 3, 6, 1, 1, 1, 1, 3};
}

// The writer with a valid "llama" vocab; `skip` leaves out one key, `extra` adds more.
template <typename F>
Result<std::shared_ptr<const Tokenizer>> load(const std::string& skip, F extra) {
  MetaWriter w;
  if (skip != "tokenizer.ggml.model") w.str("tokenizer.ggml.model", "llama");
  if (skip != "tokenizer.ggml.tokens") w.strs("tokenizer.ggml.tokens", tokens());
  if (skip != "tokenizer.ggml.scores") w.f32s("tokenizer.ggml.scores", scores());
  if (skip != "tokenizer.ggml.token_type") w.i32s("tokenizer.ggml.token_type", types());
  extra(w);
  const std::vector<uint8_t> bytes = w.bytes();
  auto file = gguf::GgufFile::from_memory(bytes.data(), bytes.size());
  if (!file.is_ok()) return file.status();
  // The tokenizer copies everything it needs: the buffer may go away afterwards.
  return Tokenizer::from_gguf(*file);
}
Result<std::shared_ptr<const Tokenizer>> load(const std::string& skip = "") {
  return load(skip, [](MetaWriter&) {});
}

void expect_error(const Result<std::shared_ptr<const Tokenizer>>& r, StatusCode code,
                  const std::string& needle) {
  ASSERT_FALSE(r.is_ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().to_string();
}

TEST(TokenizerGguf, ValidVocabWithDefaults) {
  auto r = load();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const Tokenizer& t = **r;
  EXPECT_EQ(t.vocab_size(), 9);
  EXPECT_EQ(t.bos_id(), 1);  // llama.cpp's SPM defaults
  EXPECT_EQ(t.eos_id(), 2);
  EXPECT_TRUE(t.add_bos_default());
  EXPECT_TRUE(t.strips_leading_space());
  EXPECT_FALSE(t.is_eog(8));
  auto ids = t.encode("ab", true, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{1, 6}));
}

TEST(TokenizerGguf, OptionalKeys) {
  auto r = load("", [](MetaWriter& w) {
    w.u32("tokenizer.ggml.bos_token_id", 4);
    w.u32("tokenizer.ggml.eos_token_id", 5);
    w.u32("tokenizer.ggml.eot_token_id", 8);
    w.u32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFu);  // "none", as converters write it
    w.i32("tokenizer.ggml.unknown_token_id", -1);
    w.boolean("tokenizer.ggml.add_bos_token", false);
    w.boolean("tokenizer.ggml.add_eos_token", true);
    w.boolean("tokenizer.ggml.add_space_prefix", false);
  });
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const Tokenizer& t = **r;
  EXPECT_EQ(t.bos_id(), 4);
  EXPECT_EQ(t.eos_id(), 5);
  EXPECT_TRUE(t.is_eog(5));
  EXPECT_TRUE(t.is_eog(8));
  EXPECT_FALSE(t.add_bos_default());
  EXPECT_FALSE(t.strips_leading_space());
  // No space prefix: "ab" -> a + b (no "▁a" / "ab" merge).
  auto ids = t.encode("ab", false, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{7, 5}));
  StreamDecoder d(t);
  EXPECT_EQ(d.push(6), " ab");  // nothing to strip without the prefix
}

TEST(TokenizerGguf, NoneIdsDisableBos) {
  auto r = load("", [](MetaWriter& w) { w.u32("tokenizer.ggml.bos_token_id", 0xFFFFFFFFu); });
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)->bos_id(), -1);
  auto ids = (*r)->encode("ab", true, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, std::vector<int32_t>{6});
}

TEST(TokenizerGguf, MissingOptionalArrays) {
  auto r = load("tokenizer.ggml.token_type", [](MetaWriter&) {});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)->token_type(1), TokenType::kNormal);  // as llama.cpp: all normal
  auto s = load("tokenizer.ggml.scores", [](MetaWriter&) {});
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
}

TEST(TokenizerGguf, ModelKey) {
  expect_error(load("tokenizer.ggml.model"), StatusCode::kNotFound, "tokenizer.ggml.model");
  for (const char* model : {"t5", "rwkv", "ugm"}) {  // "gpt2": BPE, "bert": WordPiece
    MetaWriter w;
    w.str("tokenizer.ggml.model", model);
    const auto bytes = w.bytes();
    auto file = gguf::GgufFile::from_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(file.is_ok());
    expect_error(Tokenizer::from_gguf(*file), StatusCode::kUnsupported,
                 std::string("'") + model + "'");
  }
  MetaWriter w;
  w.u32("tokenizer.ggml.model", 1);
  const auto bytes = w.bytes();
  auto file = gguf::GgufFile::from_memory(bytes.data(), bytes.size());
  ASSERT_TRUE(file.is_ok());
  expect_error(Tokenizer::from_gguf(*file), StatusCode::kCorruptFile, "tokenizer.ggml.model");
}

TEST(TokenizerGguf, TokensKey) {
  expect_error(load("tokenizer.ggml.tokens"), StatusCode::kNotFound, "tokenizer.ggml.tokens");
  MetaWriter w;
  w.str("tokenizer.ggml.model", "llama");
  w.i32s("tokenizer.ggml.tokens", {1, 2, 3});
  const auto bytes = w.bytes();
  auto file = gguf::GgufFile::from_memory(bytes.data(), bytes.size());
  ASSERT_TRUE(file.is_ok());
  expect_error(Tokenizer::from_gguf(*file), StatusCode::kCorruptFile, "tokenizer.ggml.tokens");

  MetaWriter e;
  e.str("tokenizer.ggml.model", "llama");
  e.strs("tokenizer.ggml.tokens", {});
  const auto eb = e.bytes();
  auto ef = gguf::GgufFile::from_memory(eb.data(), eb.size());
  ASSERT_TRUE(ef.is_ok());
  expect_error(Tokenizer::from_gguf(*ef), StatusCode::kCorruptFile, "empty");
}

TEST(TokenizerGguf, ArrayLengthsMustAgree) {
  expect_error(load("tokenizer.ggml.scores",
                    [](MetaWriter& w) {
                      w.f32s("tokenizer.ggml.scores", {0, 0});
                    }),
               StatusCode::kCorruptFile, "tokenizer.ggml.scores");
  auto longer = scores();
  longer.push_back(0);
  expect_error(load("tokenizer.ggml.scores",
                    [&](MetaWriter& w) { w.f32s("tokenizer.ggml.scores", longer); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.scores");
  auto short_types = types();
  short_types.pop_back();
  expect_error(load("tokenizer.ggml.token_type",
                    [&](MetaWriter& w) { w.i32s("tokenizer.ggml.token_type", short_types); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.token_type");
}

TEST(TokenizerGguf, WrongTypes) {
  expect_error(load("tokenizer.ggml.scores",
                    [](MetaWriter& w) { w.strs("tokenizer.ggml.scores", tokens()); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.scores");
  expect_error(load("tokenizer.ggml.token_type",
                    [](MetaWriter& w) { w.f32s("tokenizer.ggml.token_type", scores()); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.token_type");
  expect_error(load("", [](MetaWriter& w) { w.str("tokenizer.ggml.bos_token_id", "1"); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.bos_token_id");
  expect_error(load("", [](MetaWriter& w) { w.boolean("tokenizer.ggml.eos_token_id", true); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.eos_token_id");
  expect_error(load("", [](MetaWriter& w) { w.u8("tokenizer.ggml.add_bos_token", 1); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.add_bos_token");
  expect_error(load("", [](MetaWriter& w) { w.u32("tokenizer.ggml.add_space_prefix", 0); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.add_space_prefix");
}

TEST(TokenizerGguf, BadValues) {
  expect_error(load("", [](MetaWriter& w) { w.u32("tokenizer.ggml.bos_token_id", 9); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.bos_token_id = 9");
  expect_error(load("", [](MetaWriter& w) { w.i32("tokenizer.ggml.unknown_token_id", -5); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.unknown_token_id");
  expect_error(load("", [](MetaWriter& w) { w.u32("tokenizer.ggml.eom_token_id", 0x7FFFFFFF); }),
               StatusCode::kCorruptFile, "tokenizer.ggml.eom_token_id");
  expect_error(load("", [](MetaWriter& w) { w.u64("tokenizer.ggml.padding_token_id", ~0ull); }),
               StatusCode::kCorruptFile, "18446744073709551615");
  auto bad_types = types();
  bad_types[5] = 7;
  expect_error(load("tokenizer.ggml.token_type",
                    [&](MetaWriter& w) { w.i32s("tokenizer.ggml.token_type", bad_types); }),
               StatusCode::kCorruptFile, "token_type[5]");
  bad_types[5] = -1;
  expect_error(load("tokenizer.ggml.token_type",
                    [&](MetaWriter& w) { w.i32s("tokenizer.ggml.token_type", bad_types); }),
               StatusCode::kCorruptFile, "token_type[5]");
  // A byte-typed token must be spelled <0xNN>.
  auto byte_types = types();
  byte_types[5] = 6;
  expect_error(load("tokenizer.ggml.token_type",
                    [&](MetaWriter& w) { w.i32s("tokenizer.ggml.token_type", byte_types); }),
               StatusCode::kCorruptFile, "<0xNN>");
  auto nan_scores = scores();
  nan_scores[4] = std::numeric_limits<float>::quiet_NaN();
  expect_error(load("tokenizer.ggml.scores",
                    [&](MetaWriter& w) { w.f32s("tokenizer.ggml.scores", nan_scores); }),
               StatusCode::kCorruptFile, "NaN");
  auto dup = tokens();
  dup[5] = kSp + "a";
  expect_error(
      load("tokenizer.ggml.tokens", [&](MetaWriter& w) { w.strs("tokenizer.ggml.tokens", dup); }),
      StatusCode::kCorruptFile, "duplicate");
}

TEST(TokenizerGguf, NoByteTokensFallsBackToUnknown) {
  // Nothing for "▁" or 'z': every byte becomes <unk>; without an unk token it is an error.
  auto r = load();
  ASSERT_TRUE(r.is_ok());
  auto ids = (*r)->encode("z", false, false);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{0, 0, 0, 0}));
  auto no_unk =
      load("", [](MetaWriter& w) { w.u32("tokenizer.ggml.unknown_token_id", 0xFFFFFFFFu); });
  ASSERT_TRUE(no_unk.is_ok());
  auto fail = (*no_unk)->encode("z", false, false);
  ASSERT_FALSE(fail.is_ok());
  EXPECT_EQ(fail.status().code(), StatusCode::kInvalidArgument);
  // Text that needs no fallback still works.
  auto fine = (*no_unk)->encode("ab", false, false);
  ASSERT_TRUE(fine.is_ok());
  EXPECT_EQ(*fine, std::vector<int32_t>{6});
}

TEST(TokenizerGguf, UserDefinedTokensAreAlwaysSplitOut) {
  auto user_types = types();
  user_types[8] = 4;  // <|eot|> user-defined
  auto r = load("tokenizer.ggml.token_type",
                [&](MetaWriter& w) { w.i32s("tokenizer.ggml.token_type", user_types); });
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  for (bool parse_special : {false, true}) {
    auto ids = (*r)->encode("ab<|eot|>ab", false, parse_special);
    ASSERT_TRUE(ids.is_ok());
    EXPECT_EQ(*ids, (std::vector<int32_t>{6, 8, 6})) << parse_special;
  }
  EXPECT_EQ((*r)->piece(8), "<|eot|>");
  // A control token only with parse_special.
  auto c = load();
  ASSERT_TRUE(c.is_ok());
  auto on = (*c)->encode("ab<|eot|>", false, true);
  ASSERT_TRUE(on.is_ok());
  EXPECT_EQ(*on, (std::vector<int32_t>{6, 8}));
  auto off = (*c)->encode("ab<|eot|>", false, false);
  ASSERT_TRUE(off.is_ok());
  EXPECT_EQ(std::count(off->begin(), off->end(), 8), 0);
}

}  // namespace
}  // namespace slim
