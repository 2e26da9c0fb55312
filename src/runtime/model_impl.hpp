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

namespace hf {
struct Folder;
}

class Model::Impl {
 public:
  ~Impl();
  // Hugging Face folders: the folder's weights (mapped), its metadata as a GGUF header, and
  // the tensors that had to be rearranged (or were misaligned) for the engine.
  std::unique_ptr<hf::Folder> hf;
  std::vector<uint8_t> hf_header;
  std::vector<std::unique_ptr<uint8_t[]>> hf_owned;
  std::unique_ptr<gguf::GgufFile> gguf;      // GGUF models (for HF folders: a view of hf_header)
  MappedFile checkpoint;                     // llama2.c models: the weights
  std::vector<TensorRef> tensors;            // every tensor of the file, in file order
  std::unique_ptr<const Architecture> arch;  // hyper-parameters, bound weights, forward pass
  std::shared_ptr<const Tokenizer> tokenizer;
  ModelInfo info;

  const TensorRef* find_tensor(std::string_view name) const;
};

// The lookup the architecture loaders bind weights through.
TensorLookup lookup_in(const Model::Impl& m);
// Checks the tokenizer against the bound model and fills ModelInfo.
Status finish_load(Model::Impl& m);
// A Hugging Face folder (config.json + weights + tokenizer files), run without converting.
Result<std::unique_ptr<Model::Impl>> load_hf_folder(const std::string& dir);

}  // namespace slim
