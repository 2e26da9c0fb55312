// The Jinja2-subset template engine used for chat templates (internal API).
//
//   auto t = Template::parse(source);           // syntax errors: "template syntax error at L:C:
//   ..." auto s = t->render(context);                 // context: top-level variables
//
// Rendering follows jinja2 with trim_blocks=True, lstrip_blocks=True and the default Undefined,
// as transformers' apply_chat_template does, plus its raise_exception / strftime_now globals and
// its tojson filter (json.dumps, ensure_ascii=False). Hostile-input safe: every limit below is
// enforced and reported as a Status with the template line:column.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "slim/status.hpp"
#include "template/ast.hpp"
#include "template/value.hpp"

namespace slim::tmpl {

struct Limits {
  size_t max_source_bytes = 1 << 20;
  int max_parse_depth = 96;           // nesting of tags and expressions
  int max_eval_depth = 400;           // nested evaluation (incl. macro recursion)
  size_t max_output_bytes = 8 << 20;  // output and any string or list built on the way
  size_t max_value_weight = 1 << 20;  // nodes in any list/dict value
  uint64_t max_steps = 2'000'000;     // evaluation steps (loop iterations, expressions)
};

class Template {
 public:
  static Result<Template> parse(std::string_view source, const Limits& limits = {});

  // `now` fixes what strftime_now() sees (tests); by default the current local time.
  Result<std::string> render(const Dict& context,
                             std::optional<std::time_t> now = std::nullopt) const;

  Template(Template&&) noexcept = default;
  Template& operator=(Template&&) noexcept = default;

 private:
  Template() = default;
  std::string source_;  // normalised
  NodePtr root_;
  Limits limits_;
};

}  // namespace slim::tmpl
