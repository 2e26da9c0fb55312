// libFuzzer target: `slim serve` request bodies. Every input is validated as a
// /v1/completions and as a /v1/chat/completions body; accepted requests are rendered back
// (error objects and response chunks) to exercise the JSON writers with what was parsed. Any
// crash, sanitizer report or abort is a finding; bad bodies must give ApiError values.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/openai_json.hpp"
#include "server/request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  slim::server::RequestLimits limits;
  limits.max_body_bytes = 1 << 16;
  for (auto ep : {slim::server::Endpoint::kCompletions, slim::server::Endpoint::kChatCompletions}) {
    slim::server::ParseResult r = slim::server::parse_request(ep, body, limits);
    if (r.error) {
      (void)slim::server::error_json(*r.error);
      continue;
    }
    slim::server::ResponseMeta meta;
    meta.endpoint = ep;
    meta.model = r.request.model;
    std::string text = r.request.prompt;
    for (const auto& m : r.request.messages) text += m.role + m.content;
    for (const auto& s : r.request.params.stop) text += s;
    (void)slim::server::chunk_json(meta, text, nullptr, true);
    (void)slim::server::completion_json(meta, text, slim::StopReason::kStopString, {});
  }
  return 0;
}
