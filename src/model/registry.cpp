#include "model/registry.hpp"

#include <array>

namespace slim {

namespace {
struct Entry {
  std::string_view name;
  ArchFamily family;
};
// SmolLM/SmolLM2 and TinyLlama are published as `llama`.
constexpr std::array<Entry, 2> kArchs{
    {{"llama", ArchFamily::kLlama}, {"qwen2", ArchFamily::kLlama}}};
}  // namespace

ArchFamily arch_family(std::string_view arch) {
  for (const Entry& e : kArchs) {
    if (e.name == arch) return e.family;
  }
  return ArchFamily::kUnknown;
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
