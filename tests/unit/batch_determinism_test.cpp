// Determinism by construction (issue: speed, item 4): the logits of a sequence are
// bit-identical whatever the thread count, however its prompt is chunked, and whether it
// is decoded alone or inside a batch with other sequences. Checked on the real stories260K
// model in F32 and converted to Q8_0 and Q4_0 (the quantized-activation kernels).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "convert_types.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim {
namespace {

const std::string kModel = std::string(SLIM_SHARED_DIR) + "/models/stories260K/stories260K.gguf";

std::string model_path(const std::string& type) {
  if (type == "F32") return kModel;
  const auto dir =
      std::filesystem::temp_directory_path() / ("slim_det_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / (type + ".gguf")).string();
  if (!std::filesystem::exists(out)) {
    auto t = toolkit::parse_convert_type(type);
    EXPECT_TRUE(t.is_ok());
    EXPECT_TRUE(toolkit::convert_gguf_types(kModel, out, *t).is_ok());
  }
  return out;
}

std::shared_ptr<const Model> load(const std::string& type) {
  auto m = Model::load(model_path(type));
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return m.is_ok() ? *m : nullptr;
}

std::unique_ptr<Session> session(const std::shared_ptr<const Model>& m, int threads,
                                 int n_batch = 64) {
  SessionParams p;
  p.n_threads = threads;
  p.n_batch = n_batch;
  p.n_ctx = 256;
  auto s = Session::create(m, p);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

std::vector<int32_t> prompt(const Model& m, const std::string& text) {
  auto ids = m.tokenize(text, true);
  EXPECT_TRUE(ids.is_ok());
  return ids.is_ok() ? *ids : std::vector<int32_t>{};
}

int32_t argmax(const float* l, int32_t n) {
  return static_cast<int32_t>(std::max_element(l, l + n) - l);
}

bool same_bits(const float* a, const float* b, int32_t n) {
  return std::memcmp(a, b, sizeof(float) * n) == 0;
}

const char* kPrompts[] = {
    "Once upon a time, there was a little dog named Max who loved to run in the park.", "Lily",
    "The sun was hot and the children wanted ice cream, so they", "Tom and",
    "One day a big red ball rolled down the hill and the girl ran after it very fast."};

class Determinism : public ::testing::TestWithParam<std::string> {};

// Greedy decode of `steps` tokens after the prompt; returns the logits after every token.
std::vector<std::vector<float>> decode_alone(Session& s, const std::vector<int32_t>& p, int steps) {
  std::vector<std::vector<float>> out;
  EXPECT_TRUE(s.eval(p).is_ok());
  for (int i = 0; i < steps; ++i) {
    out.emplace_back(s.logits(), s.logits() + s.n_vocab());
    EXPECT_TRUE(s.eval({argmax(s.logits(), s.n_vocab())}).is_ok());
  }
  out.emplace_back(s.logits(), s.logits() + s.n_vocab());
  return out;
}

TEST_P(Determinism, ThreadsAndPromptChunkingAreBitIdentical) {
  auto m = load(GetParam());
  ASSERT_TRUE(m);
  const std::vector<int32_t> p = prompt(*m, kPrompts[0]);
  ASSERT_GT(p.size(), 14u);
  auto one_chunk = session(m, 1, 64);
  ASSERT_TRUE(one_chunk->eval(p).is_ok());
  for (int threads : {1, 2}) {
    for (int chunk : {1, 7, 64}) {
      auto s = session(m, threads, chunk);
      if (chunk == 1) {
        for (int32_t id : p) {
          ASSERT_TRUE(s->eval({id}).is_ok());
        }
      } else {
        ASSERT_TRUE(s->eval(p).is_ok());
      }
      EXPECT_TRUE(same_bits(s->logits(), one_chunk->logits(), s->n_vocab()))
          << GetParam() << ": threads " << threads << ", chunks of " << chunk;
    }
  }
}

TEST_P(Determinism, SequenceInABatchOfFiveMatchesItAlone) {
  auto m = load(GetParam());
  ASSERT_TRUE(m);
  constexpr int kSteps = 12;
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<Session>> sessions;
    std::vector<Session*> ptrs;
    for (const char* text : kPrompts) {
      sessions.push_back(session(m, threads));
      ptrs.push_back(sessions.back().get());
      ASSERT_TRUE(sessions.back()->eval(prompt(*m, text)).is_ok());
    }
    // Reference: each sequence decoded alone.
    std::vector<std::vector<std::vector<float>>> alone;
    for (const char* text : kPrompts) {
      auto s = session(m, threads == 1 ? 2 : 1);  // and on the other thread count
      alone.push_back(decode_alone(*s, prompt(*m, text), kSteps));
    }
    for (int step = 0; step <= kSteps; ++step) {
      std::vector<int32_t> next;
      for (size_t i = 0; i < sessions.size(); ++i) {
        const float* l = sessions[i]->logits();
        ASSERT_TRUE(
            same_bits(l, alone[i][static_cast<size_t>(step)].data(), sessions[i]->n_vocab()))
            << GetParam() << ": sequence " << i << " step " << step << ", batch threads "
            << threads;
        next.push_back(argmax(l, sessions[i]->n_vocab()));
      }
      if (step < kSteps) {
        ASSERT_TRUE(eval_batch(ptrs, next).is_ok());
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, Determinism, ::testing::Values("F32", "Q8_0", "Q4_0"),
                         [](const auto& p) { return p.param; });

TEST(EvalBatch, RejectsBadBatches) {
  auto m = load("F32");
  ASSERT_TRUE(m);
  auto a = session(m, 1);
  auto b = session(m, 1);
  ASSERT_TRUE(a->eval({1}).is_ok());
  ASSERT_TRUE(b->eval({1}).is_ok());
  EXPECT_EQ(eval_batch({a.get(), b.get()}, {5}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(eval_batch({a.get(), a.get()}, {5, 6}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(eval_batch({a.get(), b.get()}, {5, 100000}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(eval_batch({}, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(eval_batch({a.get(), b.get()}, {5, 6}).is_ok());
  EXPECT_EQ(a->n_past(), 2);
}

}  // namespace
}  // namespace slim
