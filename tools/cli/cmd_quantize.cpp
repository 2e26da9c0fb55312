// slim quantize IN.gguf OUT.gguf TYPE [--pure]: re-encode a model's weight matrices for one of
// llama.cpp's file types (per-tensor mixes as llama.cpp chooses them: toolkit/quant_mix.hpp).
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "convert_types.hpp"
#include "progress.hpp"

namespace slim::cli {

int cmd_quantize(const std::vector<std::string>& argv) {
  for (const std::string& s : argv) {
    if (is_w8a8_type(s)) return cmd_quantize_w8a8(argv);  // SlimLLM's static int8: own options
  }
  Args a(argv, {}, {"--help", "-h", "--pure"});
  const bool help = a.has("--help") || a.has("-h");
  if (help || a.positional().size() != 3) {
    std::fprintf(help ? stdout : stderr,
                 "usage: slim quantize IN.gguf OUT.gguf TYPE [--pure]\n"
                 "  TYPE: %s\n"
                 "  --pure  every matrix as TYPE's base type (no larger types for the output\n"
                 "          head, attention V, FFN down); row-length fallbacks still apply\n"
                 "  W8A8 (SlimLLM-specific static int8): slim quantize IN OUT W8A8 --help\n",
                 toolkit::file_type_names().c_str());
    return help ? 0 : 2;
  }
  if (!a.ok()) return fail("quantize", a.error());
  const auto& p = a.positional();
  auto type = toolkit::parse_convert_type(p[2]);
  if (!type) return fail("quantize", type.status().message());
  toolkit::ConvertOptions options;
  options.pure = a.has("--pure");
  std::vector<std::string> notes;
  Progress progress("quantizing (tensors)");
  Status st = toolkit::convert_gguf_types(p[0], p[1], *type, progress, &notes, options);
  if (!st) return fail("quantize", st.message());
  for (const std::string& n : notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  std::fprintf(stderr, "wrote %s\n", p[1].c_str());
  return 0;
}

}  // namespace slim::cli
