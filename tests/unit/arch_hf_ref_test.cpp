// Every architecture, end to end against the independent numpy reference: a random Hugging Face
// checkpoint (tests/ref/make_hf_checkpoint.py) converted to GGUF by tests/ref/make_gguf.py runs
// in the engine, and its logits after every position must match tests/ref/hf_forward_ref.py
// (which reads the HF folder, not the GGUF) within 1e-4 relative error; the greedy continuation
// must follow the reference's argmax chain. Results must be bit-identical for any thread count,
// any chunking of the prompt and when advanced together with other sequences by eval_batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "arch_ref_util.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim {
namespace {

struct ArchCase {
  const char* arch;  // make_hf_checkpoint.py ARCH
  const char* gguf_arch;
  const char* positions;
  const char* norm;
  const char* activation;
  bool pre_norm;
  int32_t n_embd_io;
  bool tied;
};

void PrintTo(const ArchCase& c, std::ostream* os) {
  *os << c.arch;
}

// What make_hf_checkpoint.py writes (its SHAPES table and per-architecture choices).
constexpr ArchCase kCases[] = {
    {"llama", "llama", "rope", "rmsnorm", "swiglu", true, 64, false},
    {"qwen2", "qwen2", "rope", "rmsnorm", "swiglu", true, 64, true},
    {"gpt2", "gpt2", "learned", "layernorm", "gelu", true, 64, true},
    {"opt", "opt", "learned", "layernorm", "relu", true, 64, false},
    {"opt350", "opt", "learned", "layernorm", "relu", false, 32, true},
};

constexpr size_t kVocab = 320;
constexpr double kTolerance = 1e-4;
constexpr int kGreedy = 8;
const std::vector<int32_t> kPrompt = {2, 40, 117, 300, 5, 260, 263, 99, 200, 7};

std::vector<float> logits_of(const Session& s) {
  const float* p = s.logits();
  EXPECT_NE(p, nullptr);
  return p == nullptr ? std::vector<float>{} : std::vector<float>(p, p + kVocab);
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class ArchRef : public ::testing::TestWithParam<ArchCase> {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>("slim_arch_");
    ASSERT_TRUE(test::make_checkpoint_and_gguf(GetParam().arch, *dir_, dir_->file("m.gguf")));
    auto m = Model::load(dir_->file("m.gguf"));
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::move(m).value();
  }

  std::unique_ptr<Session> session(int32_t n_batch, int32_t n_threads, int32_t n_ctx = 0) {
    SessionParams p;
    p.n_batch = n_batch;
    p.n_threads = n_threads;
    p.n_ctx = n_ctx;
    auto s = Session::create(model_, p);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(s).value() : nullptr;
  }

  // Logits after every position, feeding one token per eval.
  std::vector<std::vector<float>> per_position(Session& s, const std::vector<int32_t>& toks) {
    std::vector<std::vector<float>> out;
    for (int32_t t : toks) {
      EXPECT_TRUE(s.eval({t}).is_ok());
      out.push_back(logits_of(s));
    }
    return out;
  }

  std::unique_ptr<test::TempDir> dir_;
  std::shared_ptr<const Model> model_;
};

TEST_P(ArchRef, InfoShowsTheArchitecture) {
  const ArchCase& c = GetParam();
  const ModelInfo& i = model_->info();
  EXPECT_EQ(i.architecture, c.gguf_arch);
  EXPECT_EQ(i.positions, c.positions);
  EXPECT_EQ(i.norm, c.norm);
  EXPECT_EQ(i.activation, c.activation);
  EXPECT_EQ(i.pre_norm, c.pre_norm);
  EXPECT_EQ(i.n_embd, 64);
  EXPECT_EQ(i.n_embd_io, c.n_embd_io);
  EXPECT_EQ(i.n_head, 4);
  EXPECT_EQ(i.n_vocab, static_cast<int32_t>(kVocab));
  EXPECT_EQ(i.tied_output, c.tied);
  EXPECT_GT(i.norm_eps, 0.0f);
}

TEST_P(ArchRef, LogitsAndGreedyChainMatchTheNumpyReference) {
  const test::RefLogits ref = test::run_hf_reference(*dir_, kPrompt, kGreedy, kVocab);
  ASSERT_EQ(ref.tokens.size(), kPrompt.size() + kGreedy);
  auto s = session(1, 1);
  ASSERT_NE(s, nullptr);
  const auto got = per_position(*s, ref.tokens);
  double worst = 0.0;
  for (size_t p = 0; p < ref.tokens.size(); ++p) {
    const double e = test::relative_error(got[p].data(), ref.row(p), kVocab);
    worst = std::max(worst, e);
    EXPECT_LE(e, kTolerance) << "pos " << p;
  }
  std::printf("[ report ] %-6s max relative logit error vs numpy %.3g over %zu positions\n",
              GetParam().arch, worst, ref.tokens.size());
  // The engine's own greedy continuation of the prompt follows the reference's argmax chain
  // (a divergence is only acceptable at a tie within the tolerance).
  auto g = session(64, 1);
  ASSERT_NE(g, nullptr);
  ASSERT_TRUE(g->eval(kPrompt).is_ok());
  for (int k = 0; k < kGreedy; ++k) {
    const size_t pos = kPrompt.size() - 1 + static_cast<size_t>(k);
    const int32_t next = test::argmax(g->logits(), kVocab);
    const int32_t want = ref.tokens[pos + 1];
    if (next != want) {
      const float* r = ref.row(pos);
      EXPECT_LE(std::fabs(r[next] - r[want]), 2 * kTolerance * std::fabs(r[want]))
          << "greedy step " << k << ": engine " << next << ", reference " << want;
      break;
    }
    ASSERT_TRUE(g->eval({next}).is_ok());
  }
}

TEST_P(ArchRef, ThreadsAndChunkingAreBitIdentical) {
  std::vector<int32_t> toks = kPrompt;
  for (int i = 0; i < 30; ++i) toks.push_back((i * 37 + 11) % static_cast<int32_t>(kVocab));
  // Reference run: one token per eval, one thread.
  auto a = session(1, 1);
  ASSERT_NE(a, nullptr);
  const auto want = per_position(*a, toks);
  for (int threads : {1, 2}) {
    for (int32_t chunk : {5, 64}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + " chunk " + std::to_string(chunk));
      auto s = session(chunk, threads);
      ASSERT_NE(s, nullptr);
      for (size_t done = 0; done < toks.size();) {
        const size_t n = std::min(toks.size() - done, static_cast<size_t>(chunk));
        ASSERT_TRUE(
            s->eval(std::vector<int32_t>(toks.begin() + static_cast<std::ptrdiff_t>(done),
                                         toks.begin() + static_cast<std::ptrdiff_t>(done + n)))
                .is_ok());
        done += n;
        EXPECT_TRUE(same_bits(logits_of(*s), want[done - 1])) << "after " << done << " tokens";
      }
    }
  }
}

