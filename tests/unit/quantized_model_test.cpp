// Weights converted to F16, BF16, Q8_0 and Q4_0 by our converter, run on the real
// stories260K model and compared with the F32 original: top-1 agreement and max logit
// difference along the F32 greedy continuation, with explicit per-type tolerances.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "convert_types.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim {
namespace {

const std::string kModel = std::string(SLIM_SHARED_DIR) + "/models/stories260K/stories260K.gguf";
constexpr int kSteps = 64;

struct Trace {
  std::vector<int32_t> tokens;             // BOS + greedy continuation
  std::vector<std::vector<float>> logits;  // logits after each prefix
};

int32_t argmax(const std::vector<float>& v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Greedy run from BOS (if `forced` is empty) or teacher-forced along `forced`.
Trace trace(const std::string& path, const std::vector<int32_t>& forced) {
  auto model = Model::load(path);
  EXPECT_TRUE(model.is_ok()) << model.status().to_string();
  if (!model) return {};
  SessionParams sp;
  sp.n_threads = 1;
  auto session = Session::create(*model, sp);
  EXPECT_TRUE(session.is_ok());
  Trace t;
  t.tokens.push_back((*model)->info().bos_id);
  for (int step = 0; step < kSteps; ++step) {
    EXPECT_TRUE((*session)->eval({t.tokens.back()}).is_ok());
    const float* l = (*session)->logits();
    t.logits.emplace_back(l, l + (*session)->n_vocab());
    t.tokens.push_back(forced.empty() ? argmax(t.logits.back())
                                      : forced[static_cast<size_t>(step) + 1]);
  }
  return t;
}

struct Tolerance {
  const char* type;
  double min_top1;        // fraction of steps whose argmax equals F32's
  double max_logit_diff;  // max |logit - F32 logit| over all steps and tokens
};

void PrintTo(const Tolerance& t, std::ostream* os) {
  *os << t.type;
}

class QuantizedModel : public ::testing::TestWithParam<Tolerance> {};

TEST_P(QuantizedModel, AgreesWithF32WithinTolerance) {
  const Tolerance tol = GetParam();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("slim_qm_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / (std::string(tol.type) + ".gguf")).string();
  auto type = toolkit::parse_convert_type(tol.type);
  ASSERT_TRUE(type.is_ok());
  ASSERT_TRUE(toolkit::convert_gguf_types(kModel, out, *type).is_ok());

  const Trace ref = trace(kModel, {});
  const Trace q = trace(out, ref.tokens);
  ASSERT_EQ(q.logits.size(), ref.logits.size());
  int agree = 0;
  double max_diff = 0;
  for (size_t s = 0; s < ref.logits.size(); ++s) {
    agree += argmax(ref.logits[s]) == argmax(q.logits[s]) ? 1 : 0;
    for (size_t i = 0; i < ref.logits[s].size(); ++i) {
      max_diff =
          std::max(max_diff, static_cast<double>(std::fabs(ref.logits[s][i] - q.logits[s][i])));
    }
  }
  const Trace free_run = trace(out, {});
  size_t same_prefix = 0;
  while (same_prefix < free_run.tokens.size() &&
         free_run.tokens[same_prefix] == ref.tokens[same_prefix])
    ++same_prefix;
  const double top1 = static_cast<double>(agree) / static_cast<double>(ref.logits.size());
  std::printf(
      "[ report ] %-5s top-1 agreement %5.1f%%  max |logit diff| %.5f  greedy prefix equal to F32: "
      "%zu/%d\n",
      tol.type, 100.0 * top1, max_diff, same_prefix - 1, kSteps);
  EXPECT_GE(top1, tol.min_top1);
  EXPECT_LE(max_diff, tol.max_logit_diff);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Types, QuantizedModel,
    // Measured on stories260K (docs/PERFORMANCE.md has the numbers): F16 100% / 0.011,
    // BF16 100% / 0.088, Q8_0 100% / 0.39, Q4_0 91% / 7.6 (its output head is Q8_0 by
    // llama.cpp's mix rules; 86% / 8.7 with --pure) — a 260K-parameter model is far more
    // sensitive to 4-bit weights than real-size models. With F32 activations Q8_0 was 0.27;
    // Q8 activations (docs/adr/0003) add their own rounding.
    ::testing::Values(Tolerance{"F16", 1.0, 0.02}, Tolerance{"BF16", 0.95, 0.15},
                      Tolerance{"Q8_0", 0.98, 0.5}, Tolerance{"Q4_0", 0.75, 12.0}),
    [](const auto& p) { return std::string(p.param.type); });

}  // namespace
}  // namespace slim
