#include "compare_quants.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "convert_types.hpp"
#include "imatrix_file.hpp"
#include "perplexity.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"
#include "svg_plot.hpp"

namespace slim::toolkit {

namespace {

namespace fs = std::filesystem;

double bits_per_weight(const Model& m) {
  uint64_t bytes = 0, elems = 0;
  for (const TensorSummary& t : m.tensors()) {
    uint64_t n = 1;
    for (uint64_t d : t.shape) n *= d;
    elems += n;
    bytes += t.bytes;
  }
  return elems ? 8.0 * static_cast<double>(bytes) / static_cast<double>(elems) : 0;
}

// Greedy decode after BOS, best of three runs.
Result<double> decode_speed(const std::shared_ptr<const Model>& m, int32_t n_tokens,
                            int32_t threads) {
  SessionParams sp;
  sp.n_ctx = n_tokens + 8;
  sp.n_threads = threads;
  SLIM_ASSIGN_OR_RETURN(auto session, Session::create(m, sp));
  GenerationParams gp;
  gp.max_tokens = n_tokens;
  gp.temperature = 0;
  gp.stop_at_eos = false;
  const int32_t bos = m->info().bos_id >= 0 ? m->info().bos_id : 0;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    session->reset();
    SLIM_ASSIGN_OR_RETURN(GenerationResult g, session->generate({bos}, gp));
    best = std::max(best, g.timings.generation_tokens_per_s());
  }
  return best;
}

// v with `decimals` digits after the point ("%.*f"), with a leading '+' when `sign` and v >= 0.
std::string fixed(double v, int decimals, bool sign = false) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, decimals);
  std::string out(buf, r.ec == std::errc() ? r.ptr : buf);
  if (sign && !out.empty() && out[0] != '-') out.insert(out.begin(), '+');
  return out;
}

}  // namespace

Result<std::vector<CompareRow>> compare_quants(const CompareOptions& o) {
  if (o.types.empty()) return invalid_argument("compare-quants: no --types");
  std::vector<FileType> fts;
  for (const std::string& t : o.types) {
    if (t == "W8A8" || t == "w8a8") {
      return unsupported(
          "compare-quants: W8A8 is not implemented yet (issue 7 section 3); leave it out of "
          "--types");
    }
    SLIM_ASSIGN_OR_RETURN(FileType ft, parse_file_type(t));
    fts.push_back(ft);
  }
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return io_error("compare-quants: cannot create " + o.out_dir + ": " + ec.message());
  SLIM_ASSIGN_OR_RETURN(std::string text, read_text_file(o.text));
  Imatrix imatrix;
  if (!o.imatrix.empty()) {
    SLIM_ASSIGN_OR_RETURN(imatrix, load_imatrix(o.imatrix));
  }
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };

  const std::string base_logits = (fs::path(o.out_dir) / "base.logits.tmp").string();
  PerplexityOptions po;
  po.ctx = o.ctx;
  po.max_chunks = o.max_chunks;
  po.n_threads = o.n_threads;
  po.save_logits = base_logits;
  SLIM_ASSIGN_OR_RETURN(auto base, Model::load(o.model));
  log("base " + o.model + ": perplexity");
  auto rb = run_perplexity(base, text, po);
  if (!rb) return rb.status();
  std::vector<CompareRow> rows;
  {
    CompareRow r;
    r.type = base->info().file_type + " (base)";
    r.file_bytes = base->info().file_bytes;
    r.bits_per_weight = bits_per_weight(*base);
    r.ppl = rb->ppl;
    r.ppl_err = rb->ppl_err;
    r.top1_pct = 100;
    SLIM_ASSIGN_OR_RETURN(r.decode_tps, decode_speed(base, o.decode_tokens, o.n_threads));
    rows.push_back(r);
  }
  po.save_logits.clear();
  po.kl_base = base_logits;
  Status result = Status::ok();
  for (size_t i = 0; i < fts.size() && result.is_ok(); ++i) {
    const std::string name(file_type_info(fts[i]).name);
    const std::string path = (fs::path(o.out_dir) / (name + ".gguf")).string();
    log(name + ": quantize, perplexity, decode speed");
    ConvertOptions co;
    co.imatrix = o.imatrix.empty() ? nullptr : &imatrix;
    co.n_threads = o.n_threads;
    CompareRow r;
    r.type = name;
    result = convert_gguf_types(o.model, path, fts[i], {}, &r.notes, co);
    if (!result) break;
    auto m = Model::load(path);
    if (!m) {
      result = m.status();
      break;
    }
    auto rq = run_perplexity(*m, text, po);
    if (!rq) {
      result = rq.status();
      break;
    }
    r.file_bytes = (*m)->info().file_bytes;
    r.bits_per_weight = bits_per_weight(**m);
    r.ppl = rq->ppl;
    r.ppl_err = rq->ppl_err;
    r.dppl_pct = 100.0 * (rq->ppl / rb->ppl - 1.0);
    r.kld_mean = rq->kld.mean;
    r.top1_pct = rq->kld.top1_pct;
    auto tps = decode_speed(*m, o.decode_tokens, o.n_threads);
    if (!tps) {
      result = tps.status();
      break;
    }
    r.decode_tps = *tps;
    m->reset();
    if (!o.keep_models) fs::remove(path, ec);
    rows.push_back(std::move(r));
  }
  fs::remove(base_logits, ec);
  SLIM_TRY(result);

  // Pareto front over the quantized rows (size vs mean KLD).
  std::vector<PlotPoint> pts;
  for (size_t i = 1; i < rows.size(); ++i) {
    pts.push_back({static_cast<double>(rows[i].file_bytes) / (1024.0 * 1024.0), rows[i].kld_mean,
                   rows[i].type, false});
  }
  const std::vector<bool> front = pareto_front(pts);
  for (size_t i = 0; i < pts.size(); ++i) {
    pts[i].highlight = front[i];
    rows[i + 1].pareto = front[i];
  }
  // Types that produced the same file size and KLD (e.g. Q6_K falling back to Q8_0 on narrow
  // rows) share one point and one label.
  std::vector<PlotPoint> merged;
  for (const PlotPoint& p : pts) {
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const PlotPoint& q) { return q.x == p.x && q.y == p.y; });
    if (it == merged.end()) {
      merged.push_back(p);
    } else {
      it->label += " = " + p.label;
    }
  }
  pts = std::move(merged);
  PlotSpec spec;
  spec.title = "Size vs KL divergence: " + fs::path(o.model).filename().string() + " on " +
               fs::path(o.text).filename().string();
  spec.x_label = "file size (MiB)";
  spec.y_label = "mean KLD vs base (nats)";
  spec.log_y = true;
  {
    std::ofstream svg(fs::path(o.out_dir) / "size_vs_kld.svg", std::ios::trunc);
    svg << render_scatter_svg(spec, pts);
    if (!svg) return io_error("compare-quants: cannot write size_vs_kld.svg in " + o.out_dir);
  }
  {
    std::ofstream md(fs::path(o.out_dir) / "README.md", std::ios::trunc);
    md << compare_markdown(o, rows);
    if (!md) return io_error("compare-quants: cannot write README.md in " + o.out_dir);
  }
  return rows;
}

