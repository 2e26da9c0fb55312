// Perplexity and KL divergence on a text, as llama.cpp's `llama-perplexity` measures them:
//   - the text is tokenized once (with BOS when the model adds one) and cut into
//     floor(n_tokens / ctx) non-overlapping chunks of ctx tokens (the rest is not used);
//   - each chunk is evaluated from an empty context; when the model adds BOS, the chunk's
//     first token is replaced by BOS;
//   - only the second half is scored: the logits at positions first = ctx/2 .. ctx-2 predict
//     the tokens at first+1 .. ctx-1 (ctx - 1 - ctx/2 predictions per chunk), so every scored
//     token sees at least ctx/2 tokens of context.
// PPL = exp(mean NLL); its error bar is PPL * the standard error of the mean NLL
// (sqrt((E[nll^2] - E[nll]^2) / (N - 1))), first-order propagation as llama.cpp prints it.
// With a base file (logits_file.hpp) written by a full-precision run on the same text and ctx:
// KL(base || this) per scored position (mean +- standard error, median, p99, max), top-1
// agreement (this argmax == base argmax) and PPL(this)/PPL(base) = exp(mean(nll - nll_base)).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

struct PerplexityOptions {
  int32_t ctx = 512;
  int32_t max_chunks = 0;  // 0 = every full chunk of the text
  int32_t n_threads = 0;
  std::string save_logits;  // write a base file here
  std::string kl_base;      // compare with this base file
  // Testing: raw dump of every scored row (i32 n_vocab, then per row: i32 target,
  // f32 logits[n_vocab]), for the numpy reference tests/ref/perplexity_ref.py.
  std::string dump_raw;
  std::function<void(size_t done, size_t total)> progress;  // per chunk
};

struct KldStats {
  double mean = 0, mean_err = 0, median = 0, p99 = 0, max = 0;
  double top1_pct = 0;
  double ppl_base = 0;
  double ppl_ratio = 0, ppl_ratio_err = 0;  // PPL / PPL(base)
};

struct PerplexityResult {
  int32_t ctx = 0;
  int32_t chunks = 0;
  int32_t first = 0;         // first scored position of a chunk
  uint64_t text_tokens = 0;  // tokens of the whole text
  uint64_t scored = 0;       // scored predictions
  double nll_mean = 0;
  double ppl = 0, ppl_err = 0;
  bool has_kld = false;
  KldStats kld;
  double seconds = 0;
};

Result<PerplexityResult> run_perplexity(const std::shared_ptr<const Model>& model,
                                        const std::string& text, const PerplexityOptions& opts);

// The chunks llama.cpp's convention evaluates: chunk c is tokens[c*ctx, (c+1)*ctx) with its
// first token replaced by BOS when add_bos (bos >= 0). Shared with slim imatrix.
std::vector<std::vector<int32_t>> make_chunks(const std::vector<int32_t>& tokens, int32_t ctx,
                                              int32_t max_chunks, bool add_bos, int32_t bos);

// The whole file as bytes (for evaluation and calibration texts); io_error naming the path.
Result<std::string> read_text_file(const std::string& path);

}  // namespace slim::toolkit
