// Chat templates: render a conversation with the model's tokenizer.chat_template or a built-in
// template, the way transformers' apply_chat_template does (messages, add_generation_prompt,
// bos_token, eos_token, tools=None, documents=None).
#include "slim/chat.hpp"

#include "runtime/model_impl.hpp"
#include "template/builtin_templates.hpp"
#include "template/template.hpp"

namespace slim {

namespace {

tmpl::Value messages_value(const std::vector<ChatMessage>& messages) {
  std::vector<tmpl::Value> list;
  list.reserve(messages.size());
  for (const auto& m : messages) {
    tmpl::Dict d;
    d.set("role", tmpl::Value::string(m.role));
    d.set("content", tmpl::Value::string(m.content));
    list.push_back(tmpl::Value::make_dict(std::move(d)));
  }
  return tmpl::Value::make_list(std::move(list));
}

std::string special_text(const Model& model, int32_t id) {
  if (id < 0) return {};
  return std::string(model.impl().tokenizer->token_text(id));
}

}  // namespace

std::vector<std::string> builtin_chat_templates() {
  std::vector<std::string> names;
  for (const auto& t : tmpl::builtin_templates()) names.emplace_back(t.name);
  return names;
}

Result<std::string> render_chat_template(std::string_view source,
                                         const std::vector<ChatMessage>& messages,
                                         bool add_generation_prompt, std::string_view bos_token,
                                         std::string_view eos_token) {
  SLIM_ASSIGN_OR_RETURN(auto t, tmpl::Template::parse(source));
  tmpl::Dict ctx;
  ctx.set("messages", messages_value(messages));
  ctx.set("add_generation_prompt", tmpl::Value::boolean(add_generation_prompt));
  ctx.set("bos_token", tmpl::Value::string(std::string(bos_token)));
  ctx.set("eos_token", tmpl::Value::string(std::string(eos_token)));
  ctx.set("tools", tmpl::Value::none());
  ctx.set("documents", tmpl::Value::none());
  return t.render(ctx);
}

Result<std::string> apply_chat_template(const Model& model,
                                        const std::vector<ChatMessage>& messages,
                                        const ChatTemplateOptions& options) {
  std::string source;
  if (!options.template_name.empty()) {
    for (const auto& t : tmpl::builtin_templates())
      if (t.name == options.template_name) source = std::string(t.source);
    if (source.empty()) {
      std::string names;
      for (const auto& n : builtin_chat_templates()) names += (names.empty() ? "" : ", ") + n;
      return invalid_argument("unknown chat template '" + options.template_name +
                              "' (built-in: " + names + ")");
    }
  } else {
    source = model.chat_template();
    if (source.empty())
      return invalid_argument(
          "the model has no chat template (tokenizer.chat_template); pass --chat-template NAME "
          "(one of: chatml, llama2, llama3, mistral, zephyr, phi3, gemma, deepseek)");
  }
  const ModelInfo& info = model.info();
  auto r = render_chat_template(source, messages, options.add_generation_prompt,
                                special_text(model, info.bos_id), special_text(model, info.eos_id));
  if (!r.is_ok()) return r.status().with_context("chat template");
  return r;
}

}  // namespace slim
