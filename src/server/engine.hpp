// The engine loop: one thread owns every Session and runs generation for all admitted
// requests with continuous micro-batching.
//
// Each step, the tokens that the active requests sampled are evaluated together by one
// eval_batch (one pass over the weights), then every request samples its next token from its
// own logits with its own GenerationState (parameters, seed, stop strings). eval_batch
// is bit-identical to evaluating each alone, and sampling depends only on a request's own
// logits, seed and history, so a request's tokens do not depend on what else is running.
//
// New requests join at step boundaries: their prompt is evaluated (prefill) and their first
// token sampled at once, then they decode with the others from the next step. When the engine is
// idle, the first arrival waits up to batch_window_ms for companions so that a burst starts as one
// batch.
//
// Admission control: each request reserves the KV cache of its context (prompt + max_tokens,
// capped at n_ctx) for its lifetime; a request that does not fit the budget now is refused
// with 429 + Retry-After, one that can never fit with 400. The queue is bounded too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/api_error.hpp"
#include "server/metrics.hpp"
#include "server/task.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim::server {

struct EngineOptions {
  int32_t parallel = 4;          // requests decoded together (1..64)
  int32_t batch_window_ms = 5;   // idle engine: wait this long for companions (0..1000)
  int32_t n_ctx = 0;             // per-request context; 0 = model's training context, <= 4096
  int32_t n_threads = 0;         // 0 = all cores
  uint64_t kv_budget_bytes = 0;  // 0 = `parallel` full contexts
  int32_t max_queue = 64;        // admitted requests waiting for a slot
};

struct EngineRequest {
  std::vector<int32_t> prompt;  // non-empty, < n_ctx tokens
  GenerationParams params;      // max_tokens -1 = until the context is full
  std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
};

struct Admission {
  std::shared_ptr<Task> task;     // set when admitted
  std::optional<ApiError> error;  // 400 (never fits), 429 (busy), 503 (stopping)
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> create(std::shared_ptr<const Model> model,
                                                const EngineOptions& options, Metrics* metrics);
  ~Engine();  // stops the loop; requests still running end with stop reason kCancelled
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Thread-safe. Validates the generation parameters, reserves KV and queues the request.
  Admission submit(EngineRequest request);

  const Model& model() const { return *model_; }
  int32_t n_ctx() const { return n_ctx_; }
  uint64_t kv_bytes_per_token() const { return kv_per_token_; }
  uint64_t kv_budget_bytes() const { return budget_; }

 private:
  struct Pending;
  struct Active;
  Engine(std::shared_ptr<const Model> model, const EngineOptions& options, Metrics* metrics);
  void loop();
  // Creates the session, evaluates the prompt and samples the first token; false if the
  // request already ended.
  bool start(Pending& p, Active* out);
  // Samples a's next token from its current logits, emitting text or finishing it.
  void sample(Active& a);
  // One decode step: evaluates every active request's sampled token in one eval_batch, then
  // samples the next ones.
  void step_all();
  void finish(Active& a, const std::string& text, const std::string& error);
  void release(uint64_t bytes);

  std::shared_ptr<const Model> model_;
  EngineOptions opt_;
  Metrics* metrics_;
  int32_t n_ctx_ = 0;
  uint64_t kv_per_token_ = 0;
  uint64_t budget_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Pending>> queue_;   // guarded by mu_
  uint64_t reserved_ = 0;                        // guarded by mu_: queued + active
  bool stop_ = false;                            // guarded by mu_
  std::vector<std::unique_ptr<Active>> active_;  // engine thread only
  std::thread thread_;
};

}  // namespace slim::server
