// OpenAI response and chunk shapes (API reference: "The completion object", "The chat
// completion object", "The chat completion chunk object").
#include "server/openai_json.hpp"

#include "core/json_writer.hpp"

namespace slim::server {

namespace {

const char* object_name(Endpoint e, bool chunk) {
  if (e == Endpoint::kCompletions) return "text_completion";
  return chunk ? "chat.completion.chunk" : "chat.completion";
}

void head(JsonWriter& j, const ResponseMeta& m, bool chunk) {
  j.key("id").value(m.id);
  j.key("object").value(object_name(m.endpoint, chunk));
  j.key("created").value(m.created);
  j.key("model").value(m.model);
  j.key("system_fingerprint").value("slim");
}

void usage(JsonWriter& j, const Usage& u) {
  j.key("usage").begin_object();
  j.key("prompt_tokens").value(u.prompt_tokens);
  j.key("completion_tokens").value(u.completion_tokens);
  j.key("total_tokens").value(u.prompt_tokens + u.completion_tokens);
  j.end_object();
}

}  // namespace

const char* finish_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kMaxTokens:
    case StopReason::kContextFull:
      return "length";
    case StopReason::kEndOfGeneration:
    case StopReason::kStopString:
    case StopReason::kCancelled:
      return "stop";
  }
  return "stop";
}

std::string completion_json(const ResponseMeta& meta, std::string_view text, StopReason reason,
                            const Usage& u) {
  JsonWriter j;
  j.begin_object();
  head(j, meta, false);
  j.key("choices").begin_array().begin_object();
  j.key("index").value(int64_t{0});
  if (meta.endpoint == Endpoint::kCompletions) {
    j.key("text").value(text);
  } else {
    j.key("message").begin_object();
    j.key("role").value("assistant");
    j.key("content").value(text);
    j.end_object();
  }
  j.key("logprobs").null();
  j.key("finish_reason").value(finish_reason_name(reason));
  j.end_object().end_array();
  usage(j, u);
  j.end_object();
  return j.str();
}

std::string chunk_json(const ResponseMeta& meta, std::string_view text, const char* finish_reason,
                       bool role_chunk) {
  JsonWriter j;
  j.begin_object();
  head(j, meta, true);
  j.key("choices").begin_array().begin_object();
  j.key("index").value(int64_t{0});
  if (meta.endpoint == Endpoint::kCompletions) {
    j.key("text").value(text);
  } else {
    j.key("delta").begin_object();
    if (role_chunk) {
      j.key("role").value("assistant");
      j.key("content").value("");
    } else if (finish_reason == nullptr) {
      j.key("content").value(text);
    }
    j.end_object();
  }
  j.key("logprobs").null();
  if (finish_reason != nullptr) {
    j.key("finish_reason").value(finish_reason);
  } else {
    j.key("finish_reason").null();
  }
  j.end_object().end_array();
  j.end_object();
  return j.str();
}

std::string usage_chunk_json(const ResponseMeta& meta, const Usage& u) {
  JsonWriter j;
  j.begin_object();
  head(j, meta, true);
  j.key("choices").begin_array().end_array();
  usage(j, u);
  j.end_object();
  return j.str();
}

std::string models_json(std::string_view model_id, int64_t created) {
  JsonWriter j;
  j.begin_object();
  j.key("object").value("list");
  j.key("data").begin_array().begin_object();
  j.key("id").value(model_id);
  j.key("object").value("model");
  j.key("created").value(created);
  j.key("owned_by").value("slim");
  j.end_object().end_array();
  j.end_object();
  return j.str();
}

std::string error_json(const ApiError& e) {
  JsonWriter j;
  j.begin_object().key("error").begin_object();
  j.key("message").value(e.message);
  j.key("type").value(e.type);
  j.key("param");
  if (e.param.empty()) {
    j.null();
  } else {
    j.value(e.param);
  }
  j.key("code");
  if (e.code.empty()) {
    j.null();
  } else {
    j.value(e.code);
  }
  j.end_object().end_object();
  return j.str();
}

}  // namespace slim::server
