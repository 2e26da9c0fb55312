#include "format/gguf_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "core/checked.hpp"

namespace slim::gguf {

namespace {

constexpr size_t kMaxKeyLength = 65535;
constexpr uint32_t kVersion = 3;
constexpr uint32_t kMaxAlignment = 1u << 20;

template <typename T>
void append(std::vector<uint8_t>* out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto* p = reinterpret_cast<const uint8_t*>(&v);  // host is little-endian
  out->insert(out->end(), p, p + sizeof(T));
}

void append_string(std::vector<uint8_t>* out, std::string_view s) {
  append<uint64_t>(out, s.size());
  out->insert(out->end(), s.begin(), s.end());
}

bool known_value_type(ValueType t) {
  return static_cast<uint32_t>(t) <= static_cast<uint32_t>(ValueType::kF64);
}

// Encodes v's payload (no type id). `what` names the value for messages.
Status encode_value(const Value& v, size_t depth, const std::string& what,
                    std::vector<uint8_t>* out) {
  auto range = [&](bool ok) {
    return ok ? Status::ok()
              : invalid_argument("gguf writer: " + what + ": value out of range for " +
                                 value_type_name(v.type));
  };
  switch (v.type) {
    case ValueType::kU8:
      SLIM_TRY(range(v.num.u <= UINT8_MAX));
      append<uint8_t>(out, static_cast<uint8_t>(v.num.u));
      return Status::ok();
    case ValueType::kI8:
      SLIM_TRY(range(v.num.i >= INT8_MIN && v.num.i <= INT8_MAX));
      append<int8_t>(out, static_cast<int8_t>(v.num.i));
      return Status::ok();
    case ValueType::kU16:
      SLIM_TRY(range(v.num.u <= UINT16_MAX));
      append<uint16_t>(out, static_cast<uint16_t>(v.num.u));
      return Status::ok();
    case ValueType::kI16:
      SLIM_TRY(range(v.num.i >= INT16_MIN && v.num.i <= INT16_MAX));
      append<int16_t>(out, static_cast<int16_t>(v.num.i));
      return Status::ok();
    case ValueType::kU32:
      SLIM_TRY(range(v.num.u <= UINT32_MAX));
      append<uint32_t>(out, static_cast<uint32_t>(v.num.u));
      return Status::ok();
    case ValueType::kI32:
      SLIM_TRY(range(v.num.i >= INT32_MIN && v.num.i <= INT32_MAX));
      append<int32_t>(out, static_cast<int32_t>(v.num.i));
      return Status::ok();
    case ValueType::kU64:
      append<uint64_t>(out, v.num.u);
      return Status::ok();
    case ValueType::kI64:
      append<int64_t>(out, v.num.i);
      return Status::ok();
    case ValueType::kF32:
      append<float>(out, static_cast<float>(v.num.f));
      return Status::ok();
    case ValueType::kF64:
      append<double>(out, v.num.f);
      return Status::ok();
    case ValueType::kBool:
      SLIM_TRY(range(v.num.u <= 1));
      append<uint8_t>(out, static_cast<uint8_t>(v.num.u));
      return Status::ok();
    case ValueType::kString:
      append_string(out, v.str);
      return Status::ok();
    case ValueType::kArray: {
      if (depth >= kMaxArrayDepth) {
        return invalid_argument("gguf writer: " + what + ": arrays nested deeper than " +
                                std::to_string(kMaxArrayDepth));
      }
      if (!known_value_type(v.elem_type)) {
        return invalid_argument("gguf writer: " + what + ": unknown array element type " +
                                std::to_string(static_cast<uint32_t>(v.elem_type)));
      }
      append<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
      append<uint64_t>(out, v.items.size());
      for (size_t i = 0; i < v.items.size(); ++i) {
        const std::string item = what + "[" + std::to_string(i) + "]";
        if (v.items[i].type != v.elem_type) {
          return invalid_argument("gguf writer: " + item + " is " +
                                  value_type_name(v.items[i].type) + " in an array of " +
                                  value_type_name(v.elem_type));
        }
        SLIM_TRY(encode_value(v.items[i], depth + 1, item, out));
      }
      return Status::ok();
    }
  }
  return invalid_argument("gguf writer: " + what + ": unknown value type " +
                          std::to_string(static_cast<uint32_t>(v.type)));
}

}  // namespace

bool GgufWriter::check_key(std::string_view key) {
  if (!key.empty() && key.size() <= kMaxKeyLength) return true;
  if (error_.is_ok()) {
    error_ = invalid_argument("gguf writer: metadata key of " + std::to_string(key.size()) +
                              " bytes (must be 1.." + std::to_string(kMaxKeyLength) + ")");
  }
  return false;
}

void GgufWriter::put(std::string_view key, ValueType type, std::vector<uint8_t> payload) {
  for (Kv& kv : kv_) {
    if (kv.key == key) {
      kv.type = type;
      kv.payload = std::move(payload);
      return;
    }
  }
  kv_.push_back(Kv{std::string(key), type, std::move(payload)});
}

void GgufWriter::set_string(std::string_view key, std::string_view value) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append_string(&p, value);
  put(key, ValueType::kString, std::move(p));
}

