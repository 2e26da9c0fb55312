// LlamaForCausalLM (Llama 2/3, TinyLlama, SmolLM/SmolLM2) and Qwen2ForCausalLM -> GGUF llama /
// qwen2, named as llama.cpp's converter names them. Llama's q/k rows are permuted to GGUF's
// interleaved RoPE pairs; qwen2 keeps Hugging Face's rotate-half order (GGUF qwen2 uses NeoX
// RoPE) and has q/k/v biases.
#include "hf/plan_builder.hpp"

namespace slim::hf {

Status plan_llama(const ConfigReader& c, const std::vector<SourceTensor>& t, ModelPlan& plan) {
  const bool qwen2 = plan.architecture == "qwen2";
  const std::string& a = plan.architecture;
  SLIM_ASSIGN_OR_RETURN(uint32_t embd, c.u32("hidden_size", 1, kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(uint32_t ff, c.u32("intermediate_size", 1, kMaxWidth * 8));
  SLIM_ASSIGN_OR_RETURN(uint32_t n_layer, c.u32("num_hidden_layers", 1, kMaxLayers));
  SLIM_ASSIGN_OR_RETURN(uint32_t n_head, c.u32("num_attention_heads", 1, kMaxWidth));
  SLIM_ASSIGN_OR_RETURN(uint32_t n_kv, c.u32_or("num_key_value_heads", 1, kMaxWidth, n_head));
  SLIM_ASSIGN_OR_RETURN(uint32_t vocab, c.u32("vocab_size", 1, kMaxVocab));
  SLIM_ASSIGN_OR_RETURN(uint32_t ctx, c.u32_or("max_position_embeddings", 1, kMaxCtx, 2048));
  SLIM_ASSIGN_OR_RETURN(float eps, c.positive_float_or("rms_norm_eps", 1e-6f));
  SLIM_ASSIGN_OR_RETURN(float theta, c.positive_float_or("rope_theta", 10000.0f));
  SLIM_ASSIGN_OR_RETURN(bool tied, c.bool_or("tie_word_embeddings", false));
  SLIM_ASSIGN_OR_RETURN(bool attn_bias, c.bool_or("attention_bias", qwen2));
  SLIM_ASSIGN_OR_RETURN(std::string act, c.string_or("hidden_act", "silu"));
  if (embd % n_head != 0) {
    return corrupt("config.json: num_attention_heads must divide hidden_size");
  }
  if (n_head % n_kv != 0) {
    return corrupt("config.json: num_key_value_heads must divide num_attention_heads");
  }
  const uint32_t hd = embd / n_head;
  SLIM_ASSIGN_OR_RETURN(uint32_t head_dim, c.u32_or("head_dim", 1, kMaxWidth, hd));
  if (head_dim != hd) {
    return unsupported("config.json: head_dim " + std::to_string(head_dim) +
                       " differs from hidden_size / num_attention_heads");
  }
  if (hd % 2 != 0) return corrupt("config.json: the head size must be even");
  if (act != "silu") return unsupported("config.json: hidden_act '" + act + "' (need silu)");
  if (c.has("rope_scaling")) {
    return unsupported("config.json: rope_scaling is not supported yet");
  }
  if (qwen2) {
    SLIM_ASSIGN_OR_RETURN(bool sliding, c.bool_or("use_sliding_window", false));
    if (sliding) return unsupported("config.json: use_sliding_window is not supported");
  }

  add_meta(plan, a + ".vocab_size", vocab);
  add_meta(plan, a + ".context_length", ctx);
  add_meta(plan, a + ".embedding_length", embd);
  add_meta(plan, a + ".feed_forward_length", ff);
  add_meta(plan, a + ".block_count", n_layer);
  add_meta(plan, a + ".attention.head_count", n_head);
  add_meta(plan, a + ".attention.head_count_kv", n_kv);
  add_meta(plan, a + ".rope.dimension_count", hd);
  add_meta(plan, a + ".rope.freq_base", theta);
  add_meta(plan, a + ".attention.layer_norm_rms_epsilon", eps);

  const uint64_t e = embd, f = ff, kv = uint64_t{n_kv} * hd, v = vocab;
  // Llama: q/k rows to interleaved pairs (k grouped by its own head count); qwen2: as is.
  const Transform rope_t = qwen2 ? Transform::kNone : Transform::kPermuteQK;
  PlanBuilder b(t, plan, {"model."});
  SLIM_TRY(b.add("token_embd.weight", "embed_tokens.weight", {v, e}).status());
  SLIM_TRY(b.add("output_norm.weight", "norm.weight", {e}).status());
  if (!tied) {
    SLIM_TRY(b.add_full("output.weight", "lm_head.weight", {v, e}).status());
  }
  for (uint32_t l = 0; l < n_layer; ++l) {
    const std::string src = "layers." + std::to_string(l) + ".";
    const std::string dst = "blk." + std::to_string(l) + ".";
    const auto nh = static_cast<int32_t>(n_head), nkv = static_cast<int32_t>(n_kv);
    SLIM_TRY(b.add(dst + "attn_norm.weight", src + "input_layernorm.weight", {e}).status());
    SLIM_TRY(
        b.add(dst + "attn_q.weight", src + "self_attn.q_proj.weight", {e, e}, rope_t, nh).status());
    SLIM_TRY(b.add(dst + "attn_k.weight", src + "self_attn.k_proj.weight", {kv, e}, rope_t, nkv)
                 .status());
    SLIM_TRY(b.add(dst + "attn_v.weight", src + "self_attn.v_proj.weight", {kv, e}).status());
    if (attn_bias) {
      SLIM_TRY(b.add(dst + "attn_q.bias", src + "self_attn.q_proj.bias", {e}, rope_t, nh).status());
      SLIM_TRY(
          b.add(dst + "attn_k.bias", src + "self_attn.k_proj.bias", {kv}, rope_t, nkv).status());
      SLIM_TRY(b.add(dst + "attn_v.bias", src + "self_attn.v_proj.bias", {kv}).status());
    }
    SLIM_TRY(b.add(dst + "attn_output.weight", src + "self_attn.o_proj.weight", {e, e}).status());
    SLIM_TRY(b.add(dst + "ffn_norm.weight", src + "post_attention_layernorm.weight", {e}).status());
    SLIM_TRY(b.add(dst + "ffn_gate.weight", src + "mlp.gate_proj.weight", {f, e}).status());
    SLIM_TRY(b.add(dst + "ffn_up.weight", src + "mlp.up_proj.weight", {f, e}).status());
    SLIM_TRY(b.add(dst + "ffn_down.weight", src + "mlp.down_proj.weight", {e, f}).status());
  }
  // A tied checkpoint may still carry lm_head (PyTorch files store the shared tensor twice).
  b.finish({"rotary_emb.inv_freq", "lm_head.weight"});
  return Status::ok();
}

}  // namespace slim::hf
