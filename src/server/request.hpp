// Parsing and validation of OpenAI-style request bodies (/v1/completions,
// /v1/chat/completions). Bodies are outside input: the JSON parser enforces size, depth and
// value-count limits, and every field is type- and range-checked here. Errors are ApiError
// values (HTTP 400) naming the field; nothing throws. Unknown fields are ignored, as OpenAI
// clients send optional fields this server does not use; fields that would change the
// meaning of the response (n > 1, logprobs, tools ...) are rejected instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_error.hpp"
#include "slim/session.hpp"

namespace slim::server {

enum class Endpoint { kCompletions, kChatCompletions };

struct ChatMessage {
  std::string role;  // "system" | "developer" | "user" | "assistant" | "tool"
  std::string content;
};

struct RequestLimits {
  size_t max_body_bytes = size_t{4} << 20;    // of the JSON text
  size_t max_prompt_bytes = size_t{1} << 20;  // prompt text, or all message contents together
  size_t max_messages = 1024;
  size_t max_prompt_ids = 1 << 20;  // prompt given as token ids
  size_t max_stop = 16;             // stop strings (each at most kMaxStopStringLength bytes)
  int32_t max_tokens_cap = 1 << 20;
};

struct CompletionRequest {
  Endpoint endpoint = Endpoint::kCompletions;
  std::string model;                  // as given ("" when absent)
  std::string prompt;                 // completions: prompt text
  std::vector<int32_t> prompt_ids;    // completions: prompt given as token ids
  bool prompt_is_ids = false;         //   ... instead of text
  std::vector<ChatMessage> messages;  // chat
  GenerationParams params;            // sampling; library defaults for absent fields
  std::optional<int32_t> max_tokens;  // absent: the endpoint's default
  bool seed_given = false;            // params.seed came from the request
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct ParseResult {
  CompletionRequest request;
  std::optional<ApiError> error;  // set when the body is unusable
};

ParseResult parse_request(Endpoint endpoint, std::string_view body,
                          const RequestLimits& limits = {});

}  // namespace slim::server
