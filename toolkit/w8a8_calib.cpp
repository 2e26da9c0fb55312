#include "w8a8_calib.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/matmul.hpp"
#include "slim/session.hpp"

namespace slim::toolkit {

ActHistogram::ActHistogram() : bins_(kBins, 0) {}

namespace {

// Bin of |x| > 0: floor(log2|x| * kBinsPerOctave) shifted, clamped to the histogram.
int bin_of(float a) {
  if (!(a > 0.0f)) return 0;
  const double l = std::log2(static_cast<double>(a));
  const double b = std::floor((l - ActHistogram::kMinExp) * ActHistogram::kBinsPerOctave);
  if (b < 0) return 0;
  if (b >= ActHistogram::kBins) return ActHistogram::kBins - 1;
  return static_cast<int>(b);
}

// Upper edge of bin b.
float upper_edge(int b) {
  return static_cast<float>(
      std::exp2(ActHistogram::kMinExp + static_cast<double>(b + 1) / ActHistogram::kBinsPerOctave));
}

}  // namespace

void ActHistogram::add(float x) {
  const float a = std::fabs(x);
  if (std::isnan(a)) return;
  ++count_;
  absmax_ = std::max(absmax_, a);
  ++bins_[static_cast<size_t>(bin_of(a))];
}

float ActHistogram::percentile(double p) const {
  if (p >= 100.0 || count_ == 0) return absmax_;
  const double want = p / 100.0 * static_cast<double>(count_);
  uint64_t cum = 0;
  for (int b = 0; b < kBins; ++b) {
    cum += bins_[static_cast<size_t>(b)];
    if (static_cast<double>(cum) >= want) return std::min(upper_edge(b), absmax_);
  }
  return absmax_;
}

uint64_t ActHistogram::count_above(float c) const {
  // Whole bins above c's bin, plus c's own bin counted as not above (an undercount of at most
  // one bin; only used for the saturation report).
  uint64_t n = 0;
  for (int b = bin_of(c) + 1; b < kBins; ++b) n += bins_[static_cast<size_t>(b)];
  return n;
}

namespace {

class Recorder : public kernels::MatmulObserver {
 public:
  explicit Recorder(W8A8Calibration* out) : out_(out) {}
  void observe(const kernels::MatrixView& w, const float* x, size_t n_tok) override {
    ActHistogram& h = out_->inputs[std::string(w.name)];
    const size_t n = n_tok * static_cast<size_t>(w.cols);
    for (size_t i = 0; i < n; ++i) h.add(x[i]);
  }

 private:
  W8A8Calibration* out_;
};

}  // namespace

Result<W8A8Calibration> calibrate_w8a8(const std::shared_ptr<const Model>& model,
                                       const std::vector<int32_t>& tokens,
                                       const W8A8CalibOptions& options) {
  for (const TensorSummary& t : model->tensors()) {
    if (t.shape.size() == 2 && t.type != "F32" && t.type != "F16" && t.type != "BF16") {
      return invalid_argument("w8a8 calibration: tensor '" + t.name + "' is " + t.type +
                              "; calibrate on the full-precision (F32/F16/BF16) model");
    }
  }
  const ModelInfo& info = model->info();
  const int32_t n_ctx = std::min(options.n_ctx, info.n_ctx_train);
  if (n_ctx < 2) return invalid_argument("w8a8 calibration: context must be at least 2 tokens");
  size_t n = tokens.size();
  if (options.max_tokens != 0) n = std::min(n, options.max_tokens);
  if (n == 0) return invalid_argument("w8a8 calibration: no calibration tokens");
  for (size_t i = 0; i < n; ++i) {
    if (tokens[i] < 0 || tokens[i] >= info.n_vocab)
      return invalid_argument("w8a8 calibration: token id " + std::to_string(tokens[i]) +
                              " out of range");
  }
  SessionParams sp;
  sp.n_ctx = n_ctx;
  sp.n_threads = std::max(1, options.n_threads);
  sp.n_batch = 64;
  SLIM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::create(model, sp));
  W8A8Calibration cal;
  Recorder rec(&cal);
  session->set_matmul_observer(&rec);
  for (size_t start = 0; start < n; start += static_cast<size_t>(n_ctx)) {
    const size_t len = std::min(n - start, static_cast<size_t>(n_ctx));
    session->reset();
    SLIM_TRY(session->eval(
        std::vector<int32_t>(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                             tokens.begin() + static_cast<std::ptrdiff_t>(start + len))));
    cal.n_tokens += len;
  }
  return cal;
}

}  // namespace slim::toolkit
