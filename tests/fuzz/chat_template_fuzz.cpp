// libFuzzer target: chat templates (src/template). The input is a template source, parsed and
// rendered over a fixed conversation (system/user/assistant turns with a tool call, a tool
// result and a tools list) with and without the generation prompt. Errors must come back as
// Status values; any crash, sanitizer report, leak, timeout or runaway allocation is a finding.
// The limits are tightened so each input runs in milliseconds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.hpp"
#include "template/from_json.hpp"
#include "template/template.hpp"

namespace {

const char kContext[] = R"({
  "messages": [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "Weather in Paris? \u00e9\u65e5 {{ x }}"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "call00001", "type": "function",
      "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    {"role": "tool", "tool_call_id": "call00001", "content": "{\"t\": 21.5}"},
    {"role": "assistant", "content": "  21.5 C  "},
    {"role": "user", "content": ""}
  ],
  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "d",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
  "bos_token": "<s>", "eos_token": "</s>", "documents": null
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const slim::tmpl::Dict* base = [] {
    auto j = slim::json::parse(kContext, "fuzz context");
    auto* d = new slim::tmpl::Dict();
    if (j.is_ok())
      for (size_t k = 0; k < j->size(); ++k) d->set(j->key(k), slim::tmpl::from_json(j->at(k)));
    return d;
  }();
  slim::tmpl::Limits limits;
  limits.max_source_bytes = 64 << 10;
  limits.max_output_bytes = 256 << 10;
  limits.max_value_weight = 1 << 16;
  limits.max_steps = 100'000;
  auto t = slim::tmpl::Template::parse(std::string_view(reinterpret_cast<const char*>(data), size),
                                       limits);
  if (!t.is_ok()) return 0;
  for (bool agp : {true, false}) {
    slim::tmpl::Dict ctx = *base;
    ctx.set("add_generation_prompt", slim::tmpl::Value::boolean(agp));
    auto out = t->render(ctx, 1721995200);
    (void)out;
  }
  return 0;
}
