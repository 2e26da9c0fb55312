// Session: one sequence's KV cache, scratch and thread pool over a shared Model.
#include "slim/session.hpp"

#include <algorithm>

#include "core/thread_pool.hpp"
#include "runtime/model_impl.hpp"

namespace slim {

namespace {
constexpr int32_t kDefaultMaxCtx = 4096;
}

class Session::Impl {
 public:
  std::shared_ptr<const Model> model;
  const Model::Impl* m = nullptr;
  std::unique_ptr<ThreadPool> pool;
  DecoderState state;
  int32_t n_batch = 64;
  int32_t n_past = 0;
  bool has_logits = false;
  std::vector<int32_t> history;  // every token in the context, for repetition penalties
  OpProfile profile;
};

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kMaxTokens:
      return "length";
    case StopReason::kEndOfGeneration:
      return "eos";
    case StopReason::kStopString:
      return "stop";
    case StopReason::kContextFull:
      return "context_full";
    case StopReason::kCancelled:
      return "cancelled";
  }
  return "?";
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model,
                                                 const SessionParams& params) {
  if (!model) return invalid_argument("session: null model");
  if (params.n_ctx < 0) return invalid_argument("session: n_ctx must be >= 0");
  if (params.n_threads < 0 || params.n_threads > 256)
    return invalid_argument("session: n_threads must be in 0..256");
  if (params.n_batch <= 0 || params.n_batch > 4096)
    return invalid_argument("session: n_batch must be in 1..4096");
  auto impl = std::make_unique<Impl>();
  impl->model = model;
  impl->m = &model->impl();
  const DecoderDims& dims = impl->m->arch->dims();
  int32_t n_ctx = params.n_ctx > 0 ? params.n_ctx : std::min(dims.n_ctx_train, kDefaultMaxCtx);
  if (dims.max_positions > 0 && n_ctx > dims.max_positions) {
    return invalid_argument("session: n_ctx " + std::to_string(n_ctx) + " exceeds the " +
                            std::to_string(dims.max_positions) +
                            " positions this model's learned position table has");
  }
  const int n_threads = params.n_threads > 0 ? params.n_threads : ThreadPool::default_threads();
  impl->n_batch = std::min(params.n_batch, n_ctx);
  SLIM_ASSIGN_OR_RETURN(
      impl->state, make_decoder_state(dims, n_ctx, static_cast<size_t>(impl->n_batch), n_threads));
  impl->pool = std::make_unique<ThreadPool>(n_threads);
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Status Session::eval(const std::vector<int32_t>& tokens) {
  Impl& s = *impl_;
  if (tokens.empty()) return invalid_argument("eval: no tokens");
  const int32_t n_vocab = s.m->arch->dims().n_vocab;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= n_vocab) {
      return invalid_argument("eval: token #" + std::to_string(i) + " = " +
                              std::to_string(tokens[i]) + " is outside the vocabulary [0, " +
                              std::to_string(n_vocab) + ")");
    }
  }
  if (tokens.size() > static_cast<size_t>(s.state.n_ctx - s.n_past)) {
    return Status(StatusCode::kContextFull,
                  std::to_string(tokens.size()) +
                      " tokens do not fit in the context: " + std::to_string(s.n_past) + " of " +
                      std::to_string(s.state.n_ctx) + " positions are used (raise --ctx)");
  }
  for (size_t done = 0; done < tokens.size();) {
    const size_t n = std::min(tokens.size() - done, static_cast<size_t>(s.n_batch));
    forward_sequence(*s.m->arch, s.state, tokens.data() + done, n, s.n_past, *s.pool);
    s.n_past += static_cast<int32_t>(n);
    done += n;
  }
  s.history.insert(s.history.end(), tokens.begin(), tokens.end());
  s.has_logits = true;
  return Status::ok();
}

