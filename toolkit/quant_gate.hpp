// The accuracy gate of `slim quantize --gate-ppl`: perplexity of the base and the quantized model
// on one text (slim perplexity's convention, perplexity.hpp) and whether the rise stays within
// a limit.
#pragma once

#include <cstdint>
#include <string>

#include "slim/status.hpp"

namespace slim::toolkit {

struct GateOptions {
  double max_rise_pct = 2.0;  // fail when 100 * (PPL(quant) / PPL(base) - 1) > this
  int32_t ctx = 512;
  int32_t max_chunks = 0;
  int32_t n_threads = 0;
};

struct GateResult {
  double ppl_base = 0, ppl_quant = 0;
  double rise_pct = 0;  // 100 * (ppl_quant / ppl_base - 1)
  double mean_kld = 0;
  bool passed = false;
};

// Errors (unreadable models or text, text shorter than one chunk) are Status, not a failed gate.
Result<GateResult> run_ppl_gate(const std::string& base_model, const std::string& quant_model,
                                const std::string& text_path, const GateOptions& opts);

}  // namespace slim::toolkit
