// Engine loop: admission, prefill, lock-step sampling and one eval_batch per decode step.
#include "server/engine.hpp"

#include <algorithm>
#include <exception>
#include <string>

#include "runtime/generation_state.hpp"

namespace slim::server {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int32_t kDefaultMaxCtx = 4096;
constexpr int32_t kMaxParallel = 64;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

ApiError busy(std::string message) {
  ApiError e;
  e.http_status = 429;
  e.type = "rate_limit_exceeded";
  e.code = "rate_limit_exceeded";
  e.message = std::move(message);
  e.retry_after_s = 1;
  return e;
}

}  // namespace

struct Engine::Pending {
  std::shared_ptr<Task> task;
  EngineRequest request;
  int32_t n_ctx = 0;      // context of its session
  uint64_t reserved = 0;  // KV bytes reserved
};

struct Engine::Active {
  std::shared_ptr<Task> task;
  std::unique_ptr<Session> session;
  std::unique_ptr<GenerationState> gen;
  Clock::time_point arrival;
  uint64_t reserved = 0;
  int32_t prompt_tokens = 0;
  bool first_token_seen = false;
  bool finished = false;
  int32_t next = -1;  // sampled token still to evaluate (the next decode step's input)
};

Engine::Engine(std::shared_ptr<const Model> model, const EngineOptions& options, Metrics* metrics)
    : model_(std::move(model)), opt_(options), metrics_(metrics) {}

Result<std::unique_ptr<Engine>> Engine::create(std::shared_ptr<const Model> model,
                                               const EngineOptions& options, Metrics* metrics) {
  if (!model) return invalid_argument("engine: null model");
  if (options.parallel < 1 || options.parallel > kMaxParallel) {
    return invalid_argument("--parallel must be in 1.." + std::to_string(kMaxParallel));
  }
  if (options.batch_window_ms < 0 || options.batch_window_ms > 1000) {
    return invalid_argument("--batch-window-ms must be in 0..1000");
  }
  if (options.n_ctx < 0) return invalid_argument("--ctx must be >= 0");
  if (options.max_queue < 1) return invalid_argument("--max-queue must be >= 1");
  const ModelInfo& info = model->info();
  std::unique_ptr<Engine> e(new Engine(model, options, metrics));
  e->n_ctx_ = options.n_ctx > 0 ? options.n_ctx : std::min(info.n_ctx_train, kDefaultMaxCtx);
  if (e->n_ctx_ <= 0) return invalid_argument("the model declares no context length: pass --ctx");
  if (e->n_ctx_ < options.parallel) {
    return invalid_argument("--ctx must be at least --parallel (" +
                            std::to_string(options.parallel) + ")");
  }
  // K and V, F32, per layer: [n_ctx][kv_dim] each (runtime/session.cpp, llama_make_state).
  const uint64_t head_dim = info.n_head > 0 ? static_cast<uint64_t>(info.n_embd / info.n_head) : 0;
  e->kv_per_token_ = 2 * static_cast<uint64_t>(info.n_layer) * head_dim *
                     static_cast<uint64_t>(info.n_head_kv) * sizeof(float);
  const uint64_t full = e->kv_per_token_ * static_cast<uint64_t>(e->n_ctx_);
  e->budget_ = options.kv_budget_bytes > 0 ? options.kv_budget_bytes
                                           : full * static_cast<uint64_t>(options.parallel);
  if (metrics != nullptr) metrics->set_kv(0, e->budget_);
  try {
    e->thread_ = std::thread([p = e.get()] { p->loop(); });
  } catch (const std::exception& ex) {
    return internal_error(std::string("engine: cannot start its thread: ") + ex.what());
  }
  return e;
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Admission Engine::submit(EngineRequest request) {
  Admission out;
  const auto n_prompt = static_cast<int64_t>(request.prompt.size());
  if (n_prompt == 0) {
    out.error = bad_request("the prompt is empty", "prompt");
    return out;
  }
  if (n_prompt >= n_ctx_) {
    ApiError e = bad_request("the prompt is " + std::to_string(n_prompt) +
                                 " tokens; this server's context is " + std::to_string(n_ctx_) +
                                 " tokens (--ctx), leaving no room to generate",
                             "prompt");
    e.code = "context_length_exceeded";
    out.error = std::move(e);
    return out;
  }
  // Validate the sampling parameters now, so the client gets a 400 rather than a failed stream.
  if (auto st = GenerationState::create(*model_, request.params); !st.is_ok()) {
    out.error = bad_request(st.status().message());
    return out;
  }
  const int64_t gen = request.params.max_tokens < 0 ? n_ctx_ : request.params.max_tokens;
  const auto n_ctx = static_cast<int32_t>(
      std::clamp<int64_t>(n_prompt + gen, static_cast<int64_t>(opt_.parallel), n_ctx_));
  auto p = std::make_unique<Pending>();
  p->n_ctx = n_ctx;
  p->reserved = kv_per_token_ * static_cast<uint64_t>(n_ctx);
  if (p->reserved > budget_) {
    out.error = bad_request("the request needs " + std::to_string(p->reserved >> 10) +
                                " KiB of KV cache (" + std::to_string(n_ctx) +
                                " tokens) but the budget is " + std::to_string(budget_ >> 10) +
                                " KiB (--kv-budget-mb): lower max_tokens or shorten the prompt",
                            "max_tokens");
    return out;
  }
  p->task = std::make_shared<Task>();
  p->request = std::move(request);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) {
      ApiError e = busy("the server is shutting down");
      e.http_status = 503;
      e.type = "server_error";
      e.code.clear();
      out.error = std::move(e);
      return out;
    }
    if (static_cast<int64_t>(queue_.size()) >= opt_.max_queue) {
      out.error = busy("too many requests are waiting (" + std::to_string(queue_.size()) +
                       "); retry later");
      return out;
    }
    if (reserved_ + p->reserved > budget_) {
      out.error = busy("the KV cache budget is in use by other requests; retry later");
      return out;
    }
    reserved_ += p->reserved;
    out.task = p->task;
    queue_.push_back(std::move(p));
    if (metrics_ != nullptr) {
      metrics_->set_kv(reserved_, budget_);
      metrics_->set_queue(static_cast<int>(queue_.size()), static_cast<int>(active_.size()));
    }
  }
  cv_.notify_all();
  return out;
}

