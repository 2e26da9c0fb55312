// A Hugging Face model folder opened for use: config.json planned onto GGUF (plan.hpp), the
// weights mapped (format/hf_weights.hpp), the tokenizer loaded, the chat template read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "format/gguf_writer.hpp"
#include "format/hf_weights.hpp"
#include "hf/plan.hpp"
#include "slim/status.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace slim::hf {

struct Folder {
  std::string dir;
  std::string name;  // general.name: the folder's name
  HfWeights weights;
  ModelPlan plan;
  tok::LoadedTokenizer tokenizer;
  std::string chat_template;  // tokenizer_config.json chat_template ("" if none)
};

// True if `path` is a directory holding a config.json.
bool is_hf_folder(const std::string& path);

// Opens `dir`; errors name the file and field at fault.
Result<std::unique_ptr<Folder>> open_folder(const std::string& dir);

// The checkpoint tensor a plan entry reads (checked by open_folder to exist).
const WeightTensor& source_of(const Folder& f, const TensorPlan& t);

// general.* and {arch}.* metadata of the plan (general.name included) into w.
void put_model_metadata(const Folder& f, gguf::GgufWriter& w);

}  // namespace slim::hf
