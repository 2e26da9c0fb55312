// config.json -> ModelPlan: architecture dispatch and the shared planner helpers.
#include <algorithm>
#include <array>
#include <cmath>

#include "hf/plan_builder.hpp"

namespace slim::hf {

namespace {

std::string key_msg(std::string_view key) {
  return "config.json: \"" + std::string(key) + "\"";
}

struct ArchEntry {
  std::string_view hf_class;
  std::string_view model_type;
  std::string_view gguf_arch;
  Status (*plan)(const ConfigReader&, const std::vector<SourceTensor>&, ModelPlan&);
};

constexpr std::array<ArchEntry, 5> kArchs{{
    {"LlamaForCausalLM", "llama", "llama", plan_llama},
    {"Qwen2ForCausalLM", "qwen2", "qwen2", plan_llama},
    {"GPT2LMHeadModel", "gpt2", "gpt2", plan_gpt2},
    {"GPT2Model", "gpt2", "gpt2", plan_gpt2},
    {"OPTForCausalLM", "opt", "opt", plan_opt},
}};

}  // namespace

bool ConfigReader::has(std::string_view key) const {
  const json::Value* v = root_.find(key);
  return v != nullptr && !v->is_null();
}

Result<uint32_t> ConfigReader::u32(std::string_view key, uint32_t lo, uint32_t hi) const {
  const json::Value* v = root_.find(key);
  if (v == nullptr || v->is_null()) return not_found(key_msg(key) + " is missing");
  int64_t x = 0;
  if (!v->get_int(lo, hi, &x)) {
    return corrupt(key_msg(key) + " must be an integer in [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
  }
  return static_cast<uint32_t>(x);
}

Result<uint32_t> ConfigReader::u32_or(std::string_view key, uint32_t lo, uint32_t hi,
                                      uint32_t fallback) const {
  if (!has(key)) return fallback;
  return u32(key, lo, hi);
}

Result<float> ConfigReader::positive_float_or(std::string_view key, float fallback) const {
  if (!has(key)) return fallback;
  const json::Value* v = root_.find(key);
  const double d = v->as_double();
  if (!v->is_number() || !(d > 0) || !std::isfinite(d) || d > 1e30) {
    return corrupt(key_msg(key) + " must be a positive number");
  }
  return static_cast<float>(d);
}

Result<bool> ConfigReader::bool_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  const json::Value* v = root_.find(key);
  if (!v->is_bool()) return corrupt(key_msg(key) + " must be true or false");
  return v->as_bool();
}

Result<std::string> ConfigReader::string_or(std::string_view key, std::string fallback) const {
  if (!has(key)) return fallback;
  const json::Value* v = root_.find(key);
  if (!v->is_string()) return corrupt(key_msg(key) + " must be a string");
  return v->str();
}

PlanBuilder::PlanBuilder(const std::vector<SourceTensor>& tensors, ModelPlan& plan,
                         std::initializer_list<std::string_view> prefixes)
    : tensors_(tensors), plan_(plan), used_(tensors.size(), false) {
  // The first prefix some tensor carries names the whole checkpoint ("" matches anything, so it
  // goes last); with none, the first one, so that errors show the expected full names.
  for (std::string_view p : prefixes) {
    const bool used = std::any_of(tensors.begin(), tensors.end(), [&](const SourceTensor& t) {
      return t.name.size() > p.size() && t.name.substr(0, p.size()) == p;
    });
    if (used) {
      prefix_ = std::string(p);
      return;
    }
  }
  if (prefixes.size() > 0) prefix_ = std::string(*prefixes.begin());
}

const SourceTensor* PlanBuilder::find(const std::string& full) const {
  for (const SourceTensor& t : tensors_) {
    if (t.name == full) return &t;
  }
  return nullptr;
}

bool PlanBuilder::has(const std::string& suffix) const {
  return find(prefix_ + suffix) != nullptr;
}

Result<bool> PlanBuilder::add(const std::string& gguf, const std::string& suffix,
                              std::vector<uint64_t> shape, Transform t, int32_t heads,
                              bool optional) {
  return add_full(gguf, prefix_ + suffix, std::move(shape), t, heads, optional);
}

Result<bool> PlanBuilder::add_full(const std::string& gguf, const std::string& full,
                                   std::vector<uint64_t> shape, Transform t, int32_t heads,
                                   bool optional) {
  const SourceTensor* src = find(full);
  if (src == nullptr) {
    if (optional) return false;
    return not_found("checkpoint has no tensor '" + full + "'");
  }
  if (src->shape != shape) {
    auto str = [](const std::vector<uint64_t>& s) {
      std::string r = "[";
      for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
      return r + "]";
    };
    return corrupt("tensor '" + full + "' has shape " + str(src->shape) + ", config.json implies " +
                   str(shape));
  }
  used_[static_cast<size_t>(src - tensors_.data())] = true;
  TensorPlan p;
  p.gguf_name = gguf;
  p.source_name = full;
  p.transform = t;
  p.heads = heads;
  if (t == Transform::kTranspose) {
    p.gguf_dims = shape;  // [in, out] -> rows of `in` floats: ne = {in, out}
  } else {
    p.gguf_dims.assign(shape.rbegin(), shape.rend());
  }
  plan_.tensors.push_back(std::move(p));
  return true;
}

void PlanBuilder::finish(std::initializer_list<std::string_view> ignored_suffixes) {
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (used_[i]) continue;
    const std::string_view name = tensors_[i].name;
    bool buffer = false;
    for (std::string_view s : ignored_suffixes) {
      if (name.size() >= s.size() && name.substr(name.size() - s.size()) == s) buffer = true;
    }
    plan_.notes.push_back("tensor '" + std::string(name) + "' not used" +
                          (buffer ? " (a constant buffer, not a weight)" : ""));
  }
}

