#include "perplexity.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <vector>

#include "logits_file.hpp"
#include "slim/session.hpp"

namespace slim::toolkit {

namespace {

// Running sums for a mean and its standard error.
struct Moments {
  double sum = 0, sum2 = 0;
  uint64_t n = 0;
  void add(double v) {
    sum += v;
    sum2 += v * v;
    ++n;
  }
  double mean() const { return n ? sum / static_cast<double>(n) : 0; }
  double stderr_of_mean() const {
    if (n < 2) return 0;
    const double m = mean();
    const double var = sum2 / static_cast<double>(n) - m * m;
    return var > 0 ? std::sqrt(var / static_cast<double>(n - 1)) : 0;
  }
};

double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Linear interpolation between closest ranks (numpy's default).
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  if (i + 1 >= v.size()) return v.back();
  return v[i] + frac * (v[i + 1] - v[i]);
}

}  // namespace

std::vector<std::vector<int32_t>> make_chunks(const std::vector<int32_t>& tokens, int32_t ctx,
                                              int32_t max_chunks, bool add_bos, int32_t bos) {
  std::vector<std::vector<int32_t>> chunks;
  if (ctx <= 0) return chunks;
  size_t n = tokens.size() / static_cast<size_t>(ctx);
  if (max_chunks > 0) n = std::min(n, static_cast<size_t>(max_chunks));
  for (size_t c = 0; c < n; ++c) {
    const auto begin = tokens.begin() + static_cast<std::ptrdiff_t>(c * static_cast<size_t>(ctx));
    chunks.emplace_back(begin, begin + ctx);
    if (add_bos && bos >= 0) chunks.back()[0] = bos;
  }
  return chunks;
}

Result<PerplexityResult> run_perplexity(const std::shared_ptr<const Model>& model,
                                        const std::string& text, const PerplexityOptions& opts) {
  if (!model) return invalid_argument("perplexity: null model");
  if (opts.ctx < 4) return invalid_argument("perplexity: --ctx must be at least 4");
  if (opts.max_chunks < 0) return invalid_argument("perplexity: --chunks must be >= 0");
  const auto t0 = std::chrono::steady_clock::now();
  const bool add_bos = model->add_bos_default();
  SLIM_ASSIGN_OR_RETURN(std::vector<int32_t> tokens, model->tokenize(text, add_bos));
  const auto chunks = make_chunks(tokens, opts.ctx, opts.max_chunks, add_bos, model->info().bos_id);
  if (chunks.empty()) {
    return invalid_argument("perplexity: the text has " + std::to_string(tokens.size()) +
                            " tokens, fewer than one chunk of --ctx " + std::to_string(opts.ctx) +
                            " (use a longer text or a smaller --ctx)");
  }
  SessionParams sp;
  sp.n_ctx = opts.ctx;
  sp.n_threads = opts.n_threads;
  SLIM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::create(model, sp));
  const int32_t n_vocab = session->n_vocab();
  const int32_t ctx = opts.ctx;
  const int32_t first = ctx / 2;

  PerplexityResult res;
  res.ctx = ctx;
  res.chunks = static_cast<int32_t>(chunks.size());
  res.first = first;
  res.text_tokens = tokens.size();

  LogitsHeader header;
  header.n_vocab = static_cast<uint32_t>(n_vocab);
  header.n_ctx = static_cast<uint32_t>(ctx);
  header.first = static_cast<uint32_t>(first);
  header.n_chunks = static_cast<uint32_t>(chunks.size());

  std::unique_ptr<LogitsWriter> writer;
  if (!opts.save_logits.empty()) {
    SLIM_ASSIGN_OR_RETURN(writer, LogitsWriter::create(opts.save_logits, header));
  }
  std::unique_ptr<LogitsReader> base;
  if (!opts.kl_base.empty()) {
    SLIM_ASSIGN_OR_RETURN(base, LogitsReader::open_file(opts.kl_base));
    const LogitsHeader& bh = base->header();
    if (bh.n_vocab != header.n_vocab || bh.n_ctx != header.n_ctx || bh.first != header.first) {
      return invalid_argument("perplexity: base " + opts.kl_base + " was written with n_vocab " +
                              std::to_string(bh.n_vocab) + ", ctx " + std::to_string(bh.n_ctx) +
                              "; this run has n_vocab " + std::to_string(n_vocab) + ", ctx " +
                              std::to_string(ctx));
    }
    if (bh.n_chunks < header.n_chunks) {
      return invalid_argument("perplexity: base " + opts.kl_base + " has " +
                              std::to_string(bh.n_chunks) + " chunks, this run needs " +
                              std::to_string(header.n_chunks));
    }
  }
  std::ofstream dump;
  if (!opts.dump_raw.empty()) {
    dump.open(opts.dump_raw, std::ios::binary | std::ios::trunc);
    if (!dump) return io_error("perplexity: cannot create " + opts.dump_raw);
    dump.write(reinterpret_cast<const char*>(&n_vocab), 4);
  }

