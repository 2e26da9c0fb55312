// safetensors reader (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {name: {"dtype", "shape", "data_offsets": [begin, end]},
// optional "__metadata__": {str: str}}, then the byte buffer the offsets index.
//
// The file is hostile input. Checked before any view is handed out: N <= 100 MB and fits the
// file; the header is a valid UTF-8 JSON object starting with '{' (trailing spaces allowed),
// without duplicate names; each dtype is known; shape entries are non-negative and their
// product times the dtype size equals end - begin without overflow; and, as the format
// requires, the tensors tile the byte buffer exactly: sorted by offset, each starts where the
// previous one ended, the last ends at the end of the file (no overlap, no hole, no trailing
// bytes). Tensors of dtypes the engine does not compute with (I64, F64, U8, F8_* ...) parse
// fine and are listed with supported == false.
//
// Alignment: the data of a tensor starts at 8 + N + begin, which the format does not align.
// Consumers must not assume any alignment: read elements with memcpy (or copy the tensor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/mapped_file.hpp"
#include "format/hf_dtype.hpp"
#include "slim/status.hpp"

namespace slim::safetensors {

inline constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;
inline constexpr size_t kMaxDims = 8;

struct TensorInfo {
  std::string name;
  std::string dtype;            // "F32", "I64" ...
  const hf::DTypeInfo* info;    // never null
  std::vector<uint64_t> shape;  // outermost first
  uint64_t begin = 0, end = 0;  // data_offsets, relative to the byte buffer
  const uint8_t* data = nullptr;
  uint64_t n_bytes = 0;
};

class File {
 public:
  // Parses `size` bytes at `data` (caller-owned; must outlive the File). `what` names the
  // input in messages (a path).
  static Result<File> from_memory(const uint8_t* data, size_t size,
                                  std::string_view what = "safetensors");
  // Maps and parses a file; the File owns the mapping.
  static Result<File> open(const std::string& path);

  // In header (document) order.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(std::string_view name) const;
  // "__metadata__" pairs in document order (empty if absent).
  const std::vector<std::pair<std::string, std::string>>& metadata() const { return metadata_; }
  uint64_t header_bytes() const { return header_bytes_; }

  // Hands the mapping (if any) to the caller; the tensor views stay valid while it lives.
  MappedFile release_mapping() { return std::move(mapping_); }

 private:
  MappedFile mapping_;
  std::vector<TensorInfo> tensors_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  uint64_t header_bytes_ = 0;
};

}  // namespace slim::safetensors
