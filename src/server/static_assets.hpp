// Files embedded into the binary at build time (src/server/static/, see src/CMakeLists.txt).
#pragma once

#include <string_view>

namespace slim::server {

// The web chat page served at "/" (self-contained: no external resources).
std::string_view chat_page_html();

}  // namespace slim::server
