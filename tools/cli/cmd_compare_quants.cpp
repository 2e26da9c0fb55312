// slim compare-quants -m F32.gguf -f TEXT --types Q8_0,Q6_K,... -o DIR [--imatrix FILE]: a table
// and a size-vs-KLD plot to choose a type (toolkit/compare_quants.hpp).
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "compare_quants.hpp"

namespace slim::cli {

namespace {

const char kUsage[] =
    "usage: slim compare-quants -m BASE.gguf -f TEXT -o DIR [--types "
    "Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_0]\n"
    "                           [--imatrix FILE] [--ctx 512] [--chunks N] [-t 1] [-n 64] [--keep]\n"
    "  Quantizes BASE to each type and measures file size, bits/weight, perplexity (+- error),\n"
    "  PPL change, mean KL divergence and top-1 agreement against BASE (slim perplexity's\n"
    "  convention) and greedy decode tokens/s. Writes DIR/README.md (table) and\n"
    "  DIR/size_vs_kld.svg (Pareto front highlighted). --keep leaves DIR/<TYPE>.gguf.\n"
    "  W8A8 is not implemented yet.\n";

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string part =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int cmd_compare_quants(const std::vector<std::string>& argv) {
  Args a(argv,
         {"-m", "--model", "-f", "--file", "-o", "--output", "--types", "--imatrix", "--ctx", "-c",
          "--chunks", "-t", "--threads", "-n"},
         {"--keep", "--help", "-h"});
  if (a.has("--help") || a.has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.ok()) return fail("compare-quants", a.error());
  toolkit::CompareOptions o;
  o.model = a.get({"-m", "--model"});
  o.text = a.get({"-f", "--file"});
  o.out_dir = a.get({"-o", "--output"});
  if (o.model.empty() || o.text.empty() || o.out_dir.empty() || !a.positional().empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  o.types = split_commas(a.get({"--types"}, "Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_0"));
  o.imatrix = a.get({"--imatrix"});
  o.ctx = static_cast<int32_t>(a.get_int({"--ctx", "-c"}, 512));
  o.max_chunks = static_cast<int32_t>(a.get_int({"--chunks"}, 0));
  o.n_threads = static_cast<int32_t>(a.get_int({"-t", "--threads"}, 1));
  o.decode_tokens = static_cast<int32_t>(a.get_int({"-n"}, 64));
  o.keep_models = a.has("--keep");
  if (!a.ok()) return fail("compare-quants", a.error());
  if (o.ctx < 4 || o.ctx > (1 << 20) || o.max_chunks < 0 || o.n_threads < 0 || o.n_threads > 256 ||
      o.decode_tokens < 1 || o.decode_tokens > 4096) {
    return fail("compare-quants",
                "--ctx must be in 4..1048576, --chunks >= 0, -t in 0..256, -n in 1..4096");
  }
  o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto rows = toolkit::compare_quants(o);
  if (!rows) return fail("compare-quants", rows.status().message());
  std::fputs(toolkit::compare_markdown(o, *rows).c_str(), stdout);
  std::fprintf(stderr, "wrote %s/README.md and %s/size_vs_kld.svg\n", o.out_dir.c_str(),
               o.out_dir.c_str());
  return 0;
}

}  // namespace slim::cli
