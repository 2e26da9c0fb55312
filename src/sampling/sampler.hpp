// The sampling chain: logits of one position -> one token id.
//
// Order (llama.cpp's default chain): penalties -> top-k -> top-p -> min-p -> temperature ->
// softmax -> draw. The filters look at probabilities at temperature 1; the temperature only
// reshapes what survives. Randomness comes from CounterRng: draw k of a request uses the
// uniform number for (seed, k), and k advances by one per sample() call, so the same seed,
// prompt and parameters give the same tokens on any machine and thread count.
//
// Determinism: candidates are always ordered by (logit desc, id asc), a strict total order,
// so equal logits never depend on the sort implementation.
//
// Thread safety: a Sampler belongs to one generation stream (it holds the draw counter and
// scratch buffers); use one per session. Const members may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sampling/rng.hpp"
#include "sampling/stop_strings.hpp"
#include "slim/status.hpp"

namespace slim {

struct SamplingParams {
  // Divides the logits after filtering. <= 0 means greedy (argmax of the penalised logits,
  // lowest id on ties). Neutral: 1.0.
  float temperature = 0.8f;
  // Keep only the k highest logits. 0 disables (neutral); must be >= 0.
  int32_t top_k = 40;
  // Nucleus: keep the smallest set of most probable tokens whose probability sums to
  // >= top_p (at least one token). In [0, 1]; 1 disables (neutral).
  float top_p = 0.95f;
  // Drop tokens with p < min_p * p_max. In [0, 1]; 0 disables (neutral).
  float min_p = 0.05f;
  // CTRL-style repetition penalty over the last repeat_last_n tokens of the history:
  // positive logits are divided by it, negative ones multiplied. Finite and > 0;
  // 1 disables (neutral), > 1 discourages repeats.
  float repeat_penalty = 1.0f;
  // Window (in tokens, from the end of the history) for all three penalties.
  // 0 disables penalties (neutral), -1 means the whole history; must be >= -1.
  int32_t repeat_last_n = 64;
  // OpenAI-style: logit -= count * frequency_penalty + (count > 0) * presence_penalty, where
  // count is the token's occurrences in the penalty window. Finite; 0 is neutral.
  float frequency_penalty = 0.0f;
  float presence_penalty = 0.0f;
  // Key of the counter-based generator. Every value (0 included) is an ordinary seed; pick a
  // random one yourself if you want different output per run.
  uint64_t seed = 0;
  // Generation stops at the first occurrence of any of these (see StopStringMatcher).
  // Each must be non-empty; at most kMaxStopStrings of at most kMaxStopStringLength bytes.
  std::vector<std::string> stop;
};

// Ok, or kInvalidArgument naming the offending field and value.
Status validate(const SamplingParams& params);

// One surviving candidate of the chain and its final probability.
struct TokenProbability {
  int32_t id = 0;
  double probability = 0.0;
};

class Sampler {
 public:
  // Validates `params`; vocab_size must be > 0.
  static Result<Sampler> create(const SamplingParams& params, int32_t vocab_size);

  // Picks the next token. `logits` has vocab_size entries (NaN is treated as -inf; +inf
  // logits win outright and share the mass equally). `history` is every previous token
  // (prompt + generated); ids outside [0, vocab_size) are ignored. If every logit is -inf
  // (or `logits` is null) the result is the greedy choice, id 0. Advances the draw counter
  // by one on every call, greedy included.
  int32_t sample(const float* logits, const std::vector<int32_t>& history);

  // The distribution sample() would draw from now: the surviving candidates in draw order,
  // (penalised logit desc, id asc), so probabilities are non-increasing; they sum to 1
  // (entries may be 0 when a tiny temperature underflows). Greedy gives one token with
  // probability 1. Does not advance the draw counter.
  std::vector<TokenProbability> probabilities(const float* logits,
                                              const std::vector<int32_t>& history) const;

  // Back to draw 0, as for a fresh request with the same seed.
  void reset() { draw_ = 0; }

  // Number of sample() calls since creation or reset(): the index of the next draw.
  uint64_t draw_index() const { return draw_; }
  const SamplingParams& params() const { return params_; }
  int32_t vocab_size() const { return vocab_size_; }

 private:
  struct Candidate {
    float logit;
    int32_t id;
  };
  // The chain's order: logit desc, then id asc (a strict total order).
  static bool before(const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  }

  Sampler(const SamplingParams& params, int32_t vocab_size)
      : params_(params), vocab_size_(vocab_size), rng_(params.seed) {}

  // Penalised, sanitised logits of the whole vocabulary, in id order.
  void penalised(const float* logits, const std::vector<int32_t>& history,
                 std::vector<Candidate>& out, std::vector<int32_t>& window) const;
  // Greedy pick from penalised logits.
  static int32_t argmax(const std::vector<Candidate>& cands);
  // Runs the chain; on return `cands` holds the survivors in (logit desc, id asc) order and
  // `probs` their final probabilities. Returns false if nothing survives (all -inf).
  bool run_chain(std::vector<Candidate>& cands, std::vector<double>& probs) const;

  SamplingParams params_;
  int32_t vocab_size_;
  CounterRng rng_;
  uint64_t draw_ = 0;
  // Scratch reused by sample().
  std::vector<Candidate> cands_;
  std::vector<double> probs_;
  std::vector<int32_t> window_;
};

}  // namespace slim
