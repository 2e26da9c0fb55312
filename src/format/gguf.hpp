// GGUF v2/v3 reader. The file is hostile input: every count, length, type id,
// dimension and offset is validated before use (see docs/formats.md).
//
// Strings and tensor data are views into the underlying bytes: either a
// read-only mmap owned by GgufFile, or a caller-owned buffer that must outlive it.
// A GgufFile is immutable after open and safe to read from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.hpp"
#include "quant/types.hpp"
#include "slim/status.hpp"

namespace slim::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr uint32_t kMaxDims = 4;
inline constexpr size_t kMaxNameLength = 256;  // tensor names (ggml uses 64)
inline constexpr size_t kMaxArrayDepth = 4;
// Arrays of arrays hold their elements in memory: their total count per file is capped.
inline constexpr uint64_t kMaxNestedArrayElements = 1u << 20;

enum class ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};
const char* value_type_name(ValueType t);

struct Value;

// The elements of an array value. Arrays read from a file are views of its bytes
// (scalars decoded on access, strings through an offset table), so a hostile file
// cannot make the reader allocate more than ~1 byte per file byte. Arrays of arrays,
// and arrays built in memory (e.g. for the writer), hold their elements.
class ArrayItems {
 public:
  ArrayItems() = default;
  ArrayItems(std::vector<Value> owned);  // NOLINT(google-explicit-constructor)

  size_t size() const;
  bool empty() const { return size() == 0; }
  // Element i (i < size()), by value.
  Value operator[](size_t i) const;

  class iterator {
   public:
    iterator(const ArrayItems* a, size_t i) : a_(a), i_(i) {}
    Value operator*() const;
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const ArrayItems* a_;
    size_t i_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }

  // Used by the reader: `raw` holds `count` encoded elements of `elem`; for strings,
  // string_offsets[i] is the offset of element i's length field within raw.
  void set_view(uint32_t elem, uint64_t count, std::string_view raw,
                std::vector<uint64_t> string_offsets);

 private:
  std::vector<Value> owned_;
  bool view_ = false;
  uint32_t elem_ = 0;
  uint64_t count_ = 0;
  std::string_view raw_;
  std::vector<uint64_t> string_offsets_;
};

// One metadata value. Scalars live in the union; strings view the file bytes.
struct Value {
  ValueType type = ValueType::kU8;
  union {
    uint64_t u;  // U8/U16/U32/U64/BOOL
    int64_t i;   // I8/I16/I32/I64
    double f;    // F32/F64
  } num{};
  std::string_view str;                  // kString
  ValueType elem_type = ValueType::kU8;  // kArray: element type
  ArrayItems items;                      // kArray: elements

  bool is_integer() const;
  // Integer value if this is an integer type (or bool) and fits in [lo, hi].
  bool as_int(int64_t lo, int64_t hi, int64_t* out) const;
  bool as_float(double* out) const;  // any numeric type
};

struct KeyValue {
  std::string_view key;
  Value value;
};

struct TensorInfo {
  std::string_view name;
  uint32_t n_dims = 0;
  uint64_t ne[kMaxDims] = {1, 1, 1, 1};  // ne[0] is the contiguous (row) dimension
  TensorType type = TensorType::kF32;
  uint64_t offset = 0;  // relative to the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

class GgufFile {
 public:
  // Maps `path` read-only and parses it.
  static Result<GgufFile> open(const std::string& path);
  // Parses a caller-owned buffer (e.g. a decrypted model); it must outlive the GgufFile.
  static Result<GgufFile> from_memory(const uint8_t* data, size_t size);

  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  size_t file_size() const { return size_; }
  const std::vector<KeyValue>& metadata() const { return kv_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  const Value* find(std::string_view key) const;
  const TensorInfo* find_tensor(std::string_view name) const;
  const uint8_t* tensor_data(const TensorInfo& t) const { return data_ + data_offset_ + t.offset; }

  // Typed getters: not_found if absent, corrupt_file if the type does not fit.
  Result<std::string_view> get_string(std::string_view key) const;
  Result<uint64_t> get_uint(std::string_view key, uint64_t max) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  // Array of `elem` type; corrupt_file if the key holds something else.
  Result<const Value*> get_array(std::string_view key, ValueType elem) const;

 private:
  GgufFile() = default;
  Status parse();

  std::unique_ptr<MappedFile> file_;  // null when reading a caller-owned buffer
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> kv_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace slim::gguf
