// GenerationState: sampling, streaming decode and stop conditions of one generation stream.
#include "runtime/generation_state.hpp"

#include "runtime/model_impl.hpp"

namespace slim {

namespace {

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

GenerationState::GenerationState(const Model& model, const GenerationParams& params,
                                 Sampler sampler, StopStringMatcher stops)
    : model_(model),
      params_(params),
      sampler_(std::move(sampler)),
      stops_(std::move(stops)),
      decoder_(*model.impl().tokenizer) {}

Result<std::unique_ptr<GenerationState>> GenerationState::create(const Model& model,
                                                                 const GenerationParams& params) {
  if (params.max_tokens < -1) return invalid_argument("max_tokens must be >= -1");
  SLIM_ASSIGN_OR_RETURN(Sampler sampler,
                        Sampler::create(to_sampling(params), model.info().n_vocab));
  SLIM_ASSIGN_OR_RETURN(StopStringMatcher stops, StopStringMatcher::create(params.stop));
  return std::unique_ptr<GenerationState>(
      new GenerationState(model, params, std::move(sampler), std::move(stops)));
}

void GenerationState::prime(const std::vector<int32_t>& context) {
  for (int32_t id : context) (void)decoder_.push(id);
}

bool GenerationState::emit(const std::string& piece, std::string& out) {
  StopFeedResult r = stops_.feed(piece);
  text_ += r.emit;
  out += r.emit;
  return !r.stopped;
}

void GenerationState::finish(StopReason reason, std::string& out) {
  if (done_) return;
  done_ = true;
  reason_ = reason;
  if (reason == StopReason::kStopString) return;  // everything after the stop is dropped
  const std::string tail = decoder_.flush();
  if (!tail.empty() && !emit(tail, out)) {
    reason_ = StopReason::kStopString;
    return;
  }
  const std::string held = stops_.flush();
  text_ += held;
  out += held;
}

GenerationStep GenerationState::step(const float* logits, const std::vector<int32_t>& history,
                                     bool room_after) {
  GenerationStep s;
  if (done_) {
    s.done = true;
    return s;
  }
  if (params_.max_tokens >= 0 && static_cast<int32_t>(tokens_.size()) >= params_.max_tokens) {
    finish(StopReason::kMaxTokens, s.text);
    s.done = true;
    return s;
  }
  const int32_t id = sampler_.sample(logits, history);
  if (params_.stop_at_eos && model_.is_end_of_generation(id)) {
    finish(StopReason::kEndOfGeneration, s.text);
    s.done = true;
    return s;
  }
  tokens_.push_back(id);
  s.token = id;
  if (!emit(decoder_.push(id), s.text)) {
    finish(StopReason::kStopString, s.text);
    s.done = true;
    return s;
  }
  if (!room_after) {
    finish(StopReason::kContextFull, s.text);
    s.done = true;
    return s;
  }
  return s;
}

std::string GenerationState::cancel() {
  std::string out;
  finish(StopReason::kCancelled, out);
  return out;
}

}  // namespace slim
