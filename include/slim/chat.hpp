// libslim C++ API: chat templates.
//
// Conversations are rendered to a prompt with the model's own Jinja chat template
// (GGUF tokenizer.chat_template) or a built-in one, by a small hostile-input-safe
// Jinja2-subset engine (src/template/). Rendering matches Hugging Face transformers
// (jinja2 sandbox with trim_blocks and lstrip_blocks).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim {

struct ChatMessage {
  std::string role;
  std::string content;
};

struct ChatTemplateOptions {
  bool add_generation_prompt = true;
  std::string template_name;  // "" = the model's tokenizer.chat_template; else a built-in name
};

// Renders the conversation with the model's own template (GGUF tokenizer.chat_template) or a
// built-in one (options.template_name). A model without a template and no name given is an
// invalid_argument error that tells the user to pass --chat-template NAME.
Result<std::string> apply_chat_template(const Model& model,
                                        const std::vector<ChatMessage>& messages,
                                        const ChatTemplateOptions& options = {});

// Names of the built-in templates: chatml, llama3, zephyr, phi3, gemma, mistral, llama2 ...
std::vector<std::string> builtin_chat_templates();

// Lower level, for tests and tools: render any template source with bos/eos strings.
Result<std::string> render_chat_template(std::string_view source,
                                         const std::vector<ChatMessage>& messages,
                                         bool add_generation_prompt, std::string_view bos_token,
                                         std::string_view eos_token);

}  // namespace slim
