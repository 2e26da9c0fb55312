// Session::generate: prompt processing and the sampling loop over one GenerationState.
#include <chrono>

#include "runtime/generation_state.hpp"
#include "slim/session.hpp"

namespace slim {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

Result<GenerationResult> Session::generate(const std::vector<int32_t>& prompt,
                                           const GenerationParams& params,
                                           const TokenCallback& on_text) {
  SLIM_ASSIGN_OR_RETURN(std::unique_ptr<GenerationState> state,
                        GenerationState::create(model(), params));
  GenerationResult out;

  const auto t_prompt = Clock::now();
  if (!prompt.empty()) {
    SLIM_TRY(eval(prompt));
  } else if (logits() == nullptr) {
    return invalid_argument("generate: empty prompt and nothing in the context (add a BOS token)");
  }
  out.timings.prompt_ms = ms_since(t_prompt);
  state->prime(context_tokens());
  out.timings.prompt_tokens = static_cast<int32_t>(prompt.size());

  const auto t_gen = Clock::now();
  for (;;) {
    GenerationStep st = state->step(logits(), context_tokens(), n_past() < n_ctx());
    const int32_t last = state->tokens().empty() ? -1 : state->tokens().back();
    if (on_text && !st.text.empty() && !on_text(last, st.text) && !st.done) {
      const std::string tail = state->cancel();
      if (!tail.empty()) on_text(last, tail);
      break;
    }
    if (st.done) break;
    SLIM_TRY(eval({st.token}));
  }
  out.tokens = state->tokens();
  out.text = state->text();
  out.stop_reason = state->stop_reason();
  out.timings.generation_ms = ms_since(t_gen);
  out.timings.generated_tokens = static_cast<int32_t>(out.tokens.size());
  return out;
}

}  // namespace slim