void GgufWriter::set_u32(std::string_view key, uint32_t value) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append(&p, value);
  put(key, ValueType::kU32, std::move(p));
}

void GgufWriter::set_i32(std::string_view key, int32_t value) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append(&p, value);
  put(key, ValueType::kI32, std::move(p));
}

void GgufWriter::set_u64(std::string_view key, uint64_t value) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append(&p, value);
  put(key, ValueType::kU64, std::move(p));
}

void GgufWriter::set_f32(std::string_view key, float value) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append(&p, value);
  put(key, ValueType::kF32, std::move(p));
}

void GgufWriter::set_bool(std::string_view key, bool value) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append<uint8_t>(&p, value ? 1 : 0);
  put(key, ValueType::kBool, std::move(p));
}

void GgufWriter::set_array_string(std::string_view key, const std::vector<std::string>& values) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append<uint32_t>(&p, static_cast<uint32_t>(ValueType::kString));
  append<uint64_t>(&p, values.size());
  for (const std::string& s : values) append_string(&p, s);
  put(key, ValueType::kArray, std::move(p));
}

void GgufWriter::set_array_f32(std::string_view key, const std::vector<float>& values) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append<uint32_t>(&p, static_cast<uint32_t>(ValueType::kF32));
  append<uint64_t>(&p, values.size());
  for (float v : values) append(&p, v);
  put(key, ValueType::kArray, std::move(p));
}

void GgufWriter::set_array_i32(std::string_view key, const std::vector<int32_t>& values) {
  if (!check_key(key)) return;
  std::vector<uint8_t> p;
  append<uint32_t>(&p, static_cast<uint32_t>(ValueType::kI32));
  append<uint64_t>(&p, values.size());
  for (int32_t v : values) append(&p, v);
  put(key, ValueType::kArray, std::move(p));
}

Status GgufWriter::copy_value(std::string_view key, const Value& value) {
  if (key.empty() || key.size() > kMaxKeyLength) {
    return invalid_argument("gguf writer: metadata key of " + std::to_string(key.size()) +
                            " bytes (must be 1.." + std::to_string(kMaxKeyLength) + ")");
  }
  std::string what = "'";  // built with += : GCC 12 -O3 gives a bogus -Wrestrict on "'" + s
  what += key;
  what += "'";
  std::vector<uint8_t> p;
  SLIM_TRY(encode_value(value, 0, what, &p));
  put(key, value.type, std::move(p));
  return Status::ok();
}

bool GgufWriter::has_key(std::string_view key) const {
  return std::any_of(kv_.begin(), kv_.end(), [&](const Kv& kv) { return kv.key == key; });
}

