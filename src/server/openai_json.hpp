// The JSON bodies of OpenAI-compatible responses: completion objects, streaming chunks
// (server-sent events and WebSocket messages carry the same chunk text), model lists, errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/request.hpp"

namespace slim::server {

struct ResponseMeta {
  Endpoint endpoint = Endpoint::kCompletions;
  std::string id;       // "cmpl-..." / "chatcmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;    // the served model's id
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

// "stop" | "length" for a finished generation.
const char* finish_reason_name(StopReason r);

// A whole (non-streaming) response.
std::string completion_json(const ResponseMeta& meta, std::string_view text, StopReason reason,
                            const Usage& usage);

// One streaming chunk. Chat: the first chunk (role_chunk) carries {"role": "assistant"};
// later ones {"content": text}; the last one (finish_reason set) an empty delta.
// Completions: {"text": text}.
std::string chunk_json(const ResponseMeta& meta, std::string_view text, const char* finish_reason,
                       bool role_chunk = false);
// The extra last chunk when stream_options.include_usage is set: empty choices and usage.
std::string usage_chunk_json(const ResponseMeta& meta, const Usage& usage);

// GET /v1/models.
std::string models_json(std::string_view model_id, int64_t created);

}  // namespace slim::server
