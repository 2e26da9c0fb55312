// libFuzzer target: config.json -> GGUF plan (src/hf/plan*.cpp). The input is the config text;
// it is planned against the tensor lists of the small checkpoints in tests/data/hf_config (the
// shapes tests/ref/make_hf_checkpoint.py writes), so that valid configs reach the tensor
// matching. Errors must come back as Status values; any crash or sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hf/plan.hpp"

namespace {

std::vector<slim::hf::SourceTensor> llama_like(const std::vector<std::string>& names) {
  std::vector<slim::hf::SourceTensor> out;
  for (const std::string& n : names) out.push_back({n, {64, 64}});
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> names = {"model.embed_tokens.weight",
                                                 "model.norm.weight",
                                                 "lm_head.weight",
                                                 "model.layers.0.self_attn.q_proj.weight",
                                                 "transformer.wte.weight",
                                                 "transformer.wpe.weight",
                                                 "transformer.h.0.attn.c_attn.weight",
                                                 "model.decoder.embed_tokens.weight",
                                                 "model.decoder.embed_positions.weight",
                                                 "model.decoder.layers.0.fc1.weight"};
  static const std::vector<slim::hf::SourceTensor> tensors = llama_like(names);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plan = slim::hf::plan_model(text, tensors);
  if (plan.is_ok()) {
    size_t n = 0;
    for (const auto& t : plan->tensors) n += t.gguf_dims.size();
    (void)n;
  }
  auto empty = slim::hf::plan_model(text, {});
  (void)empty;
  return 0;
}