Status GgufWriter::check_tensor(std::string_view name, TensorType type,
                                const std::vector<uint64_t>& dims, Tensor* out) const {
  const std::string tn = "gguf writer: tensor '" + std::string(name) + "'";
  if (name.empty() || name.size() > kMaxNameLength) {
    return invalid_argument(tn + ": name of " + std::to_string(name.size()) +
                            " bytes (must be 1.." + std::to_string(kMaxNameLength) + ")");
  }
  for (const Tensor& t : tensors_) {
    if (t.name == name) return invalid_argument(tn + " was already added");
  }
  const TypeTraits* tr = type_traits(type);
  if (tr == nullptr) {
    return invalid_argument(tn + ": unknown tensor type " +
                            std::to_string(static_cast<uint32_t>(type)));
  }
  if (dims.empty() || dims.size() > kMaxDims) {
    return invalid_argument(tn + " has " + std::to_string(dims.size()) +
                            " dimensions (must be 1.." + std::to_string(kMaxDims) + ")");
  }
  uint64_t n_elements = 1;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 0 || dims[d] > static_cast<uint64_t>(INT64_MAX)) {
      return invalid_argument(tn + ": dimension " + std::to_string(d) + " = " +
                              std::to_string(dims[d]) + " is invalid");
    }
    if (!checked_mul(n_elements, dims[d], &n_elements) ||
        n_elements > static_cast<uint64_t>(INT64_MAX)) {
      return invalid_argument(tn + ": element count overflows");
    }
  }
  if (dims[0] % tr->block_elems != 0) {
    return invalid_argument(tn + ": row length " + std::to_string(dims[0]) +
                            " is not a multiple of the " + std::string(tr->name) + " block size " +
                            std::to_string(tr->block_elems));
  }
  uint64_t bytes = 0;
  uint64_t row_size = 0;  // blocks plus the type's row header (W8A8's row scale)
  if (!row_bytes(type, dims[0], &row_size) ||
      !checked_mul(n_elements / dims[0], row_size, &bytes) || bytes > SIZE_MAX) {
    return invalid_argument(tn + ": byte size overflows");
  }
  out->name = std::string(name);
  out->type = type;
  out->n_dims = static_cast<uint32_t>(dims.size());
  for (uint32_t d = 0; d < kMaxDims; ++d) out->ne[d] = d < dims.size() ? dims[d] : 1;
  out->bytes = bytes;
  return Status::ok();
}

Status GgufWriter::add_tensor(std::string_view name, TensorType type,
                              const std::vector<uint64_t>& dims, const void* data, size_t bytes) {
  Tensor t;
  SLIM_TRY(check_tensor(name, type, dims, &t));
  if (bytes != t.bytes) {
    return invalid_argument("gguf writer: tensor '" + t.name + "': " + std::to_string(bytes) +
                            " bytes given, but its shape in " + std::string(type_name(type)) +
                            " takes " + std::to_string(t.bytes));
  }
  if (data == nullptr) return invalid_argument("gguf writer: tensor '" + t.name + "': null data");
  t.data = data;
  tensors_.push_back(std::move(t));
  return Status::ok();
}

Status GgufWriter::add_tensor_fill(std::string_view name, TensorType type,
                                   const std::vector<uint64_t>& dims, FillFn fill) {
  Tensor t;
  SLIM_TRY(check_tensor(name, type, dims, &t));
  if (!fill) return invalid_argument("gguf writer: tensor '" + t.name + "': empty fill function");
  t.data = nullptr;
  t.fill = std::move(fill);
  tensors_.push_back(std::move(t));
  return Status::ok();
}

Status GgufWriter::alignment(uint32_t* out) const {
  *out = kDefaultAlignment;
  for (const Kv& kv : kv_) {
    if (kv.key != "general.alignment") continue;
    if (kv.type != ValueType::kU32) {
      return invalid_argument(std::string("gguf writer: general.alignment must be u32, not ") +
                              value_type_name(kv.type));
    }
    uint32_t a = 0;
    std::memcpy(&a, kv.payload.data(), sizeof(a));
    if (a == 0 || (a & (a - 1)) != 0 || a > kMaxAlignment) {
      return invalid_argument("gguf writer: general.alignment " + std::to_string(a) +
                              " is not a power of two <= 1 MiB");
    }
    *out = a;
  }
  return Status::ok();
}

