// GPT2LMHeadModel (and bare GPT2Model checkpoints without the "transformer." prefix) -> GGUF
// gpt2, named as llama.cpp's converter names it. GPT-2's Conv1D weights are stored [in, out]
// and are transposed to rows of `in` values.
#include "hf/plan_builder.hpp"

namespace slim::hf {

Status plan_gpt2(const ConfigReader& c, const std::vector<SourceTensor>& t, ModelPlan& plan) {
  SLIM_ASSIGN_OR_RETURN(uint32_t embd, c.u32("n_embd", 1, kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(uint32_t n_layer, c.u32("n_layer", 1, kMaxLayers));
  SLIM_ASSIGN_OR_RETURN(uint32_t n_head, c.u32("n_head", 1, kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(uint32_t vocab, c.u32("vocab_size", 1, kMaxVocab));
  SLIM_ASSIGN_OR_RETURN(uint32_t ctx, c.u32("n_positions", 1, kMaxCtx));
  SLIM_ASSIGN_OR_RETURN(uint32_t ff, c.u32_or("n_inner", 1, kMaxWidth * 8, 4 * embd));
  SLIM_ASSIGN_OR_RETURN(float eps, c.positive_float_or("layer_norm_epsilon", 1e-5f));
  SLIM_ASSIGN_OR_RETURN(bool tied, c.bool_or("tie_word_embeddings", true));
  SLIM_ASSIGN_OR_RETURN(std::string act, c.string_or("activation_function", "gelu_new"));
  SLIM_ASSIGN_OR_RETURN(bool scale_attn, c.bool_or("scale_attn_weights", true));
  SLIM_ASSIGN_OR_RETURN(bool by_layer, c.bool_or("scale_attn_by_inverse_layer_idx", false));
  if (embd % n_head != 0) return corrupt("config.json: n_head must divide n_embd");
  if (act != "gelu_new" && act != "gelu_pytorch_tanh") {
    return unsupported("config.json: activation_function '" + act +
                       "' (need gelu_new, GPT-2's tanh approximation)");
  }
  if (!scale_attn || by_layer) {
    return unsupported("config.json: only GPT-2's standard 1/sqrt(head size) attention scaling");
  }
  const std::string a = "gpt2.";
  add_meta(plan, a + "vocab_size", vocab);
  add_meta(plan, a + "context_length", ctx);
  add_meta(plan, a + "embedding_length", embd);
  add_meta(plan, a + "feed_forward_length", ff);
  add_meta(plan, a + "block_count", n_layer);
  add_meta(plan, a + "attention.head_count", n_head);
  add_meta(plan, a + "attention.layer_norm_epsilon", eps);

  const uint64_t e = embd, f = ff, v = vocab, p = ctx;
  const Transform tr = Transform::kTranspose;
  PlanBuilder b(t, plan, {"transformer.", ""});
  SLIM_TRY(b.add("token_embd.weight", "wte.weight", {v, e}).status());
  SLIM_TRY(b.add("position_embd.weight", "wpe.weight", {p, e}).status());
  SLIM_TRY(b.add("output_norm.weight", "ln_f.weight", {e}).status());
  SLIM_TRY(b.add("output_norm.bias", "ln_f.bias", {e}).status());
  if (!tied) SLIM_TRY(b.add_full("output.weight", "lm_head.weight", {v, e}).status());
  for (uint32_t l = 0; l < n_layer; ++l) {
    const std::string src = "h." + std::to_string(l) + ".";
    const std::string dst = "blk." + std::to_string(l) + ".";
    SLIM_TRY(b.add(dst + "attn_norm.weight", src + "ln_1.weight", {e}).status());
    SLIM_TRY(b.add(dst + "attn_norm.bias", src + "ln_1.bias", {e}).status());
    SLIM_TRY(b.add(dst + "attn_qkv.weight", src + "attn.c_attn.weight", {e, 3 * e}, tr).status());
    SLIM_TRY(b.add(dst + "attn_qkv.bias", src + "attn.c_attn.bias", {3 * e}).status());
    SLIM_TRY(b.add(dst + "attn_output.weight", src + "attn.c_proj.weight", {e, e}, tr).status());
    SLIM_TRY(b.add(dst + "attn_output.bias", src + "attn.c_proj.bias", {e}).status());
    SLIM_TRY(b.add(dst + "ffn_norm.weight", src + "ln_2.weight", {e}).status());
    SLIM_TRY(b.add(dst + "ffn_norm.bias", src + "ln_2.bias", {e}).status());
    SLIM_TRY(b.add(dst + "ffn_up.weight", src + "mlp.c_fc.weight", {e, f}, tr).status());
    SLIM_TRY(b.add(dst + "ffn_up.bias", src + "mlp.c_fc.bias", {f}).status());
    SLIM_TRY(b.add(dst + "ffn_down.weight", src + "mlp.c_proj.weight", {f, e}, tr).status());
    SLIM_TRY(b.add(dst + "ffn_down.bias", src + "mlp.c_proj.bias", {e}).status());
  }
  b.finish({"attn.bias", "attn.masked_bias", "lm_head.weight"});
  return Status::ok();
}

}  // namespace slim::hf
