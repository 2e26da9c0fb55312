#include "sampling/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace slim {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

std::string field_error(const char* field, double value, const char* requirement) {
  std::string v = std::isnan(value) ? std::string("nan") : std::to_string(value);
  return std::string("sampling params: ") + field + " = " + v + " " + requirement;
}

}  // namespace

Status validate(const SamplingParams& p) {
  if (std::isnan(p.temperature) || std::isinf(p.temperature)) {
    return invalid_argument(
        field_error("temperature", p.temperature, "must be finite (<= 0 means greedy)"));
  }
  if (p.top_k < 0) {
    return invalid_argument("sampling params: top_k = " + std::to_string(p.top_k) +
                            " must be >= 0 (0 disables)");
  }
  if (!(p.top_p >= 0.0f && p.top_p <= 1.0f)) {  // also rejects NaN
    return invalid_argument(field_error("top_p", p.top_p, "must be in [0, 1] (1 disables)"));
  }
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    return invalid_argument(field_error("min_p", p.min_p, "must be in [0, 1] (0 disables)"));
  }
  if (!(p.repeat_penalty > 0.0f) || std::isinf(p.repeat_penalty)) {
    return invalid_argument(
        field_error("repeat_penalty", p.repeat_penalty, "must be finite and > 0 (1 disables)"));
  }
  if (p.repeat_last_n < -1) {
    return invalid_argument("sampling params: repeat_last_n = " + std::to_string(p.repeat_last_n) +
                            " must be >= -1 (0 disables penalties, -1 = whole history)");
  }
  if (!std::isfinite(p.frequency_penalty)) {
    return invalid_argument(
        field_error("frequency_penalty", p.frequency_penalty, "must be finite (0 disables)"));
  }
  if (!std::isfinite(p.presence_penalty)) {
    return invalid_argument(
        field_error("presence_penalty", p.presence_penalty, "must be finite (0 disables)"));
  }
  if (p.stop.size() > kMaxStopStrings) {
    return invalid_argument("sampling params: " + std::to_string(p.stop.size()) +
                            " stop strings, at most " + std::to_string(kMaxStopStrings) +
                            " allowed");
  }
  for (size_t i = 0; i < p.stop.size(); ++i) {
    if (p.stop[i].empty()) {
      return invalid_argument("sampling params: stop[" + std::to_string(i) + "] is empty");
    }
    if (p.stop[i].size() > kMaxStopStringLength) {
      return invalid_argument("sampling params: stop[" + std::to_string(i) + "] is " +
                              std::to_string(p.stop[i].size()) + " bytes, at most " +
                              std::to_string(kMaxStopStringLength) + " allowed");
    }
  }
  return Status::ok();
}

Result<Sampler> Sampler::create(const SamplingParams& params, int32_t vocab_size) {
  SLIM_TRY(validate(params));
  if (vocab_size <= 0) {
    return invalid_argument("sampler: vocab_size = " + std::to_string(vocab_size) + " must be > 0");
  }
  return Sampler(params, vocab_size);
}

void Sampler::penalised(const float* logits, const std::vector<int32_t>& history,
                        std::vector<Candidate>& out, std::vector<int32_t>& window) const {
  const auto n = static_cast<size_t>(vocab_size_);
  out.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const float l = logits == nullptr ? kNegInf : logits[i];
    out[i] = {std::isnan(l) ? kNegInf : l, static_cast<int32_t>(i)};
  }

  const SamplingParams& p = params_;
  const bool any_penalty =
      p.repeat_penalty != 1.0f || p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f;
  if (!any_penalty || p.repeat_last_n == 0 || history.empty()) return;

  // The window: the last repeat_last_n tokens (all for -1), valid ids only, counted by
  // sorting a copy (deterministic, O(w log w) for a window of w tokens).
  size_t begin = 0;
  if (p.repeat_last_n > 0 && history.size() > static_cast<size_t>(p.repeat_last_n)) {
    begin = history.size() - static_cast<size_t>(p.repeat_last_n);
  }
  window.clear();
  for (size_t i = begin; i < history.size(); ++i) {
    if (history[i] >= 0 && history[i] < vocab_size_) window.push_back(history[i]);
  }
  std::sort(window.begin(), window.end());

  for (size_t i = 0; i < window.size();) {
    size_t j = i;
    while (j < window.size() && window[j] == window[i]) ++j;
    const auto count = static_cast<float>(j - i);
    float& l = out[static_cast<size_t>(window[i])].logit;
    if (p.repeat_penalty != 1.0f) l = l <= 0.0f ? l * p.repeat_penalty : l / p.repeat_penalty;
    // Separate statements so no compiler fuses these into an FMA (bit-identical everywhere).
    const float freq = count * p.frequency_penalty;
    const float penalty = freq + p.presence_penalty;
    l -= penalty;
    if (std::isnan(l)) l = kNegInf;  // -inf - (-inf) with a huge negative penalty
    i = j;
  }
}

