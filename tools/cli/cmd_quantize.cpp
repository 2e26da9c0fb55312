// slim quantize IN.gguf OUT.gguf TYPE: re-encode a model's weight matrices.
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "convert_types.hpp"
#include "progress.hpp"

namespace slim::cli {

int cmd_quantize(const std::vector<std::string>& argv) {
  Args a(argv, {}, {"--help", "-h"});
  if (a.has("--help") || a.has("-h") || a.positional().size() != 3) {
    std::fputs("usage: slim quantize IN.gguf OUT.gguf TYPE   (TYPE: F32 F16 BF16 Q8_0 Q4_0)\n",
               a.has("--help") || a.has("-h") ? stdout : stderr);
    return a.has("--help") || a.has("-h") ? 0 : 2;
  }
  if (!a.ok()) return fail("quantize", a.error());
  const auto& p = a.positional();
  auto type = toolkit::parse_convert_type(p[2]);
  if (!type) return fail("quantize", type.status().message());
  std::vector<std::string> notes;
  Progress progress("quantizing (tensors)");
  Status st = toolkit::convert_gguf_types(p[0], p[1], *type, progress, &notes);
  if (!st) return fail("quantize", st.message());
  for (const std::string& n : notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  std::fprintf(stderr, "wrote %s\n", p[1].c_str());
  return 0;
}

}  // namespace slim::cli