Status GgufWriter::emit(const PutFn& put_bytes, uint64_t* total_bytes) const {
  SLIM_TRY(error_);
  uint32_t align = 0;
  SLIM_TRY(alignment(&align));

  // Offsets of each tensor within the data section; every tensor is padded to the alignment.
  std::vector<uint64_t> offsets(tensors_.size());
  uint64_t data_size = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    offsets[i] = data_size;
    if (!checked_add(data_size, tensors_[i].bytes, &data_size) ||
        !checked_align_up(data_size, align, &data_size)) {
      return invalid_argument("gguf writer: total tensor data size overflows");
    }
  }

  std::vector<uint8_t> header;
  append<uint32_t>(&header, kMagic);
  append<uint32_t>(&header, kVersion);
  append<uint64_t>(&header, tensors_.size());
  append<uint64_t>(&header, kv_.size());
  for (const Kv& kv : kv_) {
    append_string(&header, kv.key);
    append<uint32_t>(&header, static_cast<uint32_t>(kv.type));
    header.insert(header.end(), kv.payload.begin(), kv.payload.end());
  }
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const Tensor& t = tensors_[i];
    append_string(&header, t.name);
    append<uint32_t>(&header, t.n_dims);
    for (uint32_t d = 0; d < t.n_dims; ++d) append<uint64_t>(&header, t.ne[d]);
    append<uint32_t>(&header, static_cast<uint32_t>(t.type));
    append<uint64_t>(&header, offsets[i]);
  }
  uint64_t data_start = 0;
  if (!checked_align_up(header.size(), align, &data_start) ||
      !checked_add(data_start, data_size, total_bytes)) {
    return invalid_argument("gguf writer: file size overflows");
  }
  header.resize(static_cast<size_t>(data_start), 0);
  SLIM_TRY(put_bytes(header.data(), header.size()));

  static const uint8_t kZeros[256] = {};
  std::vector<uint8_t> scratch;
  uint64_t pos = 0;  // within the data section
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const Tensor& t = tensors_[i];
    while (pos < offsets[i]) {
      const auto k = static_cast<size_t>(std::min<uint64_t>(offsets[i] - pos, sizeof(kZeros)));
      SLIM_TRY(put_bytes(kZeros, k));
      pos += k;
    }
    const auto n = static_cast<size_t>(t.bytes);
    if (t.fill) {
      scratch.resize(n);
      Status st = t.fill(scratch.data(), n);
      if (!st) return st.with_context("gguf writer: tensor '" + t.name + "'");
      SLIM_TRY(put_bytes(scratch.data(), n));
    } else {
      SLIM_TRY(put_bytes(t.data, n));
    }
    pos += t.bytes;
  }
  while (pos < data_size) {
    const auto k = static_cast<size_t>(std::min<uint64_t>(data_size - pos, sizeof(kZeros)));
    SLIM_TRY(put_bytes(kZeros, k));
    pos += k;
  }
  return Status::ok();
}

Result<std::vector<uint8_t>> GgufWriter::write_to_memory() const {
  std::vector<uint8_t> out;
  uint64_t total = 0;
  bool reserved = false;
  SLIM_TRY(emit(
      [&](const void* data, size_t n) {
        if (!reserved) {  // emit sets `total` before its first call
          if (total > out.max_size()) return invalid_argument("gguf writer: output too large");
          out.reserve(static_cast<size_t>(total));
          reserved = true;
        }
        const auto* p = static_cast<const uint8_t*>(data);
        out.insert(out.end(), p, p + n);
        return Status::ok();
      },
      &total));
  return out;
}

Status GgufWriter::write(const std::string& path) const {
  if (path.empty()) return invalid_argument("gguf writer: empty output path");
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return io_error("gguf writer: cannot create '" + tmp + "': " + std::strerror(errno));
  }
  uint64_t total = 0;
  Status st = emit(
      [&](const void* data, size_t n) {
        if (n != 0 && std::fwrite(data, 1, n, f) != n) {
          return io_error("gguf writer: writing '" + tmp + "' failed: " + std::strerror(errno));
        }
        return Status::ok();
      },
      &total);
  if (st.is_ok() && (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0)) {
    st = io_error("gguf writer: flushing '" + tmp + "' failed: " + std::strerror(errno));
  }
  if (std::fclose(f) != 0 && st.is_ok()) {
    st = io_error("gguf writer: closing '" + tmp + "' failed: " + std::strerror(errno));
  }
  if (st.is_ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    st = io_error("gguf writer: renaming '" + tmp + "' to '" + path +
                  "' failed: " + std::strerror(errno));
  }
  if (!st.is_ok()) std::remove(tmp.c_str());
  return st;
}

}  // namespace slim::gguf
