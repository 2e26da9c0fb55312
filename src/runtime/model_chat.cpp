// Model::chat_template: the Jinja source a GGUF model carries in tokenizer.chat_template.
#include "runtime/model_impl.hpp"

namespace slim {

std::string Model::chat_template() const {
  if (!impl_->gguf) return {};
  auto s = impl_->gguf->get_string("tokenizer.chat_template");
  if (!s.is_ok()) return {};
  return std::string(*s);
}

}  // namespace slim
