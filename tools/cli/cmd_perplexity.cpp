// slim perplexity -m MODEL -f TEXT [--ctx 512] [--chunks N] [--save-logits BASE] [--kl-base BASE]
// [--json]: perplexity with its error bar and, against a saved base, KL divergence
// (toolkit/perplexity.hpp describes the convention).
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "core/json_writer.hpp"
#include "perplexity.hpp"
#include "progress.hpp"
#include "slim/model.hpp"

namespace slim::cli {

namespace {

const char kUsage[] =
    "usage: slim perplexity -m MODEL -f TEXT [--ctx 512] [--chunks N] [-t THREADS]\n"
    "                       [--save-logits BASE] [--kl-base BASE] [--json]\n"
    "  Perplexity as llama.cpp's llama-perplexity computes it: the text is tokenized once (BOS\n"
    "  first when the model adds one) and cut into non-overlapping chunks of --ctx tokens; each\n"
    "  chunk starts from an empty context with its first token replaced by BOS; only the second\n"
    "  half is scored (positions ctx/2 .. ctx-2 predict the next token). PPL +- its standard\n"
    "  error (PPL * standard error of the mean NLL).\n"
    "  --chunks N         evaluate at most N chunks (default: all full chunks)\n"
    "  --save-logits BASE write the scored log-probabilities compactly (16 bit per token)\n"
    "  --kl-base BASE     compare with a BASE saved from the full-precision model on the same\n"
    "                     text and --ctx: mean/median/p99 KL divergence, top-1 agreement,\n"
    "                     PPL(this)/PPL(base)\n"
    "  --json             one JSON object on stdout\n"
    "  (testing) --dump-logits FILE  raw float logits of every scored position\n"
    "  Exit codes: 0 ok, 1 error, 2 usage.\n";

}  // namespace

int cmd_perplexity(const std::vector<std::string>& argv) {
  Args a(argv,
         {"-m", "--model", "-f", "--file", "--ctx", "-c", "--chunks", "-t", "--threads",
          "--save-logits", "--kl-base", "--dump-logits"},
         {"--json", "--help", "-h"});
  if (a.has("--help") || a.has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.ok()) return fail("perplexity", a.error());
  const std::string model_path = a.get({"-m", "--model"});
  const std::string text_path = a.get({"-f", "--file"});
  if (model_path.empty() || text_path.empty() || !a.positional().empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  toolkit::PerplexityOptions o;
  o.ctx = static_cast<int32_t>(a.get_int({"--ctx", "-c"}, 512));
  o.max_chunks = static_cast<int32_t>(a.get_int({"--chunks"}, 0));
  o.n_threads = static_cast<int32_t>(a.get_int({"-t", "--threads"}, 0));
  o.save_logits = a.get({"--save-logits"});
  o.kl_base = a.get({"--kl-base"});
  o.dump_raw = a.get({"--dump-logits"});
  if (!a.ok()) return fail("perplexity", a.error());
  if (o.ctx < 4 || o.ctx > (1 << 20)) return fail("perplexity", "--ctx must be in 4..1048576");
  if (o.max_chunks < 0 || o.n_threads < 0 || o.n_threads > 256)
    return fail("perplexity", "--chunks must be >= 0 and -t in 0..256");

  auto model = Model::load(model_path);
  if (!model) return fail("perplexity", model.status().message());
  auto text = toolkit::read_text_file(text_path);
  if (!text) return fail("perplexity", text.status().message());
  Progress progress("perplexity (chunks)");
  o.progress = progress;
  auto r = toolkit::run_perplexity(*model, *text, o);
  if (!r) return fail("perplexity", r.status().message());

  if (a.has("--json")) {
    JsonWriter j;
    j.begin_object();
    j.key("model").value(model_path).key("text").value(text_path);
    j.key("ctx").value(r->ctx).key("chunks").value(r->chunks).key("first_scored").value(r->first);
    j.key("text_tokens").value(r->text_tokens).key("scored_tokens").value(r->scored);
    j.key("nll").value(r->nll_mean).key("ppl").value(r->ppl).key("ppl_err").value(r->ppl_err);
    if (r->has_kld) {
      const toolkit::KldStats& k = r->kld;
      j.key("kld").begin_object();
      j.key("mean").value(k.mean).key("mean_err").value(k.mean_err);
      j.key("median").value(k.median).key("p99").value(k.p99).key("max").value(k.max);
      j.key("top1_pct").value(k.top1_pct).key("ppl_base").value(k.ppl_base);
      j.key("ppl_ratio").value(k.ppl_ratio).key("ppl_ratio_err").value(k.ppl_ratio_err);
      j.end_object();
    }
    j.key("seconds").value(r->seconds);
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("text tokens:   %llu (%d chunks of %d, scoring positions %d..%d of each)\n",
              static_cast<unsigned long long>(r->text_tokens), r->chunks, r->ctx, r->first,
              r->ctx - 2);
  std::printf("scored tokens: %llu\n", static_cast<unsigned long long>(r->scored));
  std::printf("PPL:           %.4f +/- %.4f\n", r->ppl, r->ppl_err);
  if (r->has_kld) {
    const toolkit::KldStats& k = r->kld;
    std::printf("base PPL:      %.4f\n", k.ppl_base);
    std::printf("PPL ratio:     %.5f +/- %.5f (%+.3f%%)\n", k.ppl_ratio, k.ppl_ratio_err,
                100.0 * (k.ppl_ratio - 1.0));
    std::printf("KLD mean:      %.6f +/- %.6f\n", k.mean, k.mean_err);
    std::printf("KLD median:    %.6f\n", k.median);
    std::printf("KLD p99:       %.6f\n", k.p99);
    std::printf("KLD max:       %.6f\n", k.max);
    std::printf("top-1 same:    %.2f%%\n", k.top1_pct);
  }
  if (!o.save_logits.empty()) std::printf("saved base:    %s\n", o.save_logits.c_str());
  return 0;
}

}  // namespace slim::cli
