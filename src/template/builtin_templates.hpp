// Chat templates built into libslim, for models that carry none (--chat-template NAME).
#pragma once

#include <string_view>
#include <vector>

namespace slim::tmpl {

struct BuiltinTemplate {
  std::string_view name;
  std::string_view source;
};

const std::vector<BuiltinTemplate>& builtin_templates();

}  // namespace slim::tmpl
