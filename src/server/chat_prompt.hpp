// Chat messages -> prompt text for /v1/chat/completions. The one place the server renders
// chat templates.
#pragma once

#include <string>
#include <vector>

#include "server/request.hpp"
#include "slim/model.hpp"

namespace slim::server {

// The prompt for `messages`, ending with the assistant's turn opened (generation prompt).
Result<std::string> render_chat_prompt(const Model& model,
                                       const std::vector<ChatMessage>& messages);

}  // namespace slim::server
