// config.json + checkpoint tensor list -> GGUF plan (src/hf/plan*.cpp): names, shapes,
// transforms and metadata for each architecture, and clean errors for bad configurations.
// The numbers expected here come from the Hugging Face config classes' documented meaning and
// llama.cpp's converter (tensor names, the q/k permutation), not from our output.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "hf/plan.hpp"
#include "hf/transform.hpp"

namespace slim::hf {
namespace {

struct Checkpoint {
  std::vector<std::string> names;  // owns the strings SourceTensor views
  std::vector<std::vector<uint64_t>> shapes;
  void add(std::string n, std::vector<uint64_t> s) {
    names.push_back(std::move(n));
    shapes.push_back(std::move(s));
  }
  std::vector<SourceTensor> list() const {
    std::vector<SourceTensor> out;
    for (size_t i = 0; i < names.size(); ++i) out.push_back({names[i], shapes[i]});
    return out;
  }
};

const char kLlamaConfig[] = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
  "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4,
  "num_key_value_heads": 2, "vocab_size": 300, "max_position_embeddings": 256,
  "rms_norm_eps": 1e-5, "rope_theta": 50000.0, "tie_word_embeddings": false,
  "hidden_act": "silu", "rope_scaling": null, "torch_dtype": "float32"})";

Checkpoint llama_checkpoint(uint32_t layers) {
  Checkpoint c;
  c.add("model.embed_tokens.weight", {300, 64});
  c.add("model.norm.weight", {64});
  c.add("lm_head.weight", {300, 64});
  for (uint32_t l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    c.add(p + "input_layernorm.weight", {64});
    c.add(p + "post_attention_layernorm.weight", {64});
    c.add(p + "self_attn.q_proj.weight", {64, 64});
    c.add(p + "self_attn.k_proj.weight", {32, 64});
    c.add(p + "self_attn.v_proj.weight", {32, 64});
    c.add(p + "self_attn.o_proj.weight", {64, 64});
    c.add(p + "mlp.gate_proj.weight", {160, 64});
    c.add(p + "mlp.up_proj.weight", {160, 64});
    c.add(p + "mlp.down_proj.weight", {64, 160});
    c.add(p + "self_attn.rotary_emb.inv_freq", {8});
  }
  return c;
}

const TensorPlan* find(const ModelPlan& p, const std::string& gguf) {
  for (const TensorPlan& t : p.tensors) {
    if (t.gguf_name == gguf) return &t;
  }
  return nullptr;
}

template <typename T>
T meta(const ModelPlan& p, const std::string& key) {
  for (const MetaEntry& m : p.metadata) {
    if (m.key == key) {
      EXPECT_TRUE(std::holds_alternative<T>(m.value)) << key;
      if (std::holds_alternative<T>(m.value)) return std::get<T>(m.value);
    }
  }
  ADD_FAILURE() << "no metadata key " << key;
  return T{};
}

