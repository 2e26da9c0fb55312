// Llama-family forward pass against the independent numpy reference (tests/ref/llama_ref.py,
// fixtures tests/data/llama_ref/): logits after every position, for every way of feeding the
// prompt (token by token, one chunk, chunks of 5, uneven eval calls) and thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim {
namespace {

static_assert(std::endian::native == std::endian::little, "the .logits fixtures are little-endian");

// What tests/ref/llama_ref.py wrote into each file (its VARIANTS table).
struct Variant {
  const char* name;
  const char* arch;
  const char* rope_style;
  int32_t n_head;
  int32_t n_head_kv;
  int32_t rope_dims;
  float rope_base;
  bool tied;
};

// Names the parameter in gtest messages.
void PrintTo(const Variant& v, std::ostream* os) {
  *os << v.name;
}

constexpr Variant kVariants[] = {
    {"llama", "llama", "interleaved", 4, 2, 8, 10000.0f, false},
    {"qwen2", "qwen2", "neox", 4, 2, 8, 1000000.0f, true},
    {"llama_partial", "llama", "interleaved", 2, 1, 8, 10000.0f, false},
    {"qwen2_partial", "qwen2", "neox", 2, 2, 10, 1000000.0f, true},
};

constexpr int32_t kVocab = 300;
constexpr int32_t kEmbd = 32;

std::string fixture(const std::string& variant, const char* ext) {
  return std::string(SLIM_TEST_DATA_DIR) + "/llama_ref/" + variant + ext;
}

struct Reference {
  std::vector<int32_t> tokens;
  std::vector<float> logits;  // [tokens.size()][kVocab]
  const float* row(size_t pos) const { return logits.data() + pos * static_cast<size_t>(kVocab); }
};

Reference load_reference(const std::string& variant) {
  Reference ref;
  std::ifstream tf(fixture(variant, ".tokens"));
  EXPECT_TRUE(tf.good()) << "missing " << fixture(variant, ".tokens");
  int32_t id = 0;
  while (tf >> id) ref.tokens.push_back(id);
  std::ifstream lf(fixture(variant, ".logits"), std::ios::binary);
  EXPECT_TRUE(lf.good()) << "missing " << fixture(variant, ".logits");
  const std::string bytes((std::istreambuf_iterator<char>(lf)), std::istreambuf_iterator<char>());
  ref.logits.resize(bytes.size() / sizeof(float));
  std::memcpy(ref.logits.data(), bytes.data(), ref.logits.size() * sizeof(float));
  EXPECT_EQ(bytes.size(), ref.tokens.size() * kVocab * sizeof(float)) << variant;
  return ref;
}

// max |got - ref| relative to max(1, max |ref|); the test's bound is 1e-4.
double relative_error(const float* got, const float* ref) {
  double diff = 0.0, scale = 1.0;
  for (int32_t i = 0; i < kVocab; ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - static_cast<double>(ref[i])));
    scale = std::max(scale, std::fabs(static_cast<double>(ref[i])));
  }
  return std::isfinite(diff) ? diff / scale : INFINITY;
}

constexpr double kTolerance = 1e-4;