int32_t Sampler::argmax(const std::vector<Candidate>& cands) {
  int32_t best = 0;
  float best_logit = kNegInf;
  for (const Candidate& c : cands) {
    if (c.logit > best_logit) {  // strict: the lowest id wins ties
      best_logit = c.logit;
      best = c.id;
    }
  }
  return best;
}

bool Sampler::run_chain(std::vector<Candidate>& cands, std::vector<double>& probs) const {
  const SamplingParams& p = params_;

  // -inf can never be drawn: drop it. If some logits are +inf they take all the mass, shared
  // equally (the limit of the softmax); make them finite so the arithmetic below stays exact.
  std::erase_if(cands, [](const Candidate& c) { return c.logit == kNegInf; });
  if (cands.empty()) return false;
  if (std::any_of(cands.begin(), cands.end(),
                  [](const Candidate& c) { return std::isinf(c.logit); })) {
    std::erase_if(cands, [](const Candidate& c) { return !std::isinf(c.logit); });
    for (Candidate& c : cands) c.logit = 0.0f;
  }

  // Top-k: O(n + k log k) selection instead of sorting the whole vocabulary.
  bool sorted = false;
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < cands.size()) {
    const auto k = static_cast<ptrdiff_t>(p.top_k);
    std::nth_element(cands.begin(), cands.begin() + (k - 1), cands.end(), before);
    cands.resize(static_cast<size_t>(k));
    std::sort(cands.begin(), cands.end(), before);
    sorted = true;
  }

  // Probabilities at temperature 1 over the top-k set: p_i = e_i / z, e_i = exp(l_i - l_max).
  float lmax = kNegInf;
  for (const Candidate& c : cands) lmax = std::max(lmax, c.logit);
  double z = 0.0;
  for (const Candidate& c : cands) z += std::exp(static_cast<double>(c.logit) - lmax);

  // Min-p before top-p is exact and saves sorting the vocabulary: p_i / p_max = e_i does not
  // depend on normalisation, so top-p's renormalisation does not change min-p's verdict, and
  // both keep a prefix of the sorted order, so the result is the shorter prefix. Top-p below
  // still uses z of the whole top-k set, so its cut is the one the published order gives.
  if (p.min_p > 0.0f) {
    const double min_p = p.min_p;
    std::erase_if(cands, [&](const Candidate& c) {
      return std::exp(static_cast<double>(c.logit) - lmax) < min_p;
    });
  }
  if (!sorted) std::sort(cands.begin(), cands.end(), before);

  if (p.top_p < 1.0f) {
    const double top_p = p.top_p;
    double cum = 0.0;
    for (size_t i = 0; i < cands.size(); ++i) {
      cum += std::exp(static_cast<double>(cands[i].logit) - lmax) / z;
      if (cum >= top_p) {
        cands.resize(i + 1);
        break;
      }
    }
  }

  // Temperature and the final softmax. cands[0] holds l_max (it survives every filter), so its
  // weight is exactly 1 and the sum is >= 1; differences only underflow towards 0.
  const double t = p.temperature;
  probs.resize(cands.size());
  double sum = 0.0;
  for (size_t i = 0; i < cands.size(); ++i) {
    probs[i] = std::exp((static_cast<double>(cands[i].logit) - lmax) / t);
    sum += probs[i];
  }
  for (double& q : probs) q /= sum;
  return true;
}

int32_t Sampler::sample(const float* logits, const std::vector<int32_t>& history) {
  const uint64_t draw = draw_++;
  penalised(logits, history, cands_, window_);
  if (params_.temperature <= 0.0f) return argmax(cands_);
  if (!run_chain(cands_, probs_)) return 0;

  // Inverse CDF in (logit desc, id asc) order: the first candidate whose cumulative
  // probability exceeds u. Zero-probability candidates are never chosen.
  const double u = rng_.uniform(draw);
  double cum = 0.0;
  size_t pick = 0;
  for (size_t i = 0; i < probs_.size(); ++i) {
    if (probs_[i] <= 0.0) continue;
    pick = i;
    cum += probs_[i];
    if (u < cum) break;
  }
  return cands_[pick].id;
}

std::vector<TokenProbability> Sampler::probabilities(const float* logits,
                                                     const std::vector<int32_t>& history) const {
  std::vector<Candidate> cands;
  std::vector<int32_t> window;
  penalised(logits, history, cands, window);
  if (params_.temperature <= 0.0f) return {{argmax(cands), 1.0}};
  std::vector<double> probs;
  if (!run_chain(cands, probs)) return {{0, 1.0}};
  std::vector<TokenProbability> out(cands.size());
  for (size_t i = 0; i < cands.size(); ++i) out[i] = {cands[i].id, probs[i]};
  return out;
}

}  // namespace slim
