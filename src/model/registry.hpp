// Which architectures the engine can run, by GGUF `general.architecture` name, and the loader
// of each (llama.cpp's pattern: one build function per architecture).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "model/arch.hpp"
#include "model/tensor_ref.hpp"
#include "slim/status.hpp"

namespace slim {

namespace gguf {
class GgufFile;
}

// Reads the architecture's hyper-parameters from the file's metadata, validates them, and binds
// every weight (through `lookup`) with a shape and type check.
using ArchLoader = Result<std::unique_ptr<Architecture>> (*)(const gguf::GgufFile& file,
                                                             const TensorLookup& lookup);

// The loader for an architecture name; nullptr if unsupported.
ArchLoader find_arch_loader(std::string_view arch);
// "llama, qwen2, ..." — for error messages.
std::string supported_architectures();

}  // namespace slim
