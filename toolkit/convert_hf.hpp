// `slim convert`: a Hugging Face folder (config.json + safetensors or pytorch_model.bin +
// tokenizer files) to a standard GGUF file, natively (no Python).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "slim/status.hpp"

namespace slim::toolkit {

struct HfConvertOptions {
  // "auto" (BF16 for a BF16 checkpoint, else F16), or any file type of quant_mix.hpp
  // (F32, F16, BF16, Q8_0, Q4_K_M ...).
  std::string type = "auto";
  bool pure = false;  // as `slim quantize --pure`
};

// Writes out_path atomically. Tensors are first written in the checkpoint's own precision
// (transposed / permuted into GGUF's layout) to out_path + ".hf.tmp", then re-encoded for the
// requested type by convert_gguf_types (the temporary is removed in every case).
// progress(stage, done, total): stage 1 = reading the checkpoint, 2 = encoding.
Status convert_hf_folder(const std::string& dir, const std::string& out_path,
                         const HfConvertOptions& options,
                         const std::function<void(int stage, size_t done, size_t total)>& progress,
                         std::vector<std::string>* notes);

}  // namespace slim::toolkit