TEST(HfPlan, LlamaNamesShapesAndMetadata) {
  const Checkpoint c = llama_checkpoint(2);
  auto r = plan_model(kLlamaConfig, c.list());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const ModelPlan& p = *r;
  EXPECT_EQ(p.architecture, "llama");
  EXPECT_EQ(meta<std::string>(p, "general.architecture"), "llama");
  EXPECT_EQ(meta<uint32_t>(p, "llama.embedding_length"), 64u);
  EXPECT_EQ(meta<uint32_t>(p, "llama.feed_forward_length"), 160u);
  EXPECT_EQ(meta<uint32_t>(p, "llama.block_count"), 2u);
  EXPECT_EQ(meta<uint32_t>(p, "llama.attention.head_count"), 4u);
  EXPECT_EQ(meta<uint32_t>(p, "llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(meta<uint32_t>(p, "llama.context_length"), 256u);
  EXPECT_EQ(meta<uint32_t>(p, "llama.rope.dimension_count"), 16u);
  EXPECT_FLOAT_EQ(meta<float>(p, "llama.rope.freq_base"), 50000.0f);
  EXPECT_FLOAT_EQ(meta<float>(p, "llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  // 3 global + 9 per layer.
  EXPECT_EQ(p.tensors.size(), 3u + 2u * 9u);
  const TensorPlan* q = find(p, "blk.1.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->source_name, "model.layers.1.self_attn.q_proj.weight");
  EXPECT_EQ(q->transform, Transform::kPermuteQK);
  EXPECT_EQ(q->heads, 4);
  const TensorPlan* k = find(p, "blk.0.attn_k.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->heads, 2);  // k rows are grouped by the KV heads
  EXPECT_EQ(k->gguf_dims, (std::vector<uint64_t>{64, 32}));
  const TensorPlan* down = find(p, "blk.0.ffn_down.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->transform, Transform::kNone);
  EXPECT_EQ(down->gguf_dims, (std::vector<uint64_t>{160, 64}));
  ASSERT_NE(find(p, "output.weight"), nullptr);
  // The rotary inv_freq buffers are left out, with a note each.
  EXPECT_EQ(p.notes.size(), 2u);
}

TEST(HfPlan, QwenKeepsRowOrderAndHasBiases) {
  std::string cfg = kLlamaConfig;
  cfg.replace(cfg.find("LlamaForCausalLM"), 16, "Qwen2ForCausalLM");
  cfg.replace(cfg.find("\"tie_word_embeddings\": false"), 28, "\"tie_word_embeddings\": true ");
  Checkpoint c = llama_checkpoint(2);
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".self_attn.";
    c.add(p + "q_proj.bias", {64});
    c.add(p + "k_proj.bias", {32});
    c.add(p + "v_proj.bias", {32});
  }
  auto r = plan_model(cfg, c.list());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->architecture, "qwen2");
  EXPECT_EQ(find(*r, "blk.0.attn_q.weight")->transform, Transform::kNone);
  ASSERT_NE(find(*r, "blk.1.attn_k.bias"), nullptr);
  EXPECT_EQ(find(*r, "output.weight"), nullptr);  // tied: lm_head noted, not used
}

TEST(HfPlan, Gpt2TransposesConv1DAndAcceptsBarePrefix) {
  const char cfg[] = R"({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
    "n_embd": 48, "n_layer": 1, "n_head": 4, "n_positions": 128, "vocab_size": 260,
    "n_inner": null, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"})";
  for (const std::string prefix : {"transformer.", ""}) {
    Checkpoint c;
    c.add(prefix + "wte.weight", {260, 48});
    c.add(prefix + "wpe.weight", {128, 48});
    c.add(prefix + "ln_f.weight", {48});
    c.add(prefix + "ln_f.bias", {48});
    const std::string h = prefix + "h.0.";
    for (const char* ln : {"ln_1", "ln_2"}) {
      c.add(h + ln + ".weight", {48});
      c.add(h + ln + ".bias", {48});
    }
    c.add(h + "attn.c_attn.weight", {48, 144});
    c.add(h + "attn.c_attn.bias", {144});
    c.add(h + "attn.c_proj.weight", {48, 48});
    c.add(h + "attn.c_proj.bias", {48});
    c.add(h + "mlp.c_fc.weight", {48, 192});
    c.add(h + "mlp.c_fc.bias", {192});
    c.add(h + "mlp.c_proj.weight", {192, 48});
    c.add(h + "mlp.c_proj.bias", {48});
    c.add(h + "attn.bias", {1, 1, 128, 128});
    auto r = plan_model(cfg, c.list());
    ASSERT_TRUE(r.is_ok()) << prefix << ": " << r.status().to_string();
    const TensorPlan* qkv = find(*r, "blk.0.attn_qkv.weight");
    ASSERT_NE(qkv, nullptr);
    EXPECT_EQ(qkv->transform, Transform::kTranspose);
    EXPECT_EQ(qkv->gguf_dims, (std::vector<uint64_t>{48, 144}));  // rows of 48 inputs
    EXPECT_EQ(find(*r, "blk.0.ffn_up.weight")->gguf_dims, (std::vector<uint64_t>{48, 192}));
    EXPECT_EQ(find(*r, "blk.0.ffn_down.weight")->gguf_dims, (std::vector<uint64_t>{192, 48}));
    EXPECT_EQ(meta<uint32_t>(*r, "gpt2.feed_forward_length"), 192u);  // n_inner null: 4 n_embd
    ASSERT_EQ(r->notes.size(), 1u);
    EXPECT_NE(r->notes[0].find("constant buffer"), std::string::npos);
  }
}

TEST(HfPlan, Opt350mStyleProjectionsAndPostNorm) {
  const char cfg[] = R"({"architectures": ["OPTForCausalLM"], "model_type": "opt",
    "hidden_size": 64, "ffn_dim": 128, "num_hidden_layers": 1, "num_attention_heads": 4,
    "vocab_size": 270, "max_position_embeddings": 100, "word_embed_proj_dim": 32,
    "do_layer_norm_before": false, "activation_function": "relu"})";
  Checkpoint c;
  c.add("model.decoder.embed_tokens.weight", {270, 32});
  c.add("model.decoder.embed_positions.weight", {102, 64});
  c.add("model.decoder.project_in.weight", {64, 32});
  c.add("model.decoder.project_out.weight", {32, 64});
  const std::string l = "model.decoder.layers.0.";
  for (const char* n : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
    c.add(l + "self_attn." + n + ".weight", {64, 64});
    c.add(l + "self_attn." + n + ".bias", {64});
  }
  for (const char* n : {"self_attn_layer_norm", "final_layer_norm"}) {
    c.add(l + n + ".weight", {64});
    c.add(l + n + ".bias", {64});
  }
  c.add(l + "fc1.weight", {128, 64});
  c.add(l + "fc1.bias", {128});
  c.add(l + "fc2.weight", {64, 128});
  c.add(l + "fc2.bias", {64});
  auto r = plan_model(cfg, c.list());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->architecture, "opt");
  EXPECT_FALSE(meta<bool>(*r, "opt.do_layer_norm_before"));
  EXPECT_EQ(meta<uint32_t>(*r, "opt.word_embed_proj_dim"), 32u);
  EXPECT_EQ(find(*r, "position_embd.weight")->gguf_dims, (std::vector<uint64_t>{64, 102}));
  EXPECT_EQ(find(*r, "project_in.weight")->gguf_dims, (std::vector<uint64_t>{32, 64}));
  EXPECT_EQ(find(*r, "output_norm.weight"), nullptr);  // post-LN: no final decoder norm
  EXPECT_TRUE(r->notes.empty());
}

TEST(HfPlan, ErrorsNameTheProblem) {
  const Checkpoint good = llama_checkpoint(2);
  struct Case {
    std::string config;
    std::string substring;
  };
  std::string missing_layers = kLlamaConfig;
  missing_layers.replace(missing_layers.find("\"num_hidden_layers\": 2,"), 23, "");
  std::string bad_heads = kLlamaConfig;
  bad_heads.replace(bad_heads.find("\"num_attention_heads\": 4"), 24, "\"num_attention_heads\": 5");
  std::string neg = kLlamaConfig;
  neg.replace(neg.find("\"hidden_size\": 64"), 17, "\"hidden_size\": -64");
  std::string scaling = kLlamaConfig;
  scaling.replace(scaling.find("\"rope_scaling\": null"), 20,
                  "\"rope_scaling\": {\"type\": \"linear\"}");
  const std::vector<Case> cases = {
      {"{", "config.json"},
      {"[]", "JSON object"},
      {R"({"architectures": ["BertModel"]})", "BertModel"},
      {missing_layers, "num_hidden_layers"},
      {bad_heads, "must divide hidden_size"},
      {neg, "hidden_size"},
      {scaling, "rope_scaling"},
  };
  for (const Case& c : cases) {
    auto r = plan_model(c.config, good.list());
    ASSERT_FALSE(r.is_ok()) << c.substring;
    EXPECT_NE(r.status().message().find(c.substring), std::string::npos) << r.status().to_string();
  }
  // Missing and mis-shaped tensors are named.
  Checkpoint c = llama_checkpoint(1);
  auto r = plan_model(kLlamaConfig, c.list());
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("model.layers.1.input_layernorm.weight"), std::string::npos);
  c = llama_checkpoint(2);
  c.shapes[3] = {64, 63};  // layer 0 q_proj? index 3 is input_layernorm of layer 0
  r = plan_model(kLlamaConfig, c.list());
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("has shape [64, 63]"), std::string::npos)
      << r.status().to_string();
}

