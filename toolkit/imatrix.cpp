#include "imatrix.hpp"

#include <cstdio>

#include "perplexity.hpp"
#include "slim/session.hpp"

namespace slim::toolkit {

void ImatrixCollector::observe(const kernels::MatrixView& w, const float* x, size_t n_tok) {
  if (w.name.substr(0, 4) != "blk.") return;
  auto it = acc_.find(w.name);
  if (it == acc_.end()) it = acc_.emplace(std::string(w.name), Acc{}).first;
  Acc& a = it->second;
  const auto cols = static_cast<size_t>(w.cols);
  if (a.sums.empty()) a.sums.assign(cols, 0.0);
  if (a.sums.size() != cols) return;  // cannot happen: one name, one shape
  for (size_t t = 0; t < n_tok; ++t) {
    const float* row = x + t * cols;
    for (size_t j = 0; j < cols; ++j) a.sums[j] += static_cast<double>(row[j]) * row[j];
  }
  a.count += n_tok;
  ++a.ncall;
  if (dump_) {
    const auto len = static_cast<int32_t>(w.name.size());
    const auto nt = static_cast<int32_t>(n_tok);
    const auto nc = static_cast<int32_t>(cols);
    std::fwrite(&len, 4, 1, dump_.get());
    std::fwrite(w.name.data(), 1, w.name.size(), dump_.get());
    std::fwrite(&nt, 4, 1, dump_.get());
    std::fwrite(&nc, 4, 1, dump_.get());
    std::fwrite(x, sizeof(float), n_tok * cols, dump_.get());
  }
}

Status ImatrixCollector::dump_to(const std::string& path) {
  dump_.reset(std::fopen(path.c_str(), "wb"));
  if (!dump_) return io_error("imatrix: cannot create " + path);
  return Status::ok();
}

Imatrix ImatrixCollector::result(int32_t chunks, const std::string& dataset) const {
  Imatrix m;
  m.chunks = chunks;
  m.dataset = dataset;
  for (const auto& [name, a] : acc_) {
    ImatrixEntry e;
    e.ncall = a.ncall;
    e.mean_sq.resize(a.sums.size());
    for (size_t j = 0; j < a.sums.size(); ++j)
      e.mean_sq[j] = a.count ? static_cast<float>(a.sums[j] / static_cast<double>(a.count)) : 0.f;
    m.entries.emplace(name, std::move(e));
  }
  return m;
}

Result<Imatrix> compute_imatrix(const std::shared_ptr<const Model>& model, const std::string& text,
                                const ImatrixOptions& opts, const std::string& dataset_name) {
  if (!model) return invalid_argument("imatrix: null model");
  if (opts.ctx < 2) return invalid_argument("imatrix: --ctx must be at least 2");
  if (opts.max_chunks < 0) return invalid_argument("imatrix: --chunks must be >= 0");
  const bool add_bos = model->add_bos_default();
  SLIM_ASSIGN_OR_RETURN(std::vector<int32_t> tokens, model->tokenize(text, add_bos));
  const auto chunks = make_chunks(tokens, opts.ctx, opts.max_chunks, add_bos, model->info().bos_id);
  if (chunks.empty()) {
    return invalid_argument("imatrix: the calibration text has " + std::to_string(tokens.size()) +
                            " tokens, fewer than one chunk of --ctx " + std::to_string(opts.ctx));
  }
  SessionParams sp;
  sp.n_ctx = opts.ctx;
  sp.n_threads = opts.n_threads;
  SLIM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::create(model, sp));
  ImatrixCollector collector;
  if (!opts.dump_activations.empty()) SLIM_TRY(collector.dump_to(opts.dump_activations));
  session->set_matmul_observer(&collector);
  for (size_t c = 0; c < chunks.size(); ++c) {
    session->reset();
    SLIM_TRY(session->eval(chunks[c]));
    if (opts.progress) opts.progress(c + 1, chunks.size());
  }
  session->set_matmul_observer(nullptr);
  Imatrix m = collector.result(static_cast<int32_t>(chunks.size()), dataset_name);
  if (m.entries.empty()) return unsupported("imatrix: the model has no blk.* weight matrices");
  return m;
}

}  // namespace slim::toolkit
