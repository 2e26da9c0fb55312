// Calibration for SlimLLM's W8A8 type (ADR 0004): runs a full-precision model over calibration
// tokens with a MatmulObserver and records, per weight matrix, the distribution of |x| of the
// activations that enter it. The static activation scale of a matrix is then
// s_x = clip / 127, clip = the chosen percentile of |x| (100 = the absolute maximum).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

// |x| statistics of one matrix's inputs: the maximum and a log-spaced histogram (64 bins per
// octave, 2^-24 .. 2^24; relative resolution about 1.1 %) for percentiles.
class ActHistogram {
 public:
  static constexpr int kBinsPerOctave = 64;
  static constexpr int kMinExp = -24, kMaxExp = 24;
  static constexpr int kBins = (kMaxExp - kMinExp) * kBinsPerOctave;

  ActHistogram();
  void add(float x);
  uint64_t count() const { return count_; }
  float absmax() const { return absmax_; }
  // The smallest bin edge c with at least p % of the values at or below c (an upper bound of the
  // exact percentile, never above absmax()). p >= 100 (or no values) gives absmax().
  float percentile(double p) const;
  // Values with |x| > c.
  uint64_t count_above(float c) const;

 private:
  std::vector<uint64_t> bins_;  // bin 0 also holds |x| below 2^kMinExp (and zeros)
  uint64_t count_ = 0;
  float absmax_ = 0.0f;
};

struct W8A8CalibOptions {
  int32_t n_ctx = 256;  // tokens per window (each window starts with BOS if the model wants)
  int n_threads = 1;
  size_t max_tokens = 0;  // 0 = all calibration tokens
};

struct W8A8Calibration {
  std::map<std::string, ActHistogram> inputs;  // by weight-matrix name
  size_t n_tokens = 0;                         // tokens run through the model
};

// Runs `tokens` (split into windows of n_ctx) through `model` and records every matrix product's
// input. The model should be the full-precision one (F32/F16/BF16) the W8A8 file is made from.
Result<W8A8Calibration> calibrate_w8a8(const std::shared_ptr<const Model>& model,
                                       const std::vector<int32_t>& tokens,
                                       const W8A8CalibOptions& options);

}  // namespace slim::toolkit
