// libslim C++ API: sessions and generation.
//
// A Session owns one sequence's KV cache, scratch and worker threads. It is not
// thread-safe: use one Session per thread (they may share one Model).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim {

namespace kernels {
class MatmulObserver;  // src/kernels/matmul.hpp (calibration tools: imatrix, activation ranges)
}

struct SessionParams {
  int32_t n_ctx = 0;      // context window in tokens; 0 = min(model's training context, 4096)
  int32_t n_threads = 0;  // 0 = all cores
  int32_t n_batch = 64;   // prompt tokens processed per forward step
};

struct GenerationParams {
  int32_t max_tokens = 128;  // stop after this many generated tokens (-1 = until context is full)
  float temperature = 0.8f;  // <= 0: greedy
  int32_t top_k = 40;        // <= 0: off
  float top_p = 0.95f;       // 1: off
  float min_p = 0.05f;       // 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int32_t repeat_last_n = 64;
  float frequency_penalty = 0.0f;
  float presence_penalty = 0.0f;
  uint64_t seed = 0;              // same seed + prompt + params => same tokens
  std::vector<std::string> stop;  // stop strings (not included in the output)
  bool stop_at_eos = true;
};

enum class StopReason { kMaxTokens, kEndOfGeneration, kStopString, kContextFull, kCancelled };
const char* stop_reason_name(StopReason r);

struct GenerationTimings {
  double prompt_ms = 0;
  double generation_ms = 0;
  int32_t prompt_tokens = 0;
  int32_t generated_tokens = 0;
  double prompt_tokens_per_s() const {
    return prompt_ms > 0 ? prompt_tokens * 1000.0 / prompt_ms : 0;
  }
  double generation_tokens_per_s() const {
    return generation_ms > 0 ? generated_tokens * 1000.0 / generation_ms : 0;
  }
};

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated ids (excluding the prompt)
  std::string text;             // their decoded text (stop string removed)
  StopReason stop_reason = StopReason::kMaxTokens;
  GenerationTimings timings;
};

// Receives text as it becomes complete UTF-8 (and the id that completed it).
// Return false to stop generation.
using TokenCallback = std::function<bool(int32_t id, const std::string& text)>;

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model,
                                                 const SessionParams& params = {});
  ~Session();

  // Appends tokens to the context (prompt processing or feeding back a sample) and
  // computes the logits of the last one. kContextFull if they do not fit.
  Status eval(const std::vector<int32_t>& tokens);
  // Logits of the last evaluated token (n_vocab floats); null before the first eval.
  const float* logits() const;
  int32_t n_vocab() const;
  int32_t n_past() const;
  int32_t n_ctx() const;
  int32_t n_threads() const;
  // Every token currently in the context, in order.
  const std::vector<int32_t>& context_tokens() const;
  const Model& model() const;
  // Forget the context (the KV cache is reused).
  void reset();
  // Keep only the first n_keep tokens of the context (0 <= n_keep <= n_past), e.g. to reuse
  // the common prefix of a re-rendered chat; the next eval continues at position n_keep.
  Status truncate(int32_t n_keep);

  // Per-operation wall time of the forward passes since profiling was enabled (or last
  // cleared): (operation name, seconds) pairs, plus the number of forward calls.
  void set_profiling(bool enabled);
  std::vector<std::pair<std::string, double>> op_seconds() const;
  int64_t profiled_forward_calls() const;

  // Shows the input of every weight-matrix product of later forward passes to `observer`
  // (not owned; nullptr to stop). For calibration tools (slim imatrix); called on the thread
  // that runs eval.
  void set_matmul_observer(kernels::MatmulObserver* observer);

  // Evaluates `prompt` (after what is already in the context) and samples up to
  // params.max_tokens tokens, streaming text to on_text.
  Result<GenerationResult> generate(const std::vector<int32_t>& prompt,
                                    const GenerationParams& params,
                                    const TokenCallback& on_text = nullptr);

  class Impl;

  // Appends one token to each session in a single pass over the weights (micro-batching).
  // All sessions must share one Model and be distinct; the first one's threads and scratch
  // are used. Each session's logits are bit-identical to what eval({token}) alone gives.
  friend Status eval_batch(const std::vector<Session*>& sessions,
                           const std::vector<int32_t>& tokens);

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

Status eval_batch(const std::vector<Session*>& sessions, const std::vector<int32_t>& tokens);

}  // namespace slim