TEST_P(ArchRef, EvalBatchIsBitIdenticalToSequencesAlone) {
  const std::vector<std::vector<int32_t>> prompts = {
      {2, 50, 60}, {9, 8, 7, 6, 5, 4, 3}, {300, 301}};
  const std::vector<std::vector<int32_t>> next = {{11, 12, 13}, {14, 15, 16}, {17, 18, 19}};
  std::vector<std::vector<std::vector<float>>> alone(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto s = session(8, 1);
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(s->eval(prompts[i]).is_ok());
    alone[i] = per_position(*s, next[i]);
  }
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<Session>> owned;
    std::vector<Session*> ss;
    for (size_t i = 0; i < prompts.size(); ++i) {
      owned.push_back(session(8, threads));
      ASSERT_NE(owned.back(), nullptr);
      ASSERT_TRUE(owned.back()->eval(prompts[i]).is_ok());
      ss.push_back(owned.back().get());
    }
    for (size_t step = 0; step < 3; ++step) {
      std::vector<int32_t> toks;
      for (size_t i = 0; i < ss.size(); ++i) toks.push_back(next[i][step]);
      ASSERT_TRUE(eval_batch(ss, toks).is_ok());
      for (size_t i = 0; i < ss.size(); ++i) {
        EXPECT_TRUE(same_bits(logits_of(*ss[i]), alone[i][step]))
            << "threads " << threads << " sequence " << i << " step " << step;
      }
    }
  }
}

TEST_P(ArchRef, LearnedPositionsLimitTheContext) {
  const ModelInfo& i = model_->info();
  if (i.positions != "learned") GTEST_SKIP() << "rope has no position table";
  SessionParams p;
  p.n_ctx = i.n_ctx_train + 1;
  auto s = Session::create(model_, p);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("position table"), std::string::npos)
      << s.status().to_string();
  // The whole table is usable, and one token more is a clean context-full error.
  auto full = session(64, 1, i.n_ctx_train);
  ASSERT_NE(full, nullptr);
  std::vector<int32_t> toks(static_cast<size_t>(i.n_ctx_train), 5);
  ASSERT_TRUE(full->eval(toks).is_ok());
  EXPECT_EQ(full->eval({5}).code(), StatusCode::kContextFull);
}

INSTANTIATE_TEST_SUITE_P(Archs, ArchRef, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ArchCase>& i) {
                           return std::string(i.param.arch);
                         });

}  // namespace
}  // namespace slim
