// PyTorch checkpoints written by torch.save since 1.6 (pytorch_model.bin): a ZIP archive of
// stored entries <root>/data.pkl (the state dict, pickled), <root>/data/<key> (one raw
// little-endian storage per key), optionally <root>/byteorder ("little") and <root>/version.
// The pickle goes through the restricted unpickler (format/pickle.hpp): nothing is executed.
//
// Each tensor must be contiguous (row-major strides; dimensions of size 1 may have any stride)
// and lie inside its storage, whose entry must hold exactly numel elements. Several tensors
// may view one storage (tied weights). Tensor data are views of the archive; like safetensors,
// no alignment is guaranteed (torch aligns entries to 64 bytes, but consumers must not rely
// on it): read with memcpy. The legacy pre-1.6 format (a bare pickle stream) is rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.hpp"
#include "format/hf_dtype.hpp"
#include "slim/status.hpp"

namespace slim::torch {

struct Tensor {
  std::string name;
  std::string dtype;          // safetensors spelling ("F32", "I64" ...)
  const hf::DTypeInfo* info;  // never null
  std::vector<uint64_t> shape;
  const uint8_t* data = nullptr;
  uint64_t n_bytes = 0;
  std::string storage_key;  // tensors sharing a storage share a key
};

class Checkpoint {
 public:
  // `data` must outlive the Checkpoint. `what` names the input in messages.
  static Result<Checkpoint> from_memory(const uint8_t* data, size_t size,
                                        std::string_view what = "pytorch checkpoint");
  static Result<Checkpoint> open(const std::string& path);

  // In the state dict's order.
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::string& root() const { return root_; }  // the archive's top folder ("archive")
  MappedFile release_mapping() { return std::move(mapping_); }

 private:
  MappedFile mapping_;
  std::string root_;
  std::vector<Tensor> tensors_;
};

}  // namespace slim::torch