void Engine::release(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  reserved_ -= std::min(bytes, reserved_);
  if (metrics_ != nullptr) metrics_->set_kv(reserved_, budget_);
}

bool Engine::start(Pending& p, Active* a) {
  a->task = p.task;
  a->arrival = p.request.arrival;
  a->reserved = p.reserved;
  a->prompt_tokens = static_cast<int32_t>(p.request.prompt.size());
  if (p.task->cancelled()) {
    finish(*a, "", "");
    return false;
  }
  SessionParams sp;
  sp.n_ctx = p.n_ctx;
  sp.n_threads = opt_.n_threads;
  auto session = Session::create(model_, sp);
  if (!session.is_ok()) {
    finish(*a, "", session.status().to_string());
    return false;
  }
  a->session = std::move(session).value();
  auto gen = GenerationState::create(*model_, p.request.params);
  if (!gen.is_ok()) {
    finish(*a, "", gen.status().to_string());
    return false;
  }
  a->gen = std::move(gen).value();
  if (Status st = a->session->eval(p.request.prompt); !st.is_ok()) {
    finish(*a, "", st.to_string());
    return false;
  }
  a->gen->prime(a->session->context_tokens());
  // The first token comes from the prompt's logits: sample it now, so this request's first
  // token does not wait for the prefill of requests admitted after it.
  sample(*a);
  return !a->finished;
}

void Engine::finish(Active& a, const std::string& text, const std::string& error) {
  if (a.finished) return;
  a.finished = true;
  TaskEvent e;
  e.text = text;
  e.done = true;
  e.reason = a.gen ? a.gen->stop_reason() : StopReason::kCancelled;
  e.prompt_tokens = a.prompt_tokens;
  e.completion_tokens = a.gen ? static_cast<int32_t>(a.gen->tokens().size()) : 0;
  e.error = error;
  if (metrics_ != nullptr) metrics_->tokens(a.session ? a.prompt_tokens : 0, e.completion_tokens);
  a.task->push(std::move(e));
  a.session.reset();  // frees the KV cache before the reservation is released
  release(a.reserved);
}

