#include "quant_gate.hpp"

#include <cstdio>

#include "perplexity.hpp"
#include "slim/model.hpp"

namespace slim::toolkit {

Result<GateResult> run_ppl_gate(const std::string& base_model, const std::string& quant_model,
                                const std::string& text_path, const GateOptions& opts) {
  SLIM_ASSIGN_OR_RETURN(std::string text, read_text_file(text_path));
  SLIM_ASSIGN_OR_RETURN(auto base, Model::load(base_model));
  SLIM_ASSIGN_OR_RETURN(auto quant, Model::load(quant_model));
  PerplexityOptions po;
  po.ctx = opts.ctx;
  po.max_chunks = opts.max_chunks;
  po.n_threads = opts.n_threads;
  po.save_logits = quant_model + ".gate-base.tmp";
  auto rb = run_perplexity(base, text, po);
  if (!rb) {
    std::remove(po.save_logits.c_str());
    return rb.status();
  }
  po.kl_base = po.save_logits;
  po.save_logits.clear();
  auto rq = run_perplexity(quant, text, po);
  std::remove(po.kl_base.c_str());
  if (!rq) return rq.status();
  GateResult g;
  g.ppl_base = rb->ppl;
  g.ppl_quant = rq->ppl;
  g.rise_pct = 100.0 * (rq->ppl / rb->ppl - 1.0);
  g.mean_kld = rq->kld.mean;
  g.passed = g.rise_pct <= opts.max_rise_pct;
  return g;
}

}  // namespace slim::toolkit
