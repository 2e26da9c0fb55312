// The weights of a Hugging Face model folder, whatever file format holds them:
//   model.safetensors | model.safetensors.index.json + shards |
//   pytorch_model.bin | pytorch_model.bin.index.json + shards
// (looked for in that order, as transformers does: safetensors is preferred when both exist).
//
// Tensors of F32, F16 and BF16 are listed in tensors(); tensors of other dtypes (an I64
// position_ids buffer, a BOOL mask ...) are not: they are listed in skipped(), and get() on
// one returns kUnsupported "unsupported dtype I64 for tensor 'x'". Data point into read-only
// mappings owned by the HfWeights; no alignment is guaranteed (read with memcpy).
//
// Sharded folders: the index's "weight_map" {tensor: shard file} must name plain file names
// in the same folder (no "/", "\", "..", absolute paths), every listed tensor must be in its
// shard, and every tensor of a shard must be listed for that shard (so none is in two shards).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.hpp"
#include "quant/types.hpp"
#include "slim/status.hpp"

namespace slim::hf {

struct WeightTensor {
  std::string name;  // as in the checkpoint, e.g. "model.layers.0.self_attn.q_proj.weight"
  TensorType type;   // kF32, kF16 or kBF16
  std::vector<uint64_t> shape;  // PyTorch order: outermost first (a Linear weight is [out, in])
  const uint8_t* data;          // contiguous, little-endian, row-major; points into a mapping
  uint64_t n_bytes;
};

// A tensor whose dtype the engine does not read.
struct SkippedTensor {
  std::string name;
  std::string dtype;  // safetensors spelling: "I64", "F64", "BOOL", "U8" ...
  std::vector<uint64_t> shape;
};

class HfWeights {  // owns the file mappings; movable, not copyable
 public:
  static Result<HfWeights> open_dir(const std::string& dir);
  static Result<HfWeights> open_file(const std::string& path);  // one .safetensors or .bin

  HfWeights() = default;
  HfWeights(HfWeights&&) noexcept = default;
  HfWeights& operator=(HfWeights&&) noexcept = default;
  HfWeights(const HfWeights&) = delete;
  HfWeights& operator=(const HfWeights&) = delete;

  // Single file: the checkpoint's order; sharded: the index's weight_map order.
  const std::vector<WeightTensor>& tensors() const { return tensors_; }
  const WeightTensor* find(std::string_view name) const;  // nullptr if absent (or skipped)
  // The tensor, or kNotFound, or kUnsupported for a skipped dtype.
  Result<const WeightTensor*> get(std::string_view name) const;
  const std::vector<SkippedTensor>& skipped() const { return skipped_; }
  std::string format() const { return format_; }  // "safetensors" | "pytorch"
  // The files read, in order (one, or the shards).
  const std::vector<std::string>& files() const { return files_; }

 private:
  struct Raw;  // one tensor of one file, before the dtype split
  Status add(Raw&& t);
  static Result<HfWeights> open_sharded(const std::string& dir, const std::string& index_name,
                                        const std::string& format);
  static Status load_one(const std::string& path, const std::string& format,
                         std::vector<MappedFile>* maps, std::vector<Raw>* out);

  std::string format_;
  std::vector<std::string> files_;
  std::vector<MappedFile> maps_;
  std::vector<WeightTensor> tensors_;
  std::vector<SkippedTensor> skipped_;
  std::map<std::string, size_t, std::less<>> index_;          // into tensors_
  std::map<std::string, size_t, std::less<>> skipped_index_;  // into skipped_
};

}  // namespace slim::hf
