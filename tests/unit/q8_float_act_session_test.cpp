// SessionParams::q8_0_float_activations on the real stories260K model converted to Q8_0: the
// logits are bit-identical for any thread count, prompt chunking and batch company (as the
// default path, ARCHITECTURE.md "Determinism"), sessions with different settings are not batched
// together, and the float-activation logits are closer to the F32 model's than the 8-bit ones.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "convert_types.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

const std::string kModel = std::string(SLIM_SHARED_DIR) + "/models/stories260K/stories260K.gguf";

std::shared_ptr<const Model> load_q8() {
  const auto dir =
      std::filesystem::temp_directory_path() / ("slim_q8fa_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "Q8_0.gguf").string();
  if (!std::filesystem::exists(out)) {
    EXPECT_TRUE(toolkit::convert_gguf_types(kModel, out, toolkit::FileType::kQ8_0).is_ok());
  }
  auto m = Model::load(out);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return m.is_ok() ? *m : nullptr;
}

std::unique_ptr<Session> session(const std::shared_ptr<const Model>& m, bool float_act,
                                 int threads = 1, int n_batch = 64) {
  SessionParams p;
  p.n_threads = threads;
  p.n_batch = n_batch;
  p.n_ctx = 128;
  p.q8_0_float_activations = float_act;
  auto s = Session::create(m, p);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

const char kText[] = "Once upon a time, there was a little dog named Max who loved to run.";

std::vector<float> logits_after(Session& s, const std::vector<int32_t>& p) {
  EXPECT_TRUE(s.eval(p).is_ok());
  return {s.logits(), s.logits() + s.n_vocab()};
}

// KL(softmax(a) || softmax(b)) in double.
double kl(const std::vector<float>& a, const std::vector<float>& b) {
  auto log_softmax = [](const std::vector<float>& z) {
    double mx = z[0];
    for (float v : z) mx = std::max(mx, static_cast<double>(v));
    double sum = 0;
    for (float v : z) sum += std::exp(v - mx);
    std::vector<double> out(z.size());
    for (size_t i = 0; i < z.size(); ++i) out[i] = z[i] - mx - std::log(sum);
    return out;
  };
  const auto la = log_softmax(a), lb = log_softmax(b);
  double k = 0;
  for (size_t i = 0; i < la.size(); ++i) k += std::exp(la[i]) * (la[i] - lb[i]);
  return k;
}

TEST(Q8FloatActivations, DeterministicAndCloserToF32) {
  auto q8 = load_q8();
  auto f32 = Model::load(kModel);
  ASSERT_TRUE(q8 && f32.is_ok());
  const auto ids = q8->tokenize(kText, true);
  ASSERT_TRUE(ids.is_ok());
  const std::vector<float> want = logits_after(*session(q8, true), *ids);
  for (int threads : {1, 2}) {
    for (int chunk : {1, 5, 64}) {
      auto s = session(q8, true, threads, chunk);
      const std::vector<float> got = logits_after(*s, *ids);
      EXPECT_EQ(std::memcmp(got.data(), want.data(), 4 * want.size()), 0)
          << "threads " << threads << ", chunks of " << chunk;
    }
  }
  // Mean KL from the F32 model over every position of a story (one position is too noisy).
  const std::string story =
      test::read_text(std::string(SLIM_SHARED_DIR) + "/eval/tinystories/sample.txt");
  auto toks = q8->tokenize(story, true);
  ASSERT_TRUE(toks.is_ok());
  toks->resize(std::min<size_t>(toks->size(), 120));
  auto sf = session(*f32, false), s8 = session(q8, false), sa = session(q8, true);
  double kl_q8 = 0, kl_f32act = 0;
  for (int32_t id : *toks) {
    const std::vector<float> b = logits_after(*sf, {id});
    const std::vector<float> x8 = logits_after(*s8, {id}), xf = logits_after(*sa, {id});
    kl_q8 += kl(b, x8);
    kl_f32act += kl(b, xf);
    if (id == (*toks)[0]) {
      EXPECT_NE(std::memcmp(x8.data(), xf.data(), 4 * xf.size()), 0);
    }
  }
  EXPECT_LT(kl_f32act, 0.8 * kl_q8);
}

TEST(Q8FloatActivations, BatchMatchesAloneAndRefusesMixedSettings) {
  auto q8 = load_q8();
  ASSERT_TRUE(q8);
  const auto a = q8->tokenize("Lily", true), b = q8->tokenize("Tom and", true);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  auto alone = session(q8, true);
  logits_after(*alone, *b);
  ASSERT_TRUE(alone->eval({42}).is_ok());
  auto s1 = session(q8, true), s2 = session(q8, true);
  ASSERT_TRUE(s1->eval(*a).is_ok() && s2->eval(*b).is_ok());
  ASSERT_TRUE(eval_batch({s1.get(), s2.get()}, {7, 42}).is_ok());
  EXPECT_EQ(std::memcmp(s2->logits(), alone->logits(), 4 * static_cast<size_t>(s2->n_vocab())), 0);

  auto other = session(q8, false);
  ASSERT_TRUE(other->eval(*b).is_ok());
  const Status st = eval_batch({s1.get(), other.get()}, {7, 42});
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("Q8_0 activations"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace slim
