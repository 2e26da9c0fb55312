// slim imatrix -m MODEL -f CALIB.txt -o FILE [--ctx 512] [--chunks N]: per weight matrix and input
// column, the mean of x^2 over the calibration tokens, in llama.cpp's legacy imatrix.dat format
// (toolkit/imatrix.hpp).
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "imatrix.hpp"
#include "perplexity.hpp"
#include "progress.hpp"

namespace slim::cli {

namespace {

const char kUsage[] =
    "usage: slim imatrix -m MODEL -f CALIB.txt -o FILE.imatrix [--ctx 512] [--chunks N] [-t T]\n"
    "  Runs the calibration text through the model in chunks of --ctx tokens (as slim perplexity\n"
    "  cuts them) and stores, for every weight matrix of the layers (blk.*) and every input\n"
    "  column, the mean of the squared input activation. The file is llama.cpp's imatrix.dat\n"
    "  (legacy) format: slim quantize --imatrix and llama-quantize --imatrix both read it.\n"
    "  (testing) --dump-activations FILE  raw copy of every observed matrix input\n";

}  // namespace

int cmd_imatrix(const std::vector<std::string>& argv) {
  Args a(argv,
         {"-m", "--model", "-f", "--file", "-o", "--output", "--ctx", "-c", "--chunks", "-t",
          "--threads", "--dump-activations"},
         {"--help", "-h"});
  if (a.has("--help") || a.has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.ok()) return fail("imatrix", a.error());
  const std::string model_path = a.get({"-m", "--model"});
  const std::string text_path = a.get({"-f", "--file"});
  const std::string out_path = a.get({"-o", "--output"});
  if (model_path.empty() || text_path.empty() || out_path.empty() || !a.positional().empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  toolkit::ImatrixOptions o;
  o.ctx = static_cast<int32_t>(a.get_int({"--ctx", "-c"}, 512));
  o.max_chunks = static_cast<int32_t>(a.get_int({"--chunks"}, 0));
  o.n_threads = static_cast<int32_t>(a.get_int({"-t", "--threads"}, 0));
  o.dump_activations = a.get({"--dump-activations"});
  if (!a.ok()) return fail("imatrix", a.error());
  if (o.ctx < 2 || o.ctx > (1 << 20)) return fail("imatrix", "--ctx must be in 2..1048576");
  if (o.max_chunks < 0 || o.n_threads < 0 || o.n_threads > 256)
    return fail("imatrix", "--chunks must be >= 0 and -t in 0..256");
  auto model = Model::load(model_path);
  if (!model) return fail("imatrix", model.status().message());
  auto text = toolkit::read_text_file(text_path);
  if (!text) return fail("imatrix", text.status().message());
  Progress progress("imatrix (chunks)");
  o.progress = progress;
  auto m = toolkit::compute_imatrix(*model, *text, o, text_path);
  if (!m) return fail("imatrix", m.status().message());
  Status st = toolkit::save_imatrix(*m, out_path);
  if (!st) return fail("imatrix", st.message());
  std::fprintf(stderr, "wrote %s: %zu matrices, %d chunks of %d tokens\n", out_path.c_str(),
               m->entries.size(), m->chunks, o.ctx);
  return 0;
}

}  // namespace slim::cli