std::string compare_markdown(const CompareOptions& o, const std::vector<CompareRow>& rows) {
  std::string s;
  s += "# Quantization comparison\n\n";
  s += "Model `" + o.model + "`, text `" + o.text + "`, context " + std::to_string(o.ctx) +
       (o.max_chunks > 0 ? ", at most " + std::to_string(o.max_chunks) + " chunks" : "") +
       (o.imatrix.empty() ? ", no importance matrix" : ", importance matrix `" + o.imatrix + "`") +
       ".\n\n";
  s += "PPL as `slim perplexity` computes it (second half of each chunk scored); KLD = mean "
       "KL(base || quantized) per scored token; top-1 = how often both pick the same most likely "
       "token; decode = greedy tokens/s after BOS with " +
       std::to_string(o.n_threads) +
       " thread(s), best of 3. * = on the size-vs-KLD Pareto front.\n\n";
  s += "| type | file size | bits/weight | PPL | ΔPPL % | mean KLD | top-1 % | decode tok/s |\n";
  s += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const CompareRow& r : rows) {
    s += "| " + r.type + (r.pareto ? " *" : "") + " | " +
         fixed(static_cast<double>(r.file_bytes) / (1024.0 * 1024.0), 3) + " MiB" + " | " +
         fixed(r.bits_per_weight, 2) + " | " + fixed(r.ppl, 4) + " ± " + fixed(r.ppl_err, 4) +
         " | " + fixed(r.dppl_pct, 3, true) + " | " + fixed(r.kld_mean, 6) + " | " +
         fixed(r.top1_pct, 2) + " | " + fixed(r.decode_tps, 0) + " |\n";
  }
  s += "\n![size vs KLD](size_vs_kld.svg)\n";
  // Quantizer notes, one line per distinct message (tensor names dropped, counted instead).
  bool any = false;
  for (const CompareRow& r : rows) {
    std::vector<std::pair<std::string, int>> grouped;
    for (const std::string& n : r.notes) {
      const size_t cut = n.rfind("': ");
      const std::string msg =
          n.rfind("tensor '", 0) == 0 && cut != std::string::npos ? n.substr(cut + 3) : n;
      auto it = std::find_if(grouped.begin(), grouped.end(),
                             [&](const auto& g) { return g.first == msg; });
      if (it == grouped.end()) {
        grouped.emplace_back(msg, 1);
      } else {
        ++it->second;
      }
    }
    for (const auto& [msg, count] : grouped) {
      if (!any) s += "\n## Notes from the quantizer\n\n";
      any = true;
      s += "- " + r.type + ": " + msg +
           (count > 1 ? " (" + std::to_string(count) + " tensors)" : "") + "\n";
    }
  }
  return s;
}

}  // namespace slim::toolkit
