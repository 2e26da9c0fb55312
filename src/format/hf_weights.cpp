#include "format/hf_weights.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/json.hpp"
#include "format/hf_dtype.hpp"
#include "format/safetensors.hpp"
#include "format/torch_checkpoint.hpp"

namespace slim::hf {

struct HfWeights::Raw {
  std::string name;
  std::string dtype;
  const DTypeInfo* info = nullptr;
  std::vector<uint64_t> shape;
  const uint8_t* data = nullptr;
  uint64_t n_bytes = 0;
};

namespace {

constexpr const char* kSafetensors = "safetensors";
constexpr const char* kPytorch = "pytorch";

bool is_file(const std::string& p) {
  struct stat sb {};
  return ::stat(p.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

bool is_dir(const std::string& p) {
  struct stat sb {};
  return ::stat(p.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// A shard must be a plain file name in the index's folder.
Status check_shard_name(const std::string& what, const std::string& tensor,
                        const std::string& shard) {
  const bool bad = shard.empty() || shard == "." || shard == ".." ||
                   shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos ||
                   shard.find('\0') != std::string::npos;
  if (!bad) return Status::ok();
  return corrupt(what + ": weight_map maps " + json::quote(tensor) + " to " + json::quote(shard) +
                 ", which is not a plain file name in the same folder");
}

}  // namespace

Status HfWeights::load_one(const std::string& path, const std::string& format,
                           std::vector<MappedFile>* maps, std::vector<Raw>* out) {
  SLIM_ASSIGN_OR_RETURN(MappedFile m, MappedFile::open(path));
  if (format == kSafetensors) {
    SLIM_ASSIGN_OR_RETURN(safetensors::File f,
                          safetensors::File::from_memory(m.data(), m.size(), path));
    for (const safetensors::TensorInfo& t : f.tensors())
      out->push_back({t.name, t.dtype, t.info, t.shape, t.data, t.n_bytes});
  } else {
    SLIM_ASSIGN_OR_RETURN(torch::Checkpoint ck,
                          torch::Checkpoint::from_memory(m.data(), m.size(), path));
    for (const torch::Tensor& t : ck.tensors())
      out->push_back({t.name, t.dtype, t.info, t.shape, t.data, t.n_bytes});
  }
  maps->push_back(std::move(m));
  return Status::ok();
}

Status HfWeights::add(Raw&& t) {
  if (index_.count(t.name) != 0 || skipped_index_.count(t.name) != 0)
    return corrupt("tensor " + json::quote(t.name) + " appears twice");
  if (t.info->supported) {
    index_.emplace(t.name, tensors_.size());
    tensors_.push_back({std::move(t.name), t.info->type, std::move(t.shape), t.data, t.n_bytes});
  } else {
    skipped_index_.emplace(t.name, skipped_.size());
    skipped_.push_back({std::move(t.name), std::move(t.dtype), std::move(t.shape)});
  }
  return Status::ok();
}

Result<HfWeights> HfWeights::open_file(const std::string& path) {
  std::string format = kSafetensors;
  {
    SLIM_ASSIGN_OR_RETURN(MappedFile m, MappedFile::open(path));
    if (m.size() >= 4 && (std::memcmp(m.data(), "PK\x03\x04", 4) == 0 || m.data()[0] == 0x80))
      format = kPytorch;
  }
  HfWeights w;
  w.format_ = format;
  w.files_.push_back(path);
  std::vector<Raw> raw;
  SLIM_TRY(load_one(path, format, &w.maps_, &raw));
  for (Raw& t : raw) SLIM_TRY(w.add(std::move(t)).with_context(path));
  return w;
}

Result<HfWeights> HfWeights::open_sharded(const std::string& dir, const std::string& index_name,
                                          const std::string& format) {
  const std::string index_path = join(dir, index_name);
  SLIM_ASSIGN_OR_RETURN(MappedFile im, MappedFile::open(index_path));
  const std::string_view text(reinterpret_cast<const char*>(im.data()), im.size());
  SLIM_ASSIGN_OR_RETURN(json::Value root, json::parse(text, index_path));
  if (!root.is_object()) return corrupt(index_path + ": not a JSON object");
  const json::Value* map = root.find("weight_map");
  if (map == nullptr || !map->is_object())
    return corrupt(index_path + ": no \"weight_map\" object");
  if (map->size() == 0) return corrupt(index_path + ": weight_map is empty");

  std::vector<std::string> shards;
  std::unordered_map<std::string, std::string> shard_of;  // tensor -> shard
  for (size_t i = 0; i < map->size(); ++i) {
    const std::string& tensor = map->key(i);
    if (!map->at(i).is_string())
      return corrupt(index_path + ": weight_map value for " + json::quote(tensor) +
                     " is not a string");
    const std::string& shard = map->at(i).str();
    SLIM_TRY(check_shard_name(index_path, tensor, shard));
    if (std::find(shards.begin(), shards.end(), shard) == shards.end()) shards.push_back(shard);
    shard_of.emplace(tensor, shard);
  }

  HfWeights w;
  w.format_ = format;
  std::unordered_map<std::string, Raw> found;
  for (const std::string& shard : shards) {
    const std::string path = join(dir, shard);
    std::vector<Raw> raw;
    SLIM_TRY(load_one(path, format, &w.maps_, &raw).with_context(index_path));
    w.files_.push_back(path);
    for (Raw& t : raw) {
      const auto it = shard_of.find(t.name);
      if (it == shard_of.end()) {
        return corrupt(index_path + ": shard " + json::quote(shard) + " holds tensor " +
                       json::quote(t.name) + ", which weight_map does not list");
      }
      if (it->second != shard) {
        return corrupt(index_path + ": tensor " + json::quote(t.name) + " is in shard " +
                       json::quote(shard) + " but weight_map puts it in " +
                       json::quote(it->second));
      }
      std::string name = t.name;
      if (!found.emplace(std::move(name), std::move(t)).second)
        return corrupt(index_path + ": shard " + json::quote(shard) + " holds tensor twice");
    }
  }
  for (size_t i = 0; i < map->size(); ++i) {
    const std::string& tensor = map->key(i);
    const auto it = found.find(tensor);
    if (it == found.end()) {
      return corrupt(index_path + ": tensor " + json::quote(tensor) + " is not in its shard " +
                     json::quote(map->at(i).str()));
    }
    SLIM_TRY(w.add(std::move(it->second)).with_context(index_path));
  }
  return w;
}

Result<HfWeights> HfWeights::open_dir(const std::string& dir) {
  if (!is_dir(dir)) return not_found("'" + dir + "' is not a directory");
  if (is_file(join(dir, "model.safetensors"))) return open_file(join(dir, "model.safetensors"));
  if (is_file(join(dir, "model.safetensors.index.json")))
    return open_sharded(dir, "model.safetensors.index.json", kSafetensors);
  if (is_file(join(dir, "pytorch_model.bin"))) return open_file(join(dir, "pytorch_model.bin"));
  if (is_file(join(dir, "pytorch_model.bin.index.json")))
    return open_sharded(dir, "pytorch_model.bin.index.json", kPytorch);
  return not_found("'" + dir +
                   "' holds no model.safetensors, model.safetensors.index.json, "
                   "pytorch_model.bin or pytorch_model.bin.index.json");
}

const WeightTensor* HfWeights::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Result<const WeightTensor*> HfWeights::get(std::string_view name) const {
  if (const WeightTensor* t = find(name)) return t;
  const auto it = skipped_index_.find(name);
  if (it != skipped_index_.end()) {
    return unsupported("unsupported dtype " + skipped_[it->second].dtype + " for tensor " +
                       json::quote(name) + " (the engine reads F32, F16 and BF16)");
  }
  return not_found("no tensor " + json::quote(name) + " in the checkpoint");
}

}  // namespace slim::hf