// llama.cpp's converter: w.reshape(n_head, 2, d/2, in).swapaxes(1, 2).reshape(w.shape).
// For one head of 4 rows: new rows (0, 1, 2, 3) come from old rows (0, 2, 1, 3).
TEST(HfPlan, PermuteQkMatchesTheConverterReshape) {
  EXPECT_EQ(permute_qk_row(0, 4), 0u);
  EXPECT_EQ(permute_qk_row(1, 4), 2u);
  EXPECT_EQ(permute_qk_row(2, 4), 1u);
  EXPECT_EQ(permute_qk_row(3, 4), 3u);
  // Two heads of 6 rows: (2, 3, 1) split -> new row 6 + 2*1 + 1 = 9 comes from 6 + 1*3 + 1 = 10.
  EXPECT_EQ(permute_qk_row(9, 6), 10u);
  // Applied to bytes: a 1-D bias of two heads of 4 floats.
  TensorPlan p;
  p.source_name = "b";
  p.gguf_dims = {8};
  p.transform = Transform::kPermuteQK;
  p.heads = 2;
  const float src[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  float dst[8] = {};
  ASSERT_TRUE(transform_tensor(p, 4, reinterpret_cast<const uint8_t*>(src),
                               reinterpret_cast<uint8_t*>(dst), sizeof(dst))
                  .is_ok());
  const float want[8] = {0, 2, 1, 3, 4, 6, 5, 7};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(dst[i], want[i]) << i;
}

TEST(HfPlan, TransposeConv1D) {
  TensorPlan p;
  p.source_name = "w";
  p.gguf_dims = {2, 3};  // Conv1D [in = 2, out = 3] -> 3 rows of 2
  p.transform = Transform::kTranspose;
  const uint16_t src[6] = {1, 2, 3, 4, 5, 6};  // src[in][out]
  uint16_t dst[6] = {};
  ASSERT_TRUE(transform_tensor(p, 2, reinterpret_cast<const uint8_t*>(src),
                               reinterpret_cast<uint8_t*>(dst), sizeof(dst))
                  .is_ok());
  const uint16_t want[6] = {1, 4, 2, 5, 3, 6};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(dst[i], want[i]) << i;
}

}  // namespace
}  // namespace slim::hf
