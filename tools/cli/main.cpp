// `slim`: the SlimLLM command line. Logic lives in libslim; this only dispatches.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.hpp"

namespace {

const char kUsage[] =
    "usage: slim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       generate text:        slim run -m MODEL [-p PROMPT] [-n N] [--temp T] [--seed S] "
    "...\n"
    "  info      describe a model:     slim info -m MODEL [--tensors] [--json]\n"
    "  tokenize  text to token ids:    slim tokenize -m MODEL (-p TEXT | -f FILE) [--ids] "
    "[--no-bos]\n"
    "  quantize  convert weight types: slim quantize IN.gguf OUT.gguf TYPE [--imatrix F] "
    "[--gate-ppl PCT -f TEXT]\n"
    "  bench     measure speed:        slim bench -m MODEL [-p 128] [-n 64] [-t 1,2] [--json]\n"
    "  synth     random-weight model:  slim synth --shape smollm2-135m [--type Q8_0] -o FILE.gguf\n"
    "  convert   Hugging Face -> GGUF: slim convert HF_DIR OUT.gguf [--type F16|Q8_0|...]\n"
    "  chat      interactive chat:     slim chat -m MODEL [--chat-template NAME] [--system TEXT]\n"
    "  perplexity  PPL and KLD:        slim perplexity -m MODEL -f TEXT [--kl-base BASE] [--json]\n"
    "  imatrix   importance matrix:    slim imatrix -m MODEL -f CALIB.txt -o FILE.imatrix\n"
    "  compare-quants  size vs quality: slim compare-quants -m F32.gguf -f TEXT -o DIR\n"
    "  serve     OpenAI-compatible HTTP server: slim serve -m MODEL [--port 8080] [--parallel 4]\n"
    "\n"
    "run 'slim <command> --help' for the options of a command.\n";

}  // namespace

namespace slim::cli {

int fail(const std::string& cmd, const std::string& message) {
  std::fprintf(stderr, "slim %s: %s\n", cmd.c_str(), message.c_str());
  return 1;
}

}  // namespace slim::cli

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "run") return slim::cli::cmd_run(args);
  if (cmd == "info") return slim::cli::cmd_info(args);
  if (cmd == "tokenize") return slim::cli::cmd_tokenize(args);
  if (cmd == "quantize") return slim::cli::cmd_quantize(args);
  if (cmd == "bench") return slim::cli::cmd_bench(args);
  if (cmd == "synth") return slim::cli::cmd_synth(args);
  if (cmd == "convert") return slim::cli::cmd_convert(args);
  if (cmd == "chat") return slim::cli::cmd_chat(args);
  if (cmd == "perplexity") return slim::cli::cmd_perplexity(args);
  if (cmd == "imatrix") return slim::cli::cmd_imatrix(args);
  if (cmd == "compare-quants") return slim::cli::cmd_compare_quants(args);
  if (cmd == "serve") return slim::cli::cmd_serve(args);
  std::fprintf(stderr, "slim: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
