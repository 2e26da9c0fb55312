#include "synth.hpp"

#include <cmath>
#include <filesystem>

#include "convert_types.hpp"
#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "quant/quantize.hpp"

namespace slim::toolkit {

namespace {

// SplitMix64: fast, seedable, good enough for random weights.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Roughly normal(0, sigma): sum of 4 uniforms, centred and scaled.
  float normalish(float sigma) {
    const uint64_t r = next();
    float sum = 0;
    for (int i = 0; i < 4; ++i) sum += static_cast<float>((r >> (16 * i)) & 0xffff) / 65535.0f;
    return (sum - 2.0f) * 1.7320508f * sigma;
  }
};

uint64_t tensor_seed(uint64_t seed, const std::string& name) {
  uint64_t h = seed ^ 0xcbf29ce484222325ull;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

// Counts tensors as the writer produces them (fills run in order at write time).
struct ProgressCounter {
  std::function<void(size_t, size_t)> fn;
  size_t total = 0;
  size_t done = 0;
  void tick() {
    ++done;
    if (fn) fn(done, total);
  }
};

// Adds a rows x cols matrix of random weights of `type`, generated at write time.
Status add_matrix(gguf::GgufWriter& w, ProgressCounter* pc, const std::string& name,
                  TensorType type, uint64_t cols, uint64_t rows, uint64_t seed) {
  uint64_t row_size = 0;
  if (!row_bytes(type, cols, &row_size))
    return invalid_argument("synth: " + name + " row does not fit its type");
  return w.add_tensor_fill(name, type, {cols, rows}, [=](uint8_t* dst, size_t bytes) -> Status {
    if (bytes != row_size * rows) return internal_error("synth: size mismatch for " + name);
    Rng rng{tensor_seed(seed, name)};
    std::vector<float> row(static_cast<size_t>(cols));
    const float sigma = 1.0f / std::sqrt(static_cast<float>(cols));
    for (uint64_t r = 0; r < rows; ++r) {
      for (float& v : row) v = rng.normalish(sigma);
      SLIM_TRY(quantize_row(type, row.data(), dst + r * row_size, row.size()));
    }
    pc->tick();
    return Status::ok();
  });
}

Status add_vector(gguf::GgufWriter& w, ProgressCounter* pc, const std::string& name, uint64_t n,
                  float value) {
  return w.add_tensor_fill(name, TensorType::kF32, {n}, [=](uint8_t* dst, size_t bytes) -> Status {
    if (bytes != n * sizeof(float)) return internal_error("synth: size mismatch for " + name);
    auto* f = reinterpret_cast<float*>(dst);
    for (uint64_t i = 0; i < n; ++i) f[i] = value;
    pc->tick();
    return Status::ok();
  });
}

// Copies tokenizer.* from a vocabulary GGUF, or writes a generated SPM-style vocabulary.
Status add_vocabulary(gguf::GgufWriter& w, const SynthShape& s, const SynthOptions& o,
                      std::vector<std::string>* notes) {
  if (!s.vocab_file.empty() && !o.shared_dir.empty()) {
    const std::string path = o.shared_dir + "/tokenizer-vectors/" + s.vocab_file;
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
      auto vocab = gguf::GgufFile::open(path);
      if (!vocab) return vocab.status();
      for (const gguf::KeyValue& kv : vocab->metadata()) {
        if (kv.key.rfind("tokenizer.", 0) == 0) SLIM_TRY(w.copy_value(kv.key, kv.value));
      }
      if (notes) notes->push_back("vocabulary copied from " + path);
      return Status::ok();
    }
  }
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  tokens.reserve(static_cast<size_t>(s.n_vocab));
  const char* specials[] = {"<unk>", "<s>", "</s>"};
  for (int i = 0; i < 3; ++i) {
    tokens.emplace_back(specials[i]);
    types.push_back(i == 0 ? 2 : 3);
  }
  char buf[16];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    tokens.emplace_back(buf);
    types.push_back(6);
  }
  for (int i = static_cast<int>(tokens.size()); i < s.n_vocab; ++i) {
    tokens.push_back("\xe2\x96\x81t" + std::to_string(i));
    types.push_back(1);
  }
  scores.resize(tokens.size());
  for (size_t i = 0; i < scores.size(); ++i) scores[i] = -static_cast<float>(i);
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_array_string("tokenizer.ggml.tokens", tokens);
  w.set_array_f32("tokenizer.ggml.scores", scores);
  w.set_array_i32("tokenizer.ggml.token_type", types);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  if (notes)
    notes->push_back("generated a " + std::to_string(s.n_vocab) +
                     "-token vocabulary (no real one fits)");
  return Status::ok();
}

}  // namespace

const std::vector<SynthShape>& synth_shapes() {
  static const std::vector<SynthShape> shapes = {
      {"smollm2-135m", "llama", 576, 1536, 30, 9, 3, 49152, 8192, 100000.0f, true, false,
       "ggml-vocab-starcoder.gguf"},
      {"smollm2-360m", "llama", 960, 2560, 32, 15, 5, 49152, 8192, 100000.0f, true, false,
       "ggml-vocab-starcoder.gguf"},
      {"qwen2.5-0.5b", "qwen2", 896, 4864, 24, 14, 2, 151936, 32768, 1000000.0f, true, true, ""},
      {"tinyllama-1.1b", "llama", 2048, 5632, 22, 32, 4, 32000, 2048, 10000.0f, false, false,
       "ggml-vocab-llama-spm.gguf"},
  };
  return shapes;
}