void Engine::sample(Active& a) {
  a.next = -1;
  if (a.task->cancelled()) {
    finish(a, a.gen->cancel(), "");
    return;
  }
  const bool room = a.session->n_past() < a.session->n_ctx();
  GenerationStep st = a.gen->step(a.session->logits(), a.session->context_tokens(), room);
  if (!a.first_token_seen && st.token >= 0) {
    a.first_token_seen = true;
    if (metrics_ != nullptr) metrics_->first_token(seconds_since(a.arrival));
  }
  if (st.done) {
    finish(a, st.text, "");
    return;
  }
  if (!st.text.empty()) {
    TaskEvent e;
    e.text = std::move(st.text);
    a.task->push(std::move(e));
  }
  a.next = st.token;
}

void Engine::step_all() {
  std::vector<Session*> sessions;
  std::vector<int32_t> tokens;
  std::vector<Active*> batch;
  for (auto& ap : active_) {
    Active& a = *ap;
    if (a.finished) continue;
    if (a.task->cancelled()) {
      finish(a, a.gen->cancel(), "");
      continue;
    }
    sessions.push_back(a.session.get());
    tokens.push_back(a.next);
    batch.push_back(&a);
  }
  if (!sessions.empty()) {
    // The first session lends its threads and scratch: pick the one with the largest context
    // (its scratch holds min(64, n_ctx) >= parallel tokens). Order does not change results.
    size_t lead = 0;
    for (size_t i = 1; i < sessions.size(); ++i) {
      if (sessions[i]->n_ctx() > sessions[lead]->n_ctx()) lead = i;
    }
    std::swap(sessions[0], sessions[lead]);
    std::swap(tokens[0], tokens[lead]);
    std::swap(batch[0], batch[lead]);
    Status st =
        sessions.size() == 1 ? sessions[0]->eval({tokens[0]}) : eval_batch(sessions, tokens);
    if (metrics_ != nullptr) metrics_->batch(static_cast<int>(sessions.size()));
    if (!st.is_ok()) {
      for (Active* a : batch) finish(*a, a->gen->cancel(), st.to_string());
    } else {
      for (Active* a : batch) sample(*a);
    }
  }
  active_.erase(std::remove_if(active_.begin(), active_.end(),
                               [](const std::unique_ptr<Active>& a) { return a->finished; }),
                active_.end());
  if (metrics_ != nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    metrics_->set_queue(static_cast<int>(queue_.size()), static_cast<int>(active_.size()));
  }
}

void Engine::loop() {
  for (;;) {
    std::vector<std::unique_ptr<Pending>> admitted;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty() || !active_.empty(); });
      if (stop_) break;
      if (active_.empty() && opt_.batch_window_ms > 0 &&
          static_cast<int32_t>(queue_.size()) < opt_.parallel) {
        // Idle: give a burst the chance to start as one batch.
        const auto until =
            queue_.front()->request.arrival + std::chrono::milliseconds(opt_.batch_window_ms);
        cv_.wait_until(lock, until, [&] {
          return stop_ || static_cast<int32_t>(queue_.size()) >= opt_.parallel;
        });
        if (stop_) break;
      }
      while (!queue_.empty() &&
             static_cast<int32_t>(active_.size() + admitted.size()) < opt_.parallel) {
        admitted.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (auto& p : admitted) {
      auto a = std::make_unique<Active>();
      if (start(*p, a.get())) active_.push_back(std::move(a));
    }
    if (metrics_ != nullptr) {
      std::lock_guard<std::mutex> lock(mu_);
      metrics_->set_queue(static_cast<int>(queue_.size()), static_cast<int>(active_.size()));
    }
    step_all();
  }
  // Shutting down: end everything still running or queued.
  for (auto& a : active_) finish(*a, a->gen->cancel(), "");
  active_.clear();
  std::deque<std::unique_ptr<Pending>> rest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rest.swap(queue_);
  }
  for (auto& p : rest) {
    Active a;
    a.task = p->task;
    a.reserved = p->reserved;
    finish(a, "", "");
  }
}

}  // namespace slim::server
