// slim quantize IN.gguf OUT.gguf TYPE [--pure] [--imatrix FILE] [--output-type T]
// [--embedding-type T] [--threads K] [--gate-ppl PCT -f TEXT]: re-encode a model's weight
// matrices for one of llama.cpp's file types (per-tensor mixes as llama.cpp chooses them:
// toolkit/quant_mix.hpp), optionally weighted by an importance matrix and checked by a
// perplexity gate (toolkit/quant_gate.hpp).
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "args.hpp"
#include "commands.hpp"
#include "convert_types.hpp"
#include "imatrix_file.hpp"
#include "progress.hpp"
#include "quant_gate.hpp"

namespace slim::cli {

namespace {

const char kUsage[] =
    "usage: slim quantize IN.gguf OUT.gguf TYPE [--pure] [--imatrix FILE] [--output-type T]\n"
    "                     [--embedding-type T] [--threads K] [--gate-ppl PCT -f TEXT\n"
    "                     [--gate-ctx 512] [--gate-chunks N]]\n"
    "  TYPE: %s\n"
    "  --pure              every matrix as TYPE's base type (no larger types for the output\n"
    "                      head, attention V, FFN down); row-length fallbacks still apply\n"
    "  --imatrix FILE      importance matrix (slim imatrix, or llama-imatrix's imatrix.dat):\n"
    "                      Q4_0..Q5_1 and Q2_K..Q6_K tensors use ggml's weighted quantizers (Q8_0\n"
    "                      and float types ignore it); without it the output is bit-identical to\n"
    "                      ggml's reference quantizers\n"
    "  --output-type T     tensor type of output.weight (F32 F16 BF16 Q8_0 Q4_0 ... Q6_K)\n"
    "  --embedding-type T  tensor type of token_embd.weight\n"
    "  --threads K         quantize with K threads (0 = all cores; output identical for any K)\n"
    "  --gate-ppl PCT      after writing, measure the perplexity of IN and OUT on TEXT (-f) as\n"
    "                      slim perplexity does (--gate-ctx, --gate-chunks) and fail when OUT's "
    "is\n"
    "                      more than PCT %% above IN's (e.g. --gate-ppl 2 or --gate-ppl 2%%)\n"
    "  Exit codes: 0 written (and gate passed), 1 error, 2 usage, 3 gate failed (OUT is kept).\n"
    "  W8A8 (SlimLLM-specific static int8): slim quantize IN OUT W8A8 --help\n";

}  // namespace

int cmd_quantize(const std::vector<std::string>& argv) {
  for (const std::string& s : argv) {
    if (is_w8a8_type(s)) return cmd_quantize_w8a8(argv);  // SlimLLM's static int8: own options
  }
  Args a(argv,
         {"--imatrix", "--output-type", "--embedding-type", "--threads", "-t", "--gate-ppl", "-f",
          "--file", "--gate-ctx", "--gate-chunks"},
         {"--help", "-h", "--pure"});
  const bool help = a.has("--help") || a.has("-h");
  if (help || a.positional().size() != 3) {
    std::fprintf(help ? stdout : stderr, kUsage, toolkit::file_type_names().c_str());
    return help ? 0 : 2;
  }
  if (!a.ok()) return fail("quantize", a.error());
  const auto& p = a.positional();
  auto type = toolkit::parse_convert_type(p[2]);
  if (!type) return fail("quantize", type.status().message());
  toolkit::ConvertOptions options;
  options.pure = a.has("--pure");
  options.n_threads = static_cast<int>(a.get_int({"--threads", "-t"}, 1));
  // "--gate-ppl 2" or "--gate-ppl 2%".
  std::string gate_arg = a.get({"--gate-ppl"});
  if (!gate_arg.empty() && gate_arg.back() == '%') gate_arg.pop_back();
  double gate_pct = -1.0;
  if (a.has("--gate-ppl")) {
    char* end = nullptr;
    gate_pct = std::strtod(gate_arg.c_str(), &end);
    if (gate_arg.empty() || *end != '\0' || !std::isfinite(gate_pct))
      return fail("quantize", "--gate-ppl expects a percentage such as 2 or 2%, got '" +
                                  a.get({"--gate-ppl"}) + "'");
  }
  const int64_t gate_ctx = a.get_int({"--gate-ctx"}, 512);
  const int64_t gate_chunks = a.get_int({"--gate-chunks"}, 0);
  if (!a.ok()) return fail("quantize", a.error());
  if (options.n_threads < 0 || options.n_threads > 256)
    return fail("quantize", "--threads must be in 0..256");
  const bool gate = a.has("--gate-ppl");
  const std::string gate_text = a.get({"-f", "--file"});
  if (gate && (gate_pct < 0 || gate_text.empty()))
    return fail("quantize", "--gate-ppl needs a percentage >= 0 and a text (-f TEXT)");
  if (!gate && !gate_text.empty()) return fail("quantize", "-f is only used with --gate-ppl");
  for (const auto& [flag, slot] : {std::pair{"--output-type", &options.output_type},
                                   std::pair{"--embedding-type", &options.embedding_type}}) {
    if (!a.has(flag)) continue;
    TensorType t;
    if (!parse_type_name(a.get({flag}), &t))
      return fail("quantize", std::string(flag) + ": unknown tensor type '" + a.get({flag}) + "'");
    *slot = t;
  }
  toolkit::Imatrix imatrix;
  if (a.has("--imatrix")) {
    auto m = toolkit::load_imatrix(a.get({"--imatrix"}));
    if (!m) return fail("quantize", m.status().message());
    imatrix = std::move(*m);
    options.imatrix = &imatrix;
  }
  std::vector<std::string> notes;
  Progress progress("quantizing (tensors)");
  Status st = toolkit::convert_gguf_types(p[0], p[1], *type, progress, &notes, options);
  if (!st) return fail("quantize", st.message());
  for (const std::string& n : notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  std::fprintf(stderr, "wrote %s\n", p[1].c_str());
  if (!gate) return 0;

  toolkit::GateOptions g;
  g.max_rise_pct = gate_pct;
  g.ctx = static_cast<int32_t>(gate_ctx);
  g.max_chunks = static_cast<int32_t>(gate_chunks);
  auto r = toolkit::run_ppl_gate(p[0], p[1], gate_text, g);
  if (!r) return fail("quantize", "gate: " + r.status().message());
  std::printf("gate: PPL %s %.4f, %s %.4f: %+.3f%% (limit +%.3f%%), mean KLD %.6f -> %s\n",
              p[0].c_str(), r->ppl_base, p[1].c_str(), r->ppl_quant, r->rise_pct, gate_pct,
              r->mean_kld, r->passed ? "passed" : "FAILED");
  return r->passed ? 0 : 3;
}

}  // namespace slim::cli