void add_meta(ModelPlan& plan, std::string key, MetaValue value) {
  plan.metadata.push_back({std::move(key), std::move(value)});
}

uint64_t permute_qk_row(uint64_t r, uint64_t rows_per_head) {
  // Hugging Face keeps each head's rotated pairs as (i, i + d/2); GGUF's llama expects
  // (2i, 2i + 1). GGUF row h*d + 2i + s comes from source row h*d + s*d/2 + i.
  const uint64_t half = rows_per_head / 2;
  const uint64_t h = r / rows_per_head, j = r % rows_per_head;
  return h * rows_per_head + (j % 2) * half + j / 2;
}

std::string supported_hf_classes() {
  std::string s;
  for (const ArchEntry& a : kArchs) s += (s.empty() ? "" : ", ") + std::string(a.hf_class);
  return s;
}

Result<ModelPlan> plan_model(std::string_view config_json,
                             const std::vector<SourceTensor>& tensors) {
  json::Limits limits;
  limits.max_bytes = size_t{1} << 20;
  SLIM_ASSIGN_OR_RETURN(json::Value root, json::parse(config_json, "config.json", limits));
  if (!root.is_object()) return corrupt("config.json must hold a JSON object");
  ConfigReader c(root);
  std::string hf_class;
  if (const json::Value* a = root.find("architectures"); a != nullptr && !a->is_null()) {
    if (!a->is_array() || a->size() != 1 || !a->at(0).is_string()) {
      return corrupt("config.json: \"architectures\" must be a list of one class name");
    }
    hf_class = a->at(0).str();
  }
  SLIM_ASSIGN_OR_RETURN(std::string model_type, c.string_or("model_type", ""));
  const ArchEntry* arch = nullptr;
  for (const ArchEntry& e : kArchs) {
    if (!hf_class.empty() ? e.hf_class == hf_class : e.model_type == model_type) {
      arch = &e;
      break;
    }
  }
  if (arch == nullptr) {
    return unsupported("config.json: model class '" +
                       (hf_class.empty() ? "model_type " + model_type : hf_class) +
                       "' is not supported (supported: " + supported_hf_classes() + ")");
  }
  ModelPlan plan;
  plan.architecture = std::string(arch->gguf_arch);
  plan.hf_class = std::string(arch->hf_class);
  add_meta(plan, "general.architecture", plan.architecture);
  SLIM_TRY(arch->plan(c, tensors, plan));
  return plan;
}

}  // namespace slim::hf
