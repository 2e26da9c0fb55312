// slim convert HF_DIR OUT.gguf [--type T] [--pure]: a Hugging Face folder to GGUF, natively.
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "convert_hf.hpp"
#include "convert_types.hpp"
#include "progress.hpp"

namespace slim::cli {

int cmd_convert(const std::vector<std::string>& argv) {
  Args a(argv, {"--type"}, {"--help", "-h", "--pure"});
  const bool help = a.has("--help") || a.has("-h");
  if (help || a.positional().size() != 2) {
    std::fprintf(help ? stdout : stderr,
                 "usage: slim convert HF_DIR OUT.gguf [--type TYPE] [--pure]\n"
                 "  HF_DIR  a Hugging Face model folder: config.json, model.safetensors (or\n"
                 "          sharded, or pytorch_model.bin) and tokenizer files\n"
                 "          (LlamaForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel, OPTForCausalLM)\n"
                 "  --type  auto (default: BF16 for a BF16 checkpoint, else F16) or %s\n"
                 "  --pure  every matrix as TYPE's base type (see slim quantize --help)\n",
                 toolkit::file_type_names().c_str());
    return help ? 0 : 2;
  }
  if (!a.ok()) return fail("convert", a.error());
  toolkit::HfConvertOptions options;
  options.type = a.get({"--type"}, "auto");
  options.pure = a.has("--pure");
  Progress reading("converting (tensors)");
  Progress encoding("encoding (tensors)");
  auto progress = [&](int stage, size_t done, size_t total) {
    (stage == 1 ? reading : encoding)(done, total);
  };
  std::vector<std::string> notes;
  Status st =
      toolkit::convert_hf_folder(a.positional()[0], a.positional()[1], options, progress, &notes);
  if (!st) return fail("convert", st.message());
  for (const std::string& n : notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  std::fprintf(stderr, "wrote %s\n", a.positional()[1].c_str());
  return 0;
}

}  // namespace slim::cli