std::vector<float> copy_logits(const Session& s) {
  const float* p = s.logits();
  EXPECT_NE(p, nullptr);
  if (p == nullptr) return {};
  return std::vector<float>(p, p + kVocab);
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class LlamaForwardRef : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    const Variant& v = GetParam();
    ref_ = load_reference(v.name);
    ASSERT_EQ(ref_.tokens.size(), 12u) << v.name;
    ASSERT_EQ(ref_.logits.size(), ref_.tokens.size() * kVocab) << v.name;
    auto m = Model::load(fixture(v.name, ".gguf"));
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::move(m).value();
  }

  std::unique_ptr<Session> session(int32_t n_batch, int32_t n_threads) {
    SessionParams p;
    p.n_batch = n_batch;
    p.n_threads = n_threads;
    auto s = Session::create(model_, p);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(s).value() : nullptr;
  }

  // Logits after each token, feeding one token per eval call.
  std::vector<std::vector<float>> token_by_token(int32_t n_threads) {
    std::vector<std::vector<float>> out;
    auto s = session(64, n_threads);
    if (!s) return out;
    for (int32_t t : ref_.tokens) {
      const Status st = s->eval({t});
      EXPECT_TRUE(st.is_ok()) << st.to_string();
      if (!st.is_ok()) break;
      out.push_back(copy_logits(*s));
    }
    return out;
  }

  // Last logits after one eval call with every token (split by the session into n_batch).
  std::vector<float> one_call(int32_t n_batch, int32_t n_threads) {
    auto s = session(n_batch, n_threads);
    if (!s) return {};
    const Status st = s->eval(ref_.tokens);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(s->n_past(), static_cast<int32_t>(ref_.tokens.size()));
    return copy_logits(*s);
  }

  Reference ref_;
  std::shared_ptr<const Model> model_;
};

TEST_P(LlamaForwardRef, ModelInfoMatchesTheFile) {
  const Variant& v = GetParam();
  const ModelInfo& info = model_->info();
  EXPECT_EQ(info.architecture, v.arch);
  EXPECT_EQ(info.rope_style, v.rope_style);
  EXPECT_EQ(info.n_vocab, kVocab);
  EXPECT_EQ(info.n_embd, kEmbd);
  EXPECT_EQ(info.n_layer, 2);
  EXPECT_EQ(info.n_head, v.n_head);
  EXPECT_EQ(info.n_head_kv, v.n_head_kv);
  EXPECT_EQ(info.rope_dims, v.rope_dims);
  EXPECT_EQ(info.rope_base, v.rope_base);
  EXPECT_EQ(info.tied_output, v.tied);
}

TEST_P(LlamaForwardRef, TokenByTokenMatchesReferenceAtEveryPosition) {
  const auto got = token_by_token(1);
  ASSERT_EQ(got.size(), ref_.tokens.size());
  double worst = 0.0;
  for (size_t pos = 0; pos < got.size(); ++pos) {
    const double err = relative_error(got[pos].data(), ref_.row(pos));
    worst = std::max(worst, err);
    EXPECT_LE(err, kTolerance) << GetParam().name << " position " << pos << " token "
                               << ref_.tokens[pos];
  }
  std::ostringstream shown;
  shown << std::scientific << std::setprecision(2) << worst;
  RecordProperty("max_relative_error", shown.str());
}

TEST_P(LlamaForwardRef, OneChunkMatchesReferenceAndTokenByToken) {
  const auto by_token = token_by_token(1);
  const auto chunk = one_call(64, 1);
  ASSERT_EQ(chunk.size(), static_cast<size_t>(kVocab));
  EXPECT_LE(relative_error(chunk.data(), ref_.row(ref_.tokens.size() - 1)), kTolerance);
  ASSERT_FALSE(by_token.empty());
  EXPECT_TRUE(same_bits(chunk, by_token.back())) << "one chunk vs token by token differ";
}

TEST_P(LlamaForwardRef, ChunksOfFiveMatchReferenceAndTokenByToken) {
  const auto by_token = token_by_token(1);
  const auto chunked = one_call(5, 1);  // 5 + 5 + 2
  ASSERT_EQ(chunked.size(), static_cast<size_t>(kVocab));
  EXPECT_LE(relative_error(chunked.data(), ref_.row(ref_.tokens.size() - 1)), kTolerance);
  ASSERT_FALSE(by_token.empty());
  EXPECT_TRUE(same_bits(chunked, by_token.back())) << "chunks of 5 vs token by token differ";
  EXPECT_TRUE(same_bits(chunked, one_call(64, 1))) << "chunks of 5 vs one chunk differ";
}