Result<SynthShape> find_synth_shape(const std::string& name) {
  std::string known;
  for (const SynthShape& s : synth_shapes()) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  return invalid_argument("unknown shape '" + name + "' (known: " + known + ")");
}

Status write_synth_model(const SynthShape& s, const SynthOptions& o, const std::string& out_path,
                         const std::function<void(size_t, size_t)>& progress,
                         std::vector<std::string>* notes) {
  bool known = false;
  for (const FileTypeInfo& f : file_types()) known = known || f.ftype == o.type;
  if (!known) return invalid_argument("synth: unknown file type");
  if (s.n_embd <= 0 || s.n_ff <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 ||
      s.n_vocab <= 0 || s.n_ctx <= 0 || s.n_embd % s.n_head != 0)
    return invalid_argument("synth: shape '" + s.name + "' has a non-positive or uneven size");
  gguf::GgufWriter w;
  const std::string a = s.arch + ".";
  w.set_string("general.architecture", s.arch);
  w.set_string("general.name", s.name + " (random weights, slim synth)");
  w.set_u32("general.file_type", llama_file_type(o.type));
  if (type_traits(file_type_info(o.type).base)->block_elems > 1)
    w.set_u32("general.quantization_version", 2);  // ggml's GGML_QNT_VERSION
  w.set_u32(a + "context_length", static_cast<uint32_t>(s.n_ctx));
  w.set_u32(a + "embedding_length", static_cast<uint32_t>(s.n_embd));
  w.set_u32(a + "feed_forward_length", static_cast<uint32_t>(s.n_ff));
  w.set_u32(a + "block_count", static_cast<uint32_t>(s.n_layer));
  w.set_u32(a + "attention.head_count", static_cast<uint32_t>(s.n_head));
  w.set_u32(a + "attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
  w.set_u32(a + "rope.dimension_count", static_cast<uint32_t>(s.n_embd / s.n_head));
  w.set_f32(a + "rope.freq_base", s.rope_base);
  w.set_f32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
  SLIM_TRY(add_vocabulary(w, s, o, notes));

  // The tensor list first (F32 stand-ins), so the per-tensor types come from the same mix
  // logic as `slim quantize` (quant_mix.hpp), then the tensors with those types.
  struct Planned {
    std::string name;
    uint64_t cols, rows;  // rows == 0: a vector of `cols` elements filled with `value`
    float value;
  };
  const auto embd = static_cast<uint64_t>(s.n_embd), ff = static_cast<uint64_t>(s.n_ff);
  const auto kv = static_cast<uint64_t>(s.n_embd / s.n_head * s.n_head_kv);
  const auto vocab = static_cast<uint64_t>(s.n_vocab);
  std::vector<Planned> plan;
  plan.push_back({"token_embd.weight", embd, vocab, 0.0f});
  plan.push_back({"output_norm.weight", embd, 0, 1.0f});
  if (!s.tied_output) plan.push_back({"output.weight", embd, vocab, 0.0f});
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    plan.push_back({p + "attn_norm.weight", embd, 0, 1.0f});
    plan.push_back({p + "attn_q.weight", embd, embd, 0.0f});
    plan.push_back({p + "attn_k.weight", embd, kv, 0.0f});
    plan.push_back({p + "attn_v.weight", embd, kv, 0.0f});
    if (s.qkv_bias) {
      plan.push_back({p + "attn_q.bias", embd, 0, 0.0f});
      plan.push_back({p + "attn_k.bias", kv, 0, 0.0f});
      plan.push_back({p + "attn_v.bias", kv, 0, 0.0f});
    }
    plan.push_back({p + "attn_output.weight", embd, embd, 0.0f});
    plan.push_back({p + "ffn_norm.weight", embd, 0, 1.0f});
    plan.push_back({p + "ffn_gate.weight", embd, ff, 0.0f});
    plan.push_back({p + "ffn_up.weight", embd, ff, 0.0f});
    plan.push_back({p + "ffn_down.weight", ff, embd, 0.0f});
  }
  std::vector<MixTensor> mix;
  mix.reserve(plan.size());
  for (const Planned& t : plan)
    mix.push_back({t.name, t.rows == 0 ? 1u : 2u, t.cols, TensorType::kF32});
  const MixModel model{static_cast<uint32_t>(s.n_layer), static_cast<uint32_t>(s.n_head),
                       static_cast<uint32_t>(s.n_head_kv)};
  const std::vector<TensorType> types = choose_tensor_types(o.type, model, mix, false, notes);

  ProgressCounter pc;
  pc.fn = progress;
  for (size_t i = 0; i < plan.size(); ++i) {
    const Planned& t = plan[i];
    if (t.rows == 0) {
      SLIM_TRY(add_vector(w, &pc, t.name, t.cols, t.value));
    } else {
      SLIM_TRY(add_matrix(w, &pc, t.name, types[i], t.cols, t.rows, o.seed));
    }
  }
  pc.total = w.tensor_count();
  return w.write(out_path);
}

}  // namespace slim::toolkit
