// GGUF v3 writer: metadata key/values and tensors in, a file (or buffer) out that gguf.hpp reads.
//
// Metadata keys are unique: setting a key again replaces its value (the key keeps its position).
// Setters never fail on the spot; an unusable key (empty or longer than 65535 bytes) is recorded
// and returned by write() / write_to_memory() (also visible through status()).
//
// Tensor data is not copied: the bytes given to add_tensor must stay alive and unchanged until
// the last write. Alternatively add_tensor_fill() produces a tensor's bytes at write time, one
// tensor at a time, so a converter never holds the whole output in memory.
//
// The data section honours general.alignment (a u32 power of two <= 1 MiB, default 32): every
// tensor starts at a multiple of it and is zero-padded to one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "format/gguf.hpp"
#include "quant/types.hpp"
#include "slim/status.hpp"

namespace slim::gguf {

class GgufWriter {
 public:
  // Fills `bytes` bytes of tensor data at `dst`; a failure aborts the write with that Status.
  using FillFn = std::function<Status(uint8_t* dst, size_t bytes)>;

  void set_string(std::string_view key, std::string_view value);
  void set_u32(std::string_view key, uint32_t value);
  void set_i32(std::string_view key, int32_t value);
  void set_u64(std::string_view key, uint64_t value);
  void set_f32(std::string_view key, float value);
  void set_bool(std::string_view key, bool value);
  void set_array_string(std::string_view key, const std::vector<std::string>& values);
  void set_array_f32(std::string_view key, const std::vector<float>& values);
  void set_array_i32(std::string_view key, const std::vector<int32_t>& values);
  // Copies any value (e.g. from a GgufFile), nested arrays included. invalid_argument if the
  // value is inconsistent (array item of the wrong type, integer out of its type's range,
  // nesting deeper than kMaxArrayDepth, unknown type); the key is then left unchanged.
  Status copy_value(std::string_view key, const Value& value);

  bool has_key(std::string_view key) const;
  size_t key_count() const { return kv_.size(); }
  size_t tensor_count() const { return tensors_.size(); }

  // dims lists ne[0] (the contiguous row) first; 1..4 dims, each > 0. `bytes` must equal the
  // size of that shape in `type` (and ne[0] must be a multiple of the type's block size).
  // Tensor names must be unique and 1..kMaxNameLength bytes.
  Status add_tensor(std::string_view name, TensorType type, const std::vector<uint64_t>& dims,
                    const void* data, size_t bytes);
  // Same, but the data is produced by `fill` during write (called once per write).
  Status add_tensor_fill(std::string_view name, TensorType type, const std::vector<uint64_t>& dims,
                         FillFn fill);

  // Writes `path` + ".tmp", then renames it to `path`; on failure the temporary is removed and
  // an existing `path` is left untouched.
  Status write(const std::string& path) const;
  Result<std::vector<uint8_t>> write_to_memory() const;

  // The first error recorded by a setter, or ok.
  const Status& status() const { return error_; }

 private:
  struct Kv {
    std::string key;
    ValueType type = ValueType::kU8;
    std::vector<uint8_t> payload;  // encoded value, without the leading type id
  };
  struct Tensor {
    std::string name;
    TensorType type = TensorType::kF32;
    uint32_t n_dims = 0;
    uint64_t ne[kMaxDims] = {1, 1, 1, 1};
    uint64_t bytes = 0;
    const void* data = nullptr;  // or null when `fill` is set
    FillFn fill;
  };
  using PutFn = std::function<Status(const void* data, size_t n)>;

  bool check_key(std::string_view key);
  void put(std::string_view key, ValueType type, std::vector<uint8_t> payload);
  Status check_tensor(std::string_view name, TensorType type, const std::vector<uint64_t>& dims,
                      Tensor* out) const;
  Status alignment(uint32_t* out) const;
  Status emit(const PutFn& put, uint64_t* total_bytes) const;

  std::vector<Kv> kv_;
  std::vector<Tensor> tensors_;
  Status error_;
};

}  // namespace slim::gguf
