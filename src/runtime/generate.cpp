// Session::generate: prompt processing, the sampling loop, streaming text and stop conditions.
#include <chrono>

#include "runtime/model_impl.hpp"
#include "sampling/sampler.hpp"
#include "sampling/stop_strings.hpp"
#include "slim/session.hpp"

namespace slim {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

SamplingParams to_sampling(const GenerationParams& g) {
  SamplingParams p;
  p.temperature = g.temperature;
  p.top_k = g.top_k < 0 ? 0 : g.top_k;  // the public API documents <= 0 as off
  p.top_p = g.top_p;
  p.min_p = g.min_p;
  p.repeat_penalty = g.repeat_penalty;
  p.repeat_last_n = g.repeat_last_n;
  p.frequency_penalty = g.frequency_penalty;
  p.presence_penalty = g.presence_penalty;
  p.seed = g.seed;
  p.stop = g.stop;
  return p;
}

}  // namespace

Result<GenerationResult> Session::generate(const std::vector<int32_t>& prompt,
                                           const GenerationParams& params,
                                           const TokenCallback& on_text) {
  if (params.max_tokens < -1) return invalid_argument("max_tokens must be >= -1");
  SLIM_ASSIGN_OR_RETURN(Sampler sampler, Sampler::create(to_sampling(params), n_vocab()));
  SLIM_ASSIGN_OR_RETURN(StopStringMatcher stops, StopStringMatcher::create(params.stop));
  StreamDecoder decoder(*model().impl().tokenizer);
  GenerationResult out;

  const auto t_prompt = Clock::now();
  if (!prompt.empty()) {
    SLIM_TRY(eval(prompt));
  } else if (logits() == nullptr) {
    return invalid_argument("generate: empty prompt and nothing in the context (add a BOS token)");
  }
  out.timings.prompt_ms = ms_since(t_prompt);
  // The decoder must see the context first: whether a token's leading space is shown
  // depends on what precedes it (SentencePiece drops it only right after BOS).
  for (int32_t id : context_tokens()) (void)decoder.push(id);
  out.timings.prompt_tokens = static_cast<int32_t>(prompt.size());

  const auto t_gen = Clock::now();
  // Emits text through the stop-string matcher; returns false when generation must end.
  auto emit = [&](int32_t id, const std::string& piece) {
    StopFeedResult r = stops.feed(piece);
    out.text += r.emit;
    bool keep_going = true;
    if (on_text && !r.emit.empty()) keep_going = on_text(id, r.emit);
    if (r.stopped) {
      out.stop_reason = StopReason::kStopString;
      return false;
    }
    if (!keep_going) out.stop_reason = StopReason::kCancelled;
    return keep_going;
  };

  bool running = true;
  while (running) {
    if (params.max_tokens >= 0 && static_cast<int32_t>(out.tokens.size()) >= params.max_tokens) {
      out.stop_reason = StopReason::kMaxTokens;
      break;
    }
    const int32_t id = sampler.sample(logits(), context_tokens());
    if (params.stop_at_eos && model().is_end_of_generation(id)) {
      out.stop_reason = StopReason::kEndOfGeneration;
      break;
    }
    out.tokens.push_back(id);
    running = emit(id, decoder.push(id));
    if (!running) break;
    if (n_past() >= n_ctx()) {
      out.stop_reason = StopReason::kContextFull;
      break;
    }
    SLIM_TRY(eval({id}));
  }
  if (out.stop_reason != StopReason::kStopString) {
    const std::string tail = decoder.flush();
    if (!tail.empty()) emit(out.tokens.empty() ? -1 : out.tokens.back(), tail);
    if (!stops.stopped()) {
      const std::string held = stops.flush();
      out.text += held;
      if (on_text && !held.empty()) on_text(out.tokens.empty() ? -1 : out.tokens.back(), held);
    }
  }
  out.timings.generation_ms = ms_since(t_gen);
  out.timings.generated_tokens = static_cast<int32_t>(out.tokens.size());
  return out;
}

}  // namespace slim
