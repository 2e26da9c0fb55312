// End to end on the real stories260K model: `slim quantize ... W8A8 --calib` (toolkit) calibrated
// on the first half of ../shared/eval/tinystories/sample.txt, then the mean KL divergence of the
// W8A8 model's next-token distribution from the F32 model's over the held-out second half,
// computed here from the published definition KL(P||Q) = sum_i p_i (log p_i - log q_i) in double,
// with top-1 agreement; and greedy generation from BOS. Also: a W8A8 file loads only with its
// act_scale tensors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "convert_types.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"
#include "test_util.hpp"
#include "w8a8_quantize.hpp"

namespace slim {
namespace {

std::string model_path() {
  return test::shared_dir() + "/models/stories260K/stories260K.gguf";
}

// The sample text split at the first newline after its middle: calibration half, held-out half.
void split_sample(std::string* calib, std::string* eval) {
  const std::string text = test::read_text(test::shared_dir() + "/eval/tinystories/sample.txt");
  ASSERT_GT(text.size(), 1000u);
  size_t cut = text.find('\n', text.size() / 2);
  if (cut == std::string::npos) cut = text.size() / 2;
  *calib = text.substr(0, cut + 1);
  *eval = text.substr(cut + 1);
}

std::vector<double> log_softmax(const float* l, size_t n) {
  double mx = -INFINITY;
  for (size_t i = 0; i < n; ++i) mx = std::max(mx, static_cast<double>(l[i]));
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(l[i]) - mx);
  const double lse = mx + std::log(sum);
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<double>(l[i]) - lse;
  return out;
}

struct Divergence {
  double mean_kld = 0, max_kld = 0, top1 = 0;
  size_t n = 0;
};

// Teacher-forced over `tokens` with both models, one position at a time.
Divergence divergence(const std::string& base, const std::string& quant,
                      const std::vector<int32_t>& tokens) {
  auto mb = Model::load(base);
  auto mq = Model::load(quant);
  EXPECT_TRUE(mb.is_ok() && mq.is_ok());
  if (!mb || !mq) return {};
  SessionParams sp;
  sp.n_threads = 1;
  auto sb = Session::create(*mb, sp);
  auto sq = Session::create(*mq, sp);
  EXPECT_TRUE(sb.is_ok() && sq.is_ok());
  Divergence d;
  size_t agree = 0;
  const size_t n_tok = std::min(tokens.size(), static_cast<size_t>((*sb)->n_ctx()));
  for (size_t t = 0; t + 1 < n_tok; ++t) {
    EXPECT_TRUE((*sb)->eval({tokens[t]}).is_ok());
    EXPECT_TRUE((*sq)->eval({tokens[t]}).is_ok());
    const size_t nv = static_cast<size_t>((*sb)->n_vocab());
    const std::vector<double> lp = log_softmax((*sb)->logits(), nv);
    const std::vector<double> lq = log_softmax((*sq)->logits(), nv);
    double kl = 0;
    for (size_t i = 0; i < nv; ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
    d.mean_kld += kl;
    d.max_kld = std::max(d.max_kld, kl);
    agree += std::max_element(lp.begin(), lp.end()) ==
                     lp.begin() + (std::max_element(lq.begin(), lq.end()) - lq.begin())
                 ? 1
                 : 0;
    ++d.n;
  }
  if (d.n) {
    d.mean_kld /= static_cast<double>(d.n);
    d.top1 = static_cast<double>(agree) / static_cast<double>(d.n);
  }
  return d;
}

Divergence quantize_and_measure(double percentile, const std::string& dir) {
  std::string calib, eval;
  split_sample(&calib, &eval);
  const std::string calib_path = dir + "/calib.txt";
  FILE* f = std::fopen(calib_path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (f == nullptr) return {};
  std::fwrite(calib.data(), 1, calib.size(), f);
  std::fclose(f);
  toolkit::W8A8Options o;
  o.calib_path = calib_path;
  o.percentile = percentile;
  const std::string out = dir + "/w8a8.gguf";
  toolkit::W8A8Report report;
  const Status st = toolkit::quantize_w8a8_file(model_path(), out, o, {}, nullptr, &report);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(report.tensors.size(), 30u);  // q k v o gate up per layer; ffn_down rows of 172 stay
  auto base = Model::load(model_path());
  EXPECT_TRUE(base.is_ok());
  if (!base) return {};
  auto tokens = (*base)->tokenize(eval, true);
  EXPECT_TRUE(tokens.is_ok());
  if (!tokens) return {};
  return divergence(model_path(), out, *tokens);
}

TEST(W8A8Model, HeldOutKldVsF32) {
  test::TempDir dir("w8a8_model_");
  const Divergence d = quantize_and_measure(100.0, dir.file(""));
  std::printf(
      "W8A8 (absmax calibration) vs F32 on held-out sample.txt: %zu positions, mean KLD "
      "%.6f, max KLD %.5f, top-1 agreement %.2f%%\n",
      d.n, d.mean_kld, d.max_kld, 100.0 * d.top1);
  ASSERT_GT(d.n, 300u);
  // Bounds with margin over the measured values (docs/QUANTIZATION.md: mean 0.0038, top-1 97.1 %)
  // that a broken scale, sign or rounding would exceed by orders of magnitude.
  EXPECT_LT(d.mean_kld, 0.01);
  EXPECT_GT(d.top1, 0.93);
}

// Measurement behind ADR 0004's choice of the clip percentile (not a test; run with
// --gtest_also_run_disabled_tests --gtest_filter='*PercentileSweep').
TEST(W8A8Model, DISABLED_PercentileSweep) {
  for (double p : {100.0, 99.999, 99.99, 99.9, 99.5}) {
    test::TempDir dir("w8a8_sweep_");
    const Divergence d = quantize_and_measure(p, dir.file(""));
    std::printf("percentile %g: mean KLD %.6f, max KLD %.5f, top-1 %.2f%%\n", p, d.mean_kld,
                d.max_kld, 100.0 * d.top1);
  }
  // Q8_0 (per-32 dynamic activation scales) on the same positions, for comparison.
  test::TempDir dir("w8a8_sweep_q8_");
  ASSERT_TRUE(
      toolkit::convert_gguf_types(model_path(), dir.file("q8.gguf"), toolkit::FileType::kQ8_0)
          .is_ok());
  std::string calib, eval;
  split_sample(&calib, &eval);
  auto base = Model::load(model_path());
  ASSERT_TRUE(base.is_ok());
  auto tokens = (*base)->tokenize(eval, true);
  ASSERT_TRUE(tokens.is_ok());
  const Divergence d = divergence(model_path(), dir.file("q8.gguf"), *tokens);
  std::printf("Q8_0: mean KLD %.6f, max KLD %.5f, top-1 %.2f%%\n", d.mean_kld, d.max_kld,
              100.0 * d.top1);
}

TEST(W8A8Model, GreedyGenerationFromBos) {
  test::TempDir dir("w8a8_gen_");
  std::string calib, eval;
  split_sample(&calib, &eval);
  const std::string calib_path = dir.file("calib.txt");
  FILE* f = std::fopen(calib_path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(calib.data(), 1, calib.size(), f);
  std::fclose(f);
  toolkit::W8A8Options o;
  o.calib_path = calib_path;
  const std::string out = dir.file("w8a8.gguf");
  ASSERT_TRUE(toolkit::quantize_w8a8_file(model_path(), out, o).is_ok());
  auto model = Model::load(out);
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  auto session = Session::create(*model);
  ASSERT_TRUE(session.is_ok());
  GenerationParams gp;
  gp.temperature = 0;
  gp.max_tokens = 40;
  auto r = (*session)->generate({(*model)->info().bos_id}, gp);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->tokens.size(), 40u);
  // The F32 model's greedy story (../shared/README.md) begins like this; W8A8 keeps it.
  EXPECT_EQ(r->text.rfind("Once upon a time", 0), 0u) << r->text;
}

TEST(W8A8Model, QuantizeNeedsCalibrationAndFullPrecisionInput) {
  test::TempDir dir("w8a8_err_");
  toolkit::W8A8Options o;
  Status st = toolkit::quantize_w8a8_file(model_path(), dir.file("x.gguf"), o);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("--calib"), std::string::npos) << st.message();
  o.calib_path = test::shared_dir() + "/eval/tinystories/sample.txt";
  o.percentile = 0;
  st = toolkit::quantize_w8a8_file(model_path(), dir.file("x.gguf"), o);
  EXPECT_NE(st.message().find("percentile"), std::string::npos) << st.message();
  o.percentile = 100;
  ASSERT_TRUE(toolkit::quantize_w8a8_file(model_path(), dir.file("a.gguf"), o).is_ok());
  st = toolkit::quantize_w8a8_file(dir.file("a.gguf"), dir.file("b.gguf"), o);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("full-precision"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace slim
