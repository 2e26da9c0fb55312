// Stand-in until the library's chat-template API (slim/chat.hpp) is available: ChatML,
// "<|im_start|>{role}\n{content}<|im_end|>\n" per message, then "<|im_start|>assistant\n".
#include "server/chat_prompt.hpp"

namespace slim::server {

Result<std::string> render_chat_prompt(const Model& /*model*/,
                                       const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const ChatMessage& m : messages) {
    out += "<|im_start|>";
    out += m.role;
    out += '\n';
    out += m.content;
    out += "<|im_end|>\n";
  }
  out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace slim::server
