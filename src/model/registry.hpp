// Which architectures the engine can run, by GGUF `general.architecture` name.
#pragma once

#include <string>
#include <string_view>

namespace slim {

enum class ArchFamily { kUnknown, kLlama };

// The forward-pass family for an architecture name (kUnknown if unsupported).
ArchFamily arch_family(std::string_view arch);
// "llama, qwen2" — for error messages.
std::string supported_architectures();

}  // namespace slim
