// slim quantize IN.gguf OUT.gguf W8A8 --calib TEXT [...]: SlimLLM's static int8 file
// (toolkit/w8a8_quantize.hpp, docs/adr/0004-w8a8.md). Reached from cmd_quantize when TYPE is W8A8.
#include <algorithm>
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "progress.hpp"
#include "w8a8_quantize.hpp"

namespace slim::cli {

bool is_w8a8_type(const std::string& s) {
  return s == "W8A8" || s == "w8a8";
}

int cmd_quantize_w8a8(const std::vector<std::string>& argv) {
  Args a(argv,
         {"--calib", "--calib-percentile", "--calib-ctx", "--calib-tokens", "--head-type",
          "--threads", "-t"},
         {"--help", "-h", "--verbose"});
  const bool help = a.has("--help") || a.has("-h");
  if (help || a.positional().size() != 3 || !a.has("--calib")) {
    std::fprintf(help ? stdout : stderr,
                 "usage: slim quantize IN.gguf OUT.gguf W8A8 --calib TEXT [options]\n"
                 "  W8A8 is SlimLLM-specific (GGUF type id 0x5338): per-output-channel int8\n"
                 "  weights and a static per-tensor int8 activation scale calibrated on TEXT,\n"
                 "  run with integer dot products. Other GGUF engines cannot load the file.\n"
                 "  IN must be the full-precision (F32/F16/BF16) model.\n"
                 "  --calib TEXT              calibration text (in the target domain)\n"
                 "  --calib-percentile P      clip activations at the P-th percentile of |x|\n"
                 "                            (default 100 = absolute maximum; ADR 0004)\n"
                 "  --calib-ctx N             tokens per calibration window (default 256)\n"
                 "  --calib-tokens N          use at most N calibration tokens (default all)\n"
                 "  --head-type T             token embedding and output head (default Q8_0)\n"
                 "  --threads K               threads for the calibration pass (default 1)\n"
                 "  --verbose                 print each matrix's clip value and saturation\n");
    return help ? 0 : 2;
  }
  toolkit::W8A8Options o;
  o.calib_path = a.get({"--calib"});
  o.percentile = a.get_double({"--calib-percentile"}, 100.0);
  o.calib.n_ctx = static_cast<int32_t>(a.get_int({"--calib-ctx"}, 256));
  o.calib.max_tokens = static_cast<size_t>(std::max<int64_t>(0, a.get_int({"--calib-tokens"}, 0)));
  o.calib.n_threads = static_cast<int>(a.get_int({"--threads", "-t"}, 1));
  if (a.has("--head-type") && !parse_type_name(a.get({"--head-type"}), &o.head_type)) {
    return fail("quantize", "unknown --head-type '" + a.get({"--head-type"}) + "'");
  }
  if (!a.ok()) return fail("quantize", a.error());
  const auto& p = a.positional();
  if (!is_w8a8_type(p[2])) return fail("quantize", "TYPE must be W8A8 here");
  std::vector<std::string> notes;
  toolkit::W8A8Report report;
  Progress progress("quantizing (tensors)");
  Status st = toolkit::quantize_w8a8_file(p[0], p[1], o, progress, &notes, &report);
  if (!st) return fail("quantize", st.message());
  for (const std::string& n : notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  double worst = 0, mean = 0;
  for (const auto& t : report.tensors) {
    worst = std::max(worst, t.saturated);
    mean += t.saturated;
    if (a.has("--verbose")) {
      std::fprintf(stderr, "  %-32s absmax %.4g clip %.4g act_scale %.4g saturated %.4f%%\n",
                   t.name.c_str(), t.absmax, t.clip, t.act_scale, 100.0 * t.saturated);
    }
  }
  if (!report.tensors.empty()) mean /= static_cast<double>(report.tensors.size());
  std::fprintf(stderr,
               "calibrated %zu W8A8 matrices on %zu tokens (percentile %g): activations beyond "
               "the clip value (saturated at +-127): mean %.4f%%, worst %.4f%%\n",
               report.tensors.size(), report.calib_tokens, o.percentile, 100.0 * mean,
               100.0 * worst);
  std::fprintf(stderr, "wrote %s (W8A8 is SlimLLM-specific: other GGUF engines cannot load it)\n",
               p[1].c_str());
  return 0;
}

}  // namespace slim::cli
