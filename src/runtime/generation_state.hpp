// The per-request state of one generation stream: sampler, streaming UTF-8 decoder, stop-string
// matcher, the generated tokens and text, and why it ended. Session::generate drives one of
// these; the server's engine loop drives many in lock-step (one eval_batch per step), so the
// stop rules live here once.
//
// Use: create(); prime() with the context that precedes the output (the evaluated prompt);
// then step() with the logits of the last evaluated position. A step either ends the stream
// (done()) or yields a token the caller must evaluate before the next step.
//
// Not thread-safe: one GenerationState per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sampling/sampler.hpp"
#include "sampling/stop_strings.hpp"
#include "slim/session.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim {

// What one step produced.
struct GenerationStep {
  int32_t token = -1;  // token sampled in this step (-1 if none); evaluate it next unless done
  std::string text;    // text that became final in this step (may be empty)
  bool done = false;   // the stream ended (see GenerationState::stop_reason())
};

class GenerationState {
 public:
  // Validates `params` against the model's vocabulary (max_tokens >= -1, sampler ranges,
  // stop strings).
  static Result<std::unique_ptr<GenerationState>> create(const Model& model,
                                                         const GenerationParams& params);

  // Tells the decoder what precedes the output (whether a token's leading space is shown
  // depends on it). Call once, before the first step.
  void prime(const std::vector<int32_t>& context);

  // One decode step. `logits` are the last evaluated position's (n_vocab floats), `history`
  // every token in the context, `room_after` whether the context has room to evaluate the
  // sampled token. When the result is not done, evaluate result.token before the next step.
  GenerationStep step(const float* logits, const std::vector<int32_t>& history, bool room_after);

  // Ends the stream early (client went away, callback asked to stop): stop reason kCancelled.
  // Returns the text still held back by the decoder and stop matcher.
  std::string cancel();

  bool done() const { return done_; }
  StopReason stop_reason() const { return reason_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  const std::string& text() const { return text_; }
  const GenerationParams& params() const { return params_; }

 private:
  GenerationState(const Model& model, const GenerationParams& params, Sampler sampler,
                  StopStringMatcher stops);
  // Passes decoded text through the stop matcher into `out`; false once a stop string matched.
  bool emit(const std::string& piece, std::string& out);
  // Ends the stream with `reason`, appending any held-back text to `out`.
  void finish(StopReason reason, std::string& out);

  const Model& model_;
  GenerationParams params_;
  Sampler sampler_;
  StopStringMatcher stops_;
  StreamDecoder decoder_;
  std::vector<int32_t> tokens_;
  std::string text_;
  StopReason reason_ = StopReason::kMaxTokens;
  bool done_ = false;
};

}  // namespace slim
