// End-to-end speed measurement behind `slim bench`: prompt processing, decode, time to
// first token, peak RSS, and the memory roof (weight bytes per token / measured bandwidth).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

struct BenchOptions {
  int32_t n_prompt = 128;
  int32_t n_decode = 64;
  std::vector<int> threads = {1, 2};
  int repetitions = 1;                  // best of N for each number
  bool profile = false;                 // collect per-op decode time (last repetition)
  bool q8_0_float_activations = false;  // SessionParams::q8_0_float_activations
};

struct BenchResult {
  int threads = 0;
  double prompt_tokens_per_s = 0;
  double decode_tokens_per_s = 0;
  double ttft_ms = 0;            // prompt of n_prompt tokens + first sampled token
  double peak_rss_mb = 0;        // process peak so far (before the bandwidth probe)
  double bandwidth_gb_s = 0;     // sequential-read probe with this many threads
  double roof_tokens_per_s = 0;  // bandwidth / weight bytes read per decoded token
  double percent_of_roof = 0;
  std::vector<std::pair<std::string, double>> decode_op_ms;  // per decoded token, if profiled
};

// Bytes of weights a decode step streams: every matrix once (the embedding table only
// when it doubles as the output head).
uint64_t weight_bytes_per_token(const Model& model);

// Sequential-read bandwidth in GB/s with `threads` threads, each summing its slice of one
// buffer of buffer_bytes (run_bench passes the model's weight bytes per token, clamped to
// 32..512 MiB); best of 5.
double measure_read_bandwidth(int threads, size_t buffer_bytes);

Result<std::vector<BenchResult>> run_bench(const std::shared_ptr<const Model>& model,
                                           const BenchOptions& options);

}  // namespace slim::toolkit
