// `slim compare-quants`: quantize one full-precision model to several file types and measure each
// on one text: file size, bits per weight, PPL (+- error), PPL change, mean KLD and top-1
// agreement against the base (perplexity.hpp's convention), and decode speed. Writes
// <dir>/README.md (a table) and <dir>/size_vs_kld.svg (svg_plot.hpp, Pareto front highlighted).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "slim/status.hpp"

namespace slim::toolkit {

struct CompareOptions {
  std::string model;  // the base (F32/F16/BF16 GGUF)
  std::string text;
  std::vector<std::string> types;  // file type names (Q8_0, Q4_K_M ...)
  std::string out_dir;
  std::string imatrix;  // optional, applied to every type
  int32_t ctx = 512;
  int32_t max_chunks = 0;
  int32_t n_threads = 1;       // perplexity, quantization and decode-speed threads
  int32_t decode_tokens = 64;  // decode speed: greedy tokens after BOS, best of 3 runs
  bool keep_models = false;    // keep <dir>/<TYPE>.gguf
  std::function<void(const std::string& line)> log;  // progress lines
};

struct CompareRow {
  std::string type;  // "F32 (base)" for the base row
  uint64_t file_bytes = 0;
  double bits_per_weight = 0;  // 8 * tensor data bytes / tensor elements
  double ppl = 0, ppl_err = 0, dppl_pct = 0;
  double kld_mean = 0, top1_pct = 0;
  double decode_tps = 0;
  bool pareto = false;
  std::vector<std::string> notes;
};

Result<std::vector<CompareRow>> compare_quants(const CompareOptions& opts);

// README.md text for the rows (exposed for tests).
std::string compare_markdown(const CompareOptions& opts, const std::vector<CompareRow>& rows);

}  // namespace slim::toolkit
