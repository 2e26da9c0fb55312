// Chat rendering for the server: a thin adapter over slim::apply_chat_template.
#include "server/chat_prompt.hpp"

#include "slim/chat.hpp"

namespace slim::server {

Result<std::string> render_chat_prompt(const Model& model, const std::vector<ChatMessage>& messages,
                                       const std::string& template_name) {
  std::vector<slim::ChatMessage> conv;
  conv.reserve(messages.size());
  for (const ChatMessage& m : messages) conv.push_back({m.role, m.content});
  ChatTemplateOptions opt;
  opt.add_generation_prompt = true;
  opt.template_name = template_name;
  return apply_chat_template(model, conv, opt);
}

Result<std::string> choose_chat_template(const Model& model, const std::string& requested,
                                         std::string* note) {
  const std::vector<ChatMessage> probe = {{"system", "s"}, {"user", "u"}};
  if (!requested.empty()) {
    auto r = render_chat_prompt(model, probe, requested);
    if (!r.is_ok()) return r.status().with_context("--chat-template " + requested);
    return requested;
  }
  auto own = render_chat_prompt(model, probe, "");
  if (own.is_ok()) return std::string();
  if (note != nullptr) {
    *note = own.status().message() + "; chat requests use the built-in 'chatml' for now";
  }
  return std::string("chatml");
}

}  // namespace slim::server
