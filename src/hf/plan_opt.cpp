// OPTForCausalLM -> GGUF opt (SlimLLM's naming, llama.cpp has no OPT; docs/formats.md): pre-LN
// (opt-125m ...) and post-LN with a projected embedding (opt-350m: word_embed_proj_dim,
// project_in / project_out). The learned position table keeps OPT's offset of 2 rows.
#include "hf/plan_builder.hpp"

namespace slim::hf {

namespace {
constexpr uint32_t kPositionOffset = 2;  // OPTLearnedPositionalEmbedding
}  // namespace

Status plan_opt(const ConfigReader& c, const std::vector<SourceTensor>& t, ModelPlan& plan) {
  SLIM_ASSIGN_OR_RETURN(uint32_t embd, c.u32("hidden_size", 1, kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(uint32_t ff, c.u32("ffn_dim", 1, kMaxWidth * 8));
  SLIM_ASSIGN_OR_RETURN(uint32_t n_layer, c.u32("num_hidden_layers", 1, kMaxLayers));
  SLIM_ASSIGN_OR_RETURN(uint32_t n_head, c.u32("num_attention_heads", 1, kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(uint32_t vocab, c.u32("vocab_size", 1, kMaxVocab));
  SLIM_ASSIGN_OR_RETURN(uint32_t ctx, c.u32("max_position_embeddings", 1, kMaxCtx));
  SLIM_ASSIGN_OR_RETURN(uint32_t proj, c.u32_or("word_embed_proj_dim", 1, kMaxWidth, embd));
  SLIM_ASSIGN_OR_RETURN(bool pre_ln, c.bool_or("do_layer_norm_before", true));
  SLIM_ASSIGN_OR_RETURN(bool remove_final, c.bool_or("_remove_final_layer_norm", false));
  SLIM_ASSIGN_OR_RETURN(bool tied, c.bool_or("tie_word_embeddings", true));
  SLIM_ASSIGN_OR_RETURN(bool affine, c.bool_or("layer_norm_elementwise_affine", true));
  SLIM_ASSIGN_OR_RETURN(bool bias, c.bool_or("enable_bias", true));
  SLIM_ASSIGN_OR_RETURN(std::string act, c.string_or("activation_function", "relu"));
  if (embd % n_head != 0)
    return corrupt("config.json: num_attention_heads must divide hidden_size");
  if (act != "relu")
    return unsupported("config.json: activation_function '" + act + "' (need relu)");
  if (!affine || !bias) {
    return unsupported("config.json: OPT without layer-norm weights or biases is not supported");
  }
  const std::string a = "opt.";
  add_meta(plan, a + "vocab_size", vocab);
  add_meta(plan, a + "context_length", ctx);
  add_meta(plan, a + "embedding_length", embd);
  add_meta(plan, a + "feed_forward_length", ff);
  add_meta(plan, a + "block_count", n_layer);
  add_meta(plan, a + "attention.head_count", n_head);
  add_meta(plan, a + "attention.layer_norm_epsilon", 1e-5f);  // nn.LayerNorm's default
  add_meta(plan, a + "do_layer_norm_before", pre_ln);
  add_meta(plan, a + "word_embed_proj_dim", proj);

  const uint64_t e = embd, f = ff, v = vocab, w = proj;
  PlanBuilder b(t, plan, {"model.decoder.", "decoder."});
  SLIM_TRY(b.add("token_embd.weight", "embed_tokens.weight", {v, w}).status());
  SLIM_TRY(
      b.add("position_embd.weight", "embed_positions.weight", {uint64_t{ctx} + kPositionOffset, e})
          .status());
  if (proj != embd) {
    SLIM_TRY(b.add("project_in.weight", "project_in.weight", {e, w}).status());
    SLIM_TRY(b.add("project_out.weight", "project_out.weight", {w, e}).status());
  }
  if (pre_ln && !remove_final) {
    SLIM_TRY(b.add("output_norm.weight", "final_layer_norm.weight", {e}).status());
    SLIM_TRY(b.add("output_norm.bias", "final_layer_norm.bias", {e}).status());
  }
  if (!tied) SLIM_TRY(b.add_full("output.weight", "lm_head.weight", {v, w}).status());
  for (uint32_t l = 0; l < n_layer; ++l) {
    const std::string src = "layers." + std::to_string(l) + ".";
    const std::string dst = "blk." + std::to_string(l) + ".";
    for (const char* qkv : {"q", "k", "v"}) {
      const std::string s = src + "self_attn." + qkv + "_proj.";
      const std::string d = dst + "attn_" + qkv + ".";
      SLIM_TRY(b.add(d + "weight", s + "weight", {e, e}).status());
      SLIM_TRY(b.add(d + "bias", s + "bias", {e}).status());
    }
    SLIM_TRY(b.add(dst + "attn_output.weight", src + "self_attn.out_proj.weight", {e, e}).status());
    SLIM_TRY(b.add(dst + "attn_output.bias", src + "self_attn.out_proj.bias", {e}).status());
    SLIM_TRY(b.add(dst + "attn_norm.weight", src + "self_attn_layer_norm.weight", {e}).status());
    SLIM_TRY(b.add(dst + "attn_norm.bias", src + "self_attn_layer_norm.bias", {e}).status());
    SLIM_TRY(b.add(dst + "ffn_up.weight", src + "fc1.weight", {f, e}).status());
    SLIM_TRY(b.add(dst + "ffn_up.bias", src + "fc1.bias", {f}).status());
    SLIM_TRY(b.add(dst + "ffn_down.weight", src + "fc2.weight", {e, f}).status());
    SLIM_TRY(b.add(dst + "ffn_down.bias", src + "fc2.bias", {e}).status());
    SLIM_TRY(b.add(dst + "ffn_norm.weight", src + "final_layer_norm.weight", {e}).status());
    SLIM_TRY(b.add(dst + "ffn_norm.bias", src + "final_layer_norm.bias", {e}).status());
  }
  b.finish({"lm_head.weight"});
  return Status::ok();
}

}  // namespace slim::hf