  Moments nll, kld, diff;
  std::vector<double> klds;
  uint64_t top1_same = 0;
  std::vector<int32_t> base_tokens;
  LogProbRow brow;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const std::vector<int32_t>& ch = chunks[c];
    if (writer) SLIM_TRY(writer->write_chunk_tokens(ch.data()));
    if (base) {
      SLIM_TRY(base->read_chunk_tokens(&base_tokens));
      if (base_tokens != ch) {
        return invalid_argument("perplexity: chunk " + std::to_string(c) + " of base " +
                                opts.kl_base +
                                " holds other tokens than this text gives (different text or "
                                "tokenizer?)");
      }
    }
    session->reset();
    // Positions 0..first in one call (its logits are those of position `first`), then one
    // token at a time: Session keeps only the last position's logits, and results do not
    // depend on how the tokens are split into calls.
    SLIM_TRY(session->eval(std::vector<int32_t>(ch.begin(), ch.begin() + first + 1)));
    for (int32_t p = first; p <= ctx - 2; ++p) {
      if (p > first) SLIM_TRY(session->eval({ch[static_cast<size_t>(p)]}));
      const float* lg = session->logits();
      const int32_t target = ch[static_cast<size_t>(p) + 1];
      double mx = lg[0];
      int32_t top1 = 0;
      for (int32_t j = 1; j < n_vocab; ++j) {
        if (lg[j] > mx) {
          mx = lg[j];
          top1 = j;
        }
      }
      double sum = 0;
      for (int32_t j = 0; j < n_vocab; ++j) sum += std::exp(static_cast<double>(lg[j]) - mx);
      const double lse = mx + std::log(sum);
      const double row_nll = lse - static_cast<double>(lg[target]);
      nll.add(row_nll);
      if (writer) SLIM_TRY(writer->write_row(lg, target));
      if (dump) {
        dump.write(reinterpret_cast<const char*>(&target), 4);
        dump.write(reinterpret_cast<const char*>(lg), static_cast<std::streamsize>(4 * n_vocab));
      }
      if (base) {
        SLIM_TRY(base->read_row(&brow));
        double k = 0;
        for (int32_t j = 0; j < n_vocab; ++j) {
          const double lp = brow.logp[static_cast<size_t>(j)];
          k += std::exp(lp) * (lp - (static_cast<double>(lg[j]) - lse));
        }
        k = std::max(k, 0.0);  // rounding can give -1e-17
        kld.add(k);
        klds.push_back(k);
        diff.add(row_nll - static_cast<double>(brow.nll));
        if (static_cast<uint32_t>(top1) == brow.top1) ++top1_same;
      }
    }
    if (opts.progress) opts.progress(c + 1, chunks.size());
  }
  if (writer) SLIM_TRY(writer->finish());
  if (dump) {
    dump.close();
    if (!dump) return io_error("perplexity: write failed: " + opts.dump_raw);
  }

  res.scored = nll.n;
  res.nll_mean = nll.mean();
  res.ppl = std::exp(res.nll_mean);
  res.ppl_err = res.ppl * nll.stderr_of_mean();
  if (base) {
    res.has_kld = true;
    KldStats& k = res.kld;
    k.mean = kld.mean();
    k.mean_err = kld.stderr_of_mean();
    k.max = klds.empty() ? 0 : *std::max_element(klds.begin(), klds.end());
    k.median = quantile(klds, 0.5);
    k.p99 = quantile(klds, 0.99);
    k.top1_pct = 100.0 * static_cast<double>(top1_same) / static_cast<double>(kld.n);
    k.ppl_base = std::exp(res.nll_mean - diff.mean());
    k.ppl_ratio = std::exp(diff.mean());
    k.ppl_ratio_err = k.ppl_ratio * diff.stderr_of_mean();
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open text file " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return io_error("cannot read text file " + path);
  return text;
}

}  // namespace slim::toolkit
