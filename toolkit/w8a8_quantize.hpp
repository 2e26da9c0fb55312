// `slim quantize IN OUT W8A8 --calib TEXT`: SlimLLM's static int8 file (ADR 0004,
// docs/formats.md). Calibrates the activation scales on TEXT (w8a8_calib.hpp), then writes every
// matrix the forward pass multiplies with as W8A8 (per-output-channel int8 with an f32 row
// scale) plus its 1-element F32 `<name>.act_scale`; the token embedding and the output head as
// `head_type` (Q8_0 by default); 1-D tensors as F32. Other GGUF engines cannot load the result.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "quant/types.hpp"
#include "slim/status.hpp"
#include "w8a8_calib.hpp"

namespace slim::toolkit {

struct W8A8Options {
  std::string calib_path;                    // calibration text (UTF-8)
  double percentile = 100.0;                 // clip = this percentile of |x| (100 = absmax)
  TensorType head_type = TensorType::kQ8_0;  // token_embd.weight and output.weight
  W8A8CalibOptions calib;
};

struct W8A8TensorReport {
  std::string name;
  float absmax = 0, clip = 0, act_scale = 0;
  double saturated = 0;  // fraction of calibration activations with |x| > clip
};

struct W8A8Report {
  size_t calib_tokens = 0;
  std::vector<W8A8TensorReport> tensors;  // the W8A8 matrices
};

// The scale the runtime uses for a matrix whose calibrated clip value is `clip`: clip / 127
// (1 when the matrix never saw a non-zero input, so that the scale stays > 0).
float w8a8_act_scale(float clip);

Status quantize_w8a8_file(const std::string& in_path, const std::string& out_path,
                          const W8A8Options& options,
                          const std::function<void(size_t done, size_t total)>& progress = {},
                          std::vector<std::string>* notes = nullptr, W8A8Report* report = nullptr);

}  // namespace slim::toolkit
