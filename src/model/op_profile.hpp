// Optional per-operation wall-time accounting of the forward pass (for `slim bench
// --profile`): where decode time goes. Off unless a Session enables it; one clock read per op.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace slim {

enum class Op : int {
  kEmbed,
  kNorm,
  kQkv,         // q, k, v projections (+ biases)
  kRope,        // RoPE and KV-cache store
  kAttention,   // scores, softmax, weighted values
  kOutProj,     // attention output projection + residual
  kGateUp,      // FFN gate and up projections
  kActivation,  // SwiGLU
  kDown,        // FFN down projection + residual
  kHead,        // final norm + output head
  kCount,
};

const char* op_name(Op op);

struct OpProfile {
  std::array<double, static_cast<int>(Op::kCount)> seconds{};
  int64_t forward_calls = 0;
  void reset() { *this = OpProfile{}; }
};

// Accumulates the time since the last mark into the given op (no-op when profile is null).
class OpTimer {
 public:
  explicit OpTimer(OpProfile* p)
      : p_(p), t_(p ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{}) {}
  void mark(Op op) {
    if (p_ == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    p_->seconds[static_cast<int>(op)] += std::chrono::duration<double>(now - t_).count();
    t_ = now;
  }

 private:
  OpProfile* p_;
  std::chrono::steady_clock::time_point t_;
};

}  // namespace slim
