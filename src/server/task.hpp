// A request in flight, shared by the HTTP thread that waits for it and the engine loop that
// generates it. The engine pushes events (text pieces, then one final event); the client side
// drains them and may cancel at any time (the engine notices at its next step boundary).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "slim/session.hpp"

namespace slim::server {

struct TaskEvent {
  std::string text;  // newly final text (may be empty)
  bool done = false;
  // Set on the final event:
  StopReason reason = StopReason::kMaxTokens;
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
  std::string error;  // non-empty: generation failed (an internal error, reported as 500)
};

class Task {
 public:
  // Client side: waits up to `timeout` for events and appends them to `out` (true if any).
  bool wait(std::vector<TaskEvent>* out, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty(); });
    if (events_.empty()) return false;
    for (TaskEvent& e : events_) out->push_back(std::move(e));
    events_.clear();
    return true;
  }
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  // Engine side.
  void push(TaskEvent e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<TaskEvent> events_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace slim::server
