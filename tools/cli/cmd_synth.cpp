// slim synth: random-weight GGUF models with real shapes, for benchmarks without downloads.
#include <cstdio>
#include <cstdlib>

#include "args.hpp"
#include "commands.hpp"
#include "convert_types.hpp"
#include "progress.hpp"
#include "synth.hpp"

namespace slim::cli {

int cmd_synth(const std::vector<std::string>& argv) {
  Args a(argv, {"--shape", "--type", "-o", "--output", "--seed", "--shared"},
         {"--help", "-h", "--list"});
  std::string shapes;
  for (const toolkit::SynthShape& s : toolkit::synth_shapes())
    shapes += (shapes.empty() ? "" : "|") + s.name;
  if (a.has("--help") || a.has("-h") || a.has("--list")) {
    std::printf(
        "usage: slim synth --shape %s [--type Q8_0] -o FILE.gguf [--seed N] [--shared DIR]\n"
        "  --type: %s\n",
        shapes.c_str(), toolkit::file_type_names().c_str());
    return 0;
  }
  if (!a.ok()) return fail("synth", a.error());
  auto shape = toolkit::find_synth_shape(a.get({"--shape"}));
  if (!shape) return fail("synth", shape.status().message());
  const std::string out = a.get({"-o", "--output"});
  if (out.empty()) return fail("synth", "no output file: pass -o FILE.gguf");
  toolkit::SynthOptions o;
  auto type = toolkit::parse_convert_type(a.get({"--type"}, "Q8_0"));
  if (!type) return fail("synth", type.status().message());
  o.type = *type;
  o.seed = static_cast<uint64_t>(a.get_int({"--seed"}, 1));
  const char* env = std::getenv("SLIM_SHARED_DIR");
  o.shared_dir = a.get({"--shared"}, env ? env : "../shared");
  if (!a.ok()) return fail("synth", a.error());
  std::vector<std::string> notes;
  Progress progress("synth " + shape->name + " (tensors)");
  Status st = toolkit::write_synth_model(*shape, o, out, progress, &notes);
  if (!st) return fail("synth", st.message());
  for (const std::string& n : notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  std::fprintf(stderr, "wrote %s\n", out.c_str());
  return 0;
}

}  // namespace slim::cli