Status eval_batch(const std::vector<Session*>& sessions, const std::vector<int32_t>& tokens) {
  if (sessions.empty() || sessions.size() != tokens.size()) {
    return invalid_argument("eval_batch: need one token per session (got " +
                            std::to_string(sessions.size()) + " sessions, " +
                            std::to_string(tokens.size()) + " tokens)");
  }
  Session::Impl& lead = *sessions[0]->impl_;
  if (sessions.size() > lead.state.max_batch) {
    return invalid_argument("eval_batch: " + std::to_string(sessions.size()) +
                            " sessions exceed the first session's batch size " +
                            std::to_string(lead.state.max_batch));
  }
  const int32_t n_vocab = lead.m->arch->dims().n_vocab;
  std::vector<BatchToken> batch(sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i] == nullptr)
      return invalid_argument("eval_batch: null session #" + std::to_string(i));
    Session::Impl& s = *sessions[i]->impl_;
    if (s.m != lead.m)
      return invalid_argument("eval_batch: session #" + std::to_string(i) + " uses another model");
    for (size_t j = 0; j < i; ++j) {
      if (sessions[j] == sessions[i])
        return invalid_argument("eval_batch: session #" + std::to_string(i) + " appears twice");
    }
    if (tokens[i] < 0 || tokens[i] >= n_vocab) {
      return invalid_argument("eval_batch: token " + std::to_string(tokens[i]) + " for session #" +
                              std::to_string(i) + " is outside the vocabulary");
    }
    if (s.n_past >= s.state.n_ctx) {
      return Status(StatusCode::kContextFull, "eval_batch: session #" + std::to_string(i) +
                                                  " has a full context (" +
                                                  std::to_string(s.state.n_ctx) + " tokens)");
    }
    batch[i] = {tokens[i], &s.state, s.n_past, true};
  }
  std::vector<float> logits(sessions.size() * static_cast<size_t>(n_vocab));
  lead.m->arch->forward_batch(lead.state, batch.data(), batch.size(), logits.data(), *lead.pool);
  for (size_t i = 0; i < sessions.size(); ++i) {
    Session::Impl& s = *sessions[i]->impl_;
    std::copy(logits.begin() + static_cast<std::ptrdiff_t>(i) * n_vocab,
              logits.begin() + static_cast<std::ptrdiff_t>(i + 1) * n_vocab,
              s.state.logits.begin());
    s.n_past += 1;
    s.has_logits = true;
    s.history.push_back(tokens[i]);
  }
  return Status::ok();
}

void Session::set_profiling(bool enabled) {
  impl_->profile.reset();
  impl_->state.profile = enabled ? &impl_->profile : nullptr;
}

void Session::set_matmul_observer(kernels::MatmulObserver* observer) {
  impl_->state.observer = observer;
}

std::vector<std::pair<std::string, double>> Session::op_seconds() const {
  std::vector<std::pair<std::string, double>> out;
  for (int i = 0; i < static_cast<int>(Op::kCount); ++i) {
    out.emplace_back(op_name(static_cast<Op>(i)), impl_->profile.seconds[static_cast<size_t>(i)]);
  }
  return out;
}

int64_t Session::profiled_forward_calls() const {
  return impl_->profile.forward_calls;
}

const float* Session::logits() const {
  return impl_->has_logits ? impl_->state.logits.data() : nullptr;
}
int32_t Session::n_vocab() const {
  return impl_->m->arch->dims().n_vocab;
}
int32_t Session::n_past() const {
  return impl_->n_past;
}
int32_t Session::n_ctx() const {
  return impl_->state.n_ctx;
}
int32_t Session::n_threads() const {
  return impl_->pool->size();
}

const std::vector<int32_t>& Session::context_tokens() const {
  return impl_->history;
}
const Model& Session::model() const {
  return *impl_->model;
}

void Session::reset() {
  impl_->n_past = 0;
  impl_->has_logits = false;
  impl_->history.clear();
}

Status Session::truncate(int32_t n_keep) {
  if (n_keep < 0 || n_keep > impl_->n_past)
    return invalid_argument("truncate: " + std::to_string(n_keep) + " is outside the context of " +
                            std::to_string(impl_->n_past) + " tokens");
  if (n_keep == impl_->n_past) return Status::ok();
  impl_->n_past = n_keep;
  impl_->has_logits = false;  // they were the last dropped token's
  impl_->history.resize(static_cast<size_t>(n_keep));
  return Status::ok();
}

}  // namespace slim
