// What a loaded Model holds. Immutable after Model::load.
#pragma once

#include <memory>
#include <vector>

#include "core/mapped_file.hpp"
#include "format/gguf.hpp"
#include "model/arch.hpp"
#include "model/tensor_ref.hpp"
#include "slim/model.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim {

class Model::Impl {
 public:
  std::unique_ptr<gguf::GgufFile> gguf;      // GGUF models
  MappedFile checkpoint;                     // llama2.c models: the weights
  std::vector<TensorRef> tensors;            // every tensor of the file, in file order
  std::unique_ptr<const Architecture> arch;  // hyper-parameters, bound weights, forward pass
  std::shared_ptr<const Tokenizer> tokenizer;
  ModelInfo info;

  const TensorRef* find_tensor(std::string_view name) const;
};

}  // namespace slim
