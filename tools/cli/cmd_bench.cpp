// slim bench: prompt and decode speed, time to first token, peak RSS and % of the memory roof.
#include <cstdio>
#include <sstream>

#include "args.hpp"
#include "bench.hpp"
#include "commands.hpp"
#include "core/json_writer.hpp"

namespace slim::cli {

namespace {

bool parse_threads(const std::string& s, std::vector<int>* out) {
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > 256) return false;
    out->push_back(static_cast<int>(v));
  }
  return !out->empty();
}

}  // namespace

int cmd_bench(const std::vector<std::string>& argv) {
  Args a(argv, {"-m", "--model", "-p", "-n", "-t", "--threads", "-r", "--repetitions"},
         {"--json", "--profile", "--help", "-h", "--q8-float-act"});
  if (a.has("--help") || a.has("-h")) {
    std::puts(
        "usage: slim bench -m MODEL [-p 128] [-n 64] [-t 1,2] [-r 3] [--profile] [--q8-float-act]\n"
        "                  [--json]\n"
        "  --q8-float-act  Q8_0 weights times float activations (no 8-bit activation rounding)");
    return 0;
  }
  toolkit::BenchOptions o;
  o.n_prompt = static_cast<int32_t>(a.get_int({"-p"}, 128));
  o.n_decode = static_cast<int32_t>(a.get_int({"-n"}, 64));
  o.repetitions = static_cast<int>(a.get_int({"-r", "--repetitions"}, 3));
  o.profile = a.has("--profile");
  o.q8_0_float_activations = a.has("--q8-float-act");
  if (!a.ok()) return fail("bench", a.error());
  o.threads.clear();
  if (!parse_threads(a.get({"-t", "--threads"}, "1,2"), &o.threads)) {
    return fail("bench", "-t expects a comma-separated list of thread counts, e.g. 1,2");
  }
  const std::string path = a.get({"-m", "--model"});
  if (path.empty())
    return fail("bench", "no model given: pass -m MODEL (make one with slim synth)");
  auto model = Model::load(path);
  if (!model) return fail("bench", model.status().message());
  auto results = toolkit::run_bench(*model, o);
  if (!results) return fail("bench", results.status().message());
  const ModelInfo& info = (*model)->info();
  if (a.has("--json")) {
    JsonWriter j;
    j.begin_array();
    for (const toolkit::BenchResult& r : *results) {
      j.begin_object();
      j.key("model").value(path).key("file_type").value(info.file_type);
      j.key("threads").value(static_cast<int64_t>(r.threads));
      j.key("n_prompt").value(o.n_prompt).key("n_decode").value(o.n_decode);
      j.key("prompt_tokens_per_s").value(r.prompt_tokens_per_s);
      j.key("decode_tokens_per_s").value(r.decode_tokens_per_s);
      j.key("ttft_ms").value(r.ttft_ms);
      j.key("peak_rss_mb").value(r.peak_rss_mb);
      j.key("bandwidth_gb_s").value(r.bandwidth_gb_s);
      j.key("roof_tokens_per_s").value(r.roof_tokens_per_s);
      j.key("percent_of_roof").value(r.percent_of_roof);
      j.end_object();
    }
    j.end_array();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("model: %s  (%s, %s, %.1f MiB, %.1f M params)\n", path.c_str(),
              info.architecture.c_str(), info.file_type.c_str(),
              static_cast<double>(info.file_bytes) / (1024.0 * 1024.0),
              static_cast<double>(info.n_params) / 1e6);
  std::printf(
      "| threads | prompt %d tok/s | decode tok/s | TTFT ms | peak RSS MiB | read GB/s | roof "
      "tok/s | %% of roof |\n",
      o.n_prompt);
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const toolkit::BenchResult& r : *results) {
    std::printf("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f%% |\n", r.threads,
                r.prompt_tokens_per_s, r.decode_tokens_per_s, r.ttft_ms, r.peak_rss_mb,
                r.bandwidth_gb_s, r.roof_tokens_per_s, r.percent_of_roof);
  }
  for (const toolkit::BenchResult& r : *results) {
    if (r.decode_op_ms.empty()) continue;
    double total = 0;
    for (const auto& op : r.decode_op_ms) total += op.second;
    std::printf("\ndecode profile, %d thread(s): ms per token by operation\n", r.threads);
    for (const auto& [name, ms] : r.decode_op_ms) {
      std::printf("  %-20s %8.3f ms  %5.1f%%\n", name.c_str(), ms,
                  total > 0 ? 100.0 * ms / total : 0.0);
    }
  }
  return 0;
}

}  // namespace slim::cli
