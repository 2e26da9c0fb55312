#include "model/registry.hpp"

#include <array>

#include "model/gpt2.hpp"
#include "model/llama.hpp"
#include "model/opt.hpp"

namespace slim {

namespace {
struct Entry {
  std::string_view name;
  ArchLoader load;
};
// SmolLM/SmolLM2 and TinyLlama are published as `llama`.
constexpr std::array<Entry, 4> kArchs{
    {{"llama", load_llama}, {"qwen2", load_llama}, {"gpt2", load_gpt2}, {"opt", load_opt}}};
}  // namespace

ArchLoader find_arch_loader(std::string_view arch) {
  for (const Entry& e : kArchs) {
    if (e.name == arch) return e.load;
  }
  return nullptr;
}

std::string supported_architectures() {
  std::string s;
  for (const Entry& e : kArchs) {
    if (!s.empty()) s += ", ";
    s += e.name;
  }
  return s;
}

}  // namespace slim
