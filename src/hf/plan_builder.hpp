// Shared helpers for the per-architecture planners (plan_*.cpp): reading config.json values
// and matching checkpoint tensors by name and shape.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "hf/plan.hpp"

namespace slim::hf {

// Bounds on config.json values (far above any model this engine targets).
inline constexpr uint32_t kMaxWidth = 1u << 17;
inline constexpr uint32_t kMaxLayers = 1024;
inline constexpr uint32_t kMaxVocab = 1u << 22;
inline constexpr uint32_t kMaxCtx = 1u << 24;

// Typed, range-checked access to config.json members; errors name the key.
class ConfigReader {
 public:
  explicit ConfigReader(const json::Value& root) : root_(root) {}
  bool has(std::string_view key) const;
  Result<uint32_t> u32(std::string_view key, uint32_t lo, uint32_t hi) const;
  Result<uint32_t> u32_or(std::string_view key, uint32_t lo, uint32_t hi, uint32_t fallback) const;
  Result<float> positive_float_or(std::string_view key, float fallback) const;
  Result<bool> bool_or(std::string_view key, bool fallback) const;
  Result<std::string> string_or(std::string_view key, std::string fallback) const;

 private:
  const json::Value& root_;
};

// Collects tensor plans for one checkpoint. Checkpoint names may carry one of several
// prefixes (e.g. "transformer." or none for GPT-2); the first prefix that names an existing
// tensor is used for the whole checkpoint.
class PlanBuilder {
 public:
  PlanBuilder(const std::vector<SourceTensor>& tensors, ModelPlan& plan,
              std::initializer_list<std::string_view> prefixes);

  // Adds GGUF tensor `gguf` from checkpoint tensor prefix + `suffix`, whose PyTorch shape must
  // be `shape`. Returns false (and adds nothing) if it is absent and `optional`.
  Result<bool> add(const std::string& gguf, const std::string& suffix, std::vector<uint64_t> shape,
                   Transform t = Transform::kNone, int32_t heads = 0, bool optional = false);
  // Same with the checkpoint's full name (no prefix), e.g. "lm_head.weight".
  Result<bool> add_full(const std::string& gguf, const std::string& full,
                        std::vector<uint64_t> shape, Transform t = Transform::kNone,
                        int32_t heads = 0, bool optional = false);
  // True if prefix + suffix exists.
  bool has(const std::string& suffix) const;
  // Notes every checkpoint tensor not used (suffixes in `ignored` are expected buffers, e.g.
  // GPT-2's attention masks, and are noted as such).
  void finish(std::initializer_list<std::string_view> ignored_suffixes);

 private:
  const SourceTensor* find(const std::string& full) const;
  const std::vector<SourceTensor>& tensors_;
  ModelPlan& plan_;
  std::string prefix_;
  std::vector<bool> used_;
};

void add_meta(ModelPlan& plan, std::string key, MetaValue value);

// Per-architecture planners (plan_llama.cpp, plan_gpt2.cpp, plan_opt.cpp).
Status plan_llama(const ConfigReader& c, const std::vector<SourceTensor>& t, ModelPlan& plan);
Status plan_gpt2(const ConfigReader& c, const std::vector<SourceTensor>& t, ModelPlan& plan);
Status plan_opt(const ConfigReader& c, const std::vector<SourceTensor>& t, ModelPlan& plan);

}  // namespace slim::hf