TEST_P(LlamaForwardRef, UnevenEvalCallsMatchReferenceAtEachCallsLastToken) {
  // Multi-token chunks that start at a position > 0 (3 + 4 + 5 tokens).
  auto s = session(64, 1);
  ASSERT_NE(s, nullptr);
  const auto by_token = token_by_token(1);
  ASSERT_EQ(by_token.size(), ref_.tokens.size());
  size_t done = 0;
  for (size_t n : {3u, 4u, 5u}) {
    const std::vector<int32_t> part(ref_.tokens.begin() + static_cast<std::ptrdiff_t>(done),
                                    ref_.tokens.begin() + static_cast<std::ptrdiff_t>(done + n));
    ASSERT_TRUE(s->eval(part).is_ok());
    done += n;
    const auto got = copy_logits(*s);
    EXPECT_LE(relative_error(got.data(), ref_.row(done - 1)), kTolerance) << "after " << done;
    EXPECT_TRUE(same_bits(got, by_token[done - 1])) << "after " << done;
  }
  EXPECT_EQ(done, ref_.tokens.size());
}

TEST_P(LlamaForwardRef, ThreadCountDoesNotChangeAnyBit) {
  const auto one = token_by_token(1), two = token_by_token(2);
  ASSERT_EQ(one.size(), two.size());
  for (size_t pos = 0; pos < one.size(); ++pos) {
    EXPECT_TRUE(same_bits(one[pos], two[pos])) << "token by token, position " << pos;
  }
  // In a 12-token chunk the FFN products are large enough to use the workers.
  EXPECT_TRUE(same_bits(one_call(64, 1), one_call(64, 2))) << "one chunk";
  EXPECT_TRUE(same_bits(one_call(5, 1), one_call(5, 2))) << "chunks of 5";
  EXPECT_TRUE(same_bits(one_call(64, 1), one_call(64, 3))) << "one chunk, 3 threads";
}

TEST_P(LlamaForwardRef, LongPromptIsBitIdenticalAcrossThreadsAndChunking) {
  // 60 tokens (the reference sequence five times): large enough that the attention and every
  // matrix product of a one-chunk eval run on the workers. No reference logits here, only
  // determinism: 1 / 2 / 3 threads and one chunk / chunks of 5 / token by token agree bit for bit.
  std::vector<int32_t> tokens;
  for (int rep = 0; rep < 5; ++rep)
    tokens.insert(tokens.end(), ref_.tokens.begin(), ref_.tokens.end());
  auto last_logits = [&](int32_t n_batch, int32_t n_threads, bool one_by_one) {
    auto s = session(n_batch, n_threads);
    if (!s) return std::vector<float>{};
    if (one_by_one) {
      for (int32_t t : tokens) EXPECT_TRUE(s->eval({t}).is_ok());
    } else {
      EXPECT_TRUE(s->eval(tokens).is_ok());
    }
    EXPECT_EQ(s->n_past(), static_cast<int32_t>(tokens.size()));
    return copy_logits(*s);
  };
  const auto base = last_logits(64, 1, false);
  ASSERT_EQ(base.size(), static_cast<size_t>(kVocab));
  for (float x : base) ASSERT_TRUE(std::isfinite(x));
  EXPECT_TRUE(same_bits(base, last_logits(64, 2, false))) << "one chunk, 2 threads";
  EXPECT_TRUE(same_bits(base, last_logits(64, 3, false))) << "one chunk, 3 threads";
  EXPECT_TRUE(same_bits(base, last_logits(5, 1, false))) << "chunks of 5, 1 thread";
  EXPECT_TRUE(same_bits(base, last_logits(5, 2, false))) << "chunks of 5, 2 threads";
  EXPECT_TRUE(same_bits(base, last_logits(64, 1, true))) << "token by token, 1 thread";
  EXPECT_TRUE(same_bits(base, last_logits(64, 2, true))) << "token by token, 2 threads";
}

INSTANTIATE_TEST_SUITE_P(LlamaForward, LlamaForwardRef, ::testing::ValuesIn(kVariants),
                         [](const ::testing::TestParamInfo<Variant>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace slim
