// Chat messages -> prompt text for /v1/chat/completions, through the library's chat-template
// API (slim/chat.hpp: the model's own tokenizer.chat_template or a built-in template).
#pragma once

#include <string>
#include <vector>

#include "server/request.hpp"
#include "slim/model.hpp"

namespace slim::server {

// The prompt for `messages`, ending with the assistant's turn opened (generation prompt).
// `template_name` "" uses the model's own template; otherwise a built-in one ("chatml" ...).
Result<std::string> render_chat_prompt(const Model& model, const std::vector<ChatMessage>& messages,
                                       const std::string& template_name);

// The template the server should use for `model`: `requested` if given (it must render), else
// the model's own; a model without one falls back to "chatml" (with `*note` saying so).
Result<std::string> choose_chat_template(const Model& model, const std::string& requested,
                                         std::string* note);

}  // namespace slim::server
