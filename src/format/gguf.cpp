#include "format/gguf.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_set>

#include "core/byte_reader.hpp"
#include "core/checked.hpp"

namespace slim::gguf {

namespace {

constexpr size_t kMaxKeyLength = 65535;

// Smallest on-disk size of one value of type t (used to bound counts before allocating).
uint64_t min_encoded_size(ValueType t) {
  switch (t) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
    case ValueType::kString:
      return 8;
    case ValueType::kArray:
      return 12;
  }
  return 1;
}

bool valid_value_type(uint32_t t) {
  return t <= static_cast<uint32_t>(ValueType::kF64);
}

template <typename T, typename Out>
bool read_as(ByteReader& r, Out* out) {
  T x{};
  if (!r.read(&x)) return false;
  *out = static_cast<Out>(x);
  return true;
}

// Reads one scalar (not string/array) of `type` into v->num; false if truncated.
bool decode_scalar(ValueType type, ByteReader& r, Value* v) {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kBool:
      return read_as<uint8_t>(r, &v->num.u);
    case ValueType::kI8:
      return read_as<int8_t>(r, &v->num.i);
    case ValueType::kU16:
      return read_as<uint16_t>(r, &v->num.u);
    case ValueType::kI16:
      return read_as<int16_t>(r, &v->num.i);
    case ValueType::kU32:
      return read_as<uint32_t>(r, &v->num.u);
    case ValueType::kI32:
      return read_as<int32_t>(r, &v->num.i);
    case ValueType::kU64:
      return read_as<uint64_t>(r, &v->num.u);
    case ValueType::kI64:
      return read_as<int64_t>(r, &v->num.i);
    case ValueType::kF32:
      return read_as<float>(r, &v->num.f);
    case ValueType::kF64:
      return read_as<double>(r, &v->num.f);
    case ValueType::kString:
    case ValueType::kArray:
      break;
  }
  return false;
}

// Parsing state: the cursor plus a description of where we are, for error messages.
class Parser {
 public:
  Parser(const uint8_t* data, size_t size) : r_(data, size) {}

  ByteReader& reader() { return r_; }

  Status fail(const std::string& what) const {
    return corrupt("gguf: at byte " + std::to_string(r_.offset()) + ": " + what);
  }

  Status read_string(std::string_view* out, const std::string& what, uint64_t max_len) {
    uint64_t len = 0;
    if (!r_.read(&len)) return fail("truncated reading length of " + what);
    if (len > max_len) {
      return fail(what + " length " + std::to_string(len) + " exceeds limit " +
                  std::to_string(max_len));
    }
    if (len > r_.remaining()) {
      return fail(what + " length " + std::to_string(len) + " exceeds the " +
                  std::to_string(r_.remaining()) + " bytes left in the file");
    }
    (void)r_.read_bytes(len, out);
    return Status::ok();
  }

  Status read_value(ValueType type, Value* v, const std::string& what, size_t depth) {
    v->type = type;
    if (type == ValueType::kString) return read_string(&v->str, what, UINT64_MAX);
    if (type == ValueType::kArray) return read_array(v, what, depth);
    if (!decode_scalar(type, r_, v)) return fail("truncated reading " + what);
    if (type == ValueType::kBool && v->num.u > 1) {
      return fail(what + ": bool value " + std::to_string(v->num.u) + " is not 0 or 1");
    }
    return Status::ok();
  }

 private:
  Status read_array(Value* v, const std::string& what, size_t depth) {
    if (depth >= kMaxArrayDepth) {
      return fail(what + ": arrays nested deeper than " + std::to_string(kMaxArrayDepth));
    }
    uint32_t et = 0;
    uint64_t n = 0;
    if (!r_.read(&et)) return fail("truncated reading element type of " + what);
    if (!valid_value_type(et))
      return fail(what + ": unknown array element type " + std::to_string(et));
    if (!r_.read(&n)) return fail("truncated reading element count of " + what);
    v->elem_type = static_cast<ValueType>(et);
    uint64_t min_bytes = 0;
    if (!checked_mul(n, min_encoded_size(v->elem_type), &min_bytes) || min_bytes > r_.remaining()) {
      return fail(what + ": array of " + std::to_string(n) + " " + value_type_name(v->elem_type) +
                  " elements cannot fit in the " + std::to_string(r_.remaining()) + " bytes left");
    }
    if (v->elem_type == ValueType::kArray) return read_nested(v, n, what, depth);
    const size_t start = r_.offset();
    std::vector<uint64_t> offsets;
    if (v->elem_type == ValueType::kString) {
      offsets.reserve(static_cast<size_t>(n));  // <= 1 entry per 8 file bytes (checked above)
      for (uint64_t i = 0; i < n; ++i) {
        offsets.push_back(r_.offset() - start);
        uint64_t len = 0;
        if (!r_.read(&len))
          return fail("truncated reading length of " + what + "[" + std::to_string(i) + "]");
        if (len > r_.remaining()) {
          return fail(what + "[" + std::to_string(i) + "] length " + std::to_string(len) +
                      " exceeds the " + std::to_string(r_.remaining()) + " bytes left in the file");
        }
        (void)r_.skip(len);
      }
    } else {
      const uint8_t* p = r_.data() + start;
      if (v->elem_type == ValueType::kBool) {
        for (uint64_t i = 0; i < n; ++i) {
          if (p[i] > 1) {
            return fail(what + "[" + std::to_string(i) + "]: bool value " + std::to_string(p[i]) +
                        " is not 0 or 1");
          }
        }
      }
      (void)r_.skip(min_bytes);  // scalar elements have exactly their minimum size
    }
    v->items.set_view(
        et, n,
        std::string_view(reinterpret_cast<const char*>(r_.data() + start), r_.offset() - start),
        std::move(offsets));
    return Status::ok();
  }

  Status read_nested(Value* v, uint64_t n, const std::string& what, size_t depth) {
    if (n > kMaxNestedArrayElements - nested_elements_) {
      return fail(what + ": more than " + std::to_string(kMaxNestedArrayElements) +
                  " array-of-array elements in the file");
    }
    nested_elements_ += n;
    std::vector<Value> items(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      SLIM_TRY(read_value(ValueType::kArray, &items[i], what + "[" + std::to_string(i) + "]",
                          depth + 1));
    }
    v->items = ArrayItems(std::move(items));
    return Status::ok();
  }

  uint64_t nested_elements_ = 0;
  ByteReader r_;
};

}  // namespace

ArrayItems::ArrayItems(std::vector<Value> owned) : owned_(std::move(owned)) {}

void ArrayItems::set_view(uint32_t elem, uint64_t count, std::string_view raw,
                          std::vector<uint64_t> string_offsets) {
  owned_.clear();
  view_ = true;
  elem_ = elem;
  count_ = count;
  raw_ = raw;
  string_offsets_ = std::move(string_offsets);
}

size_t ArrayItems::size() const {
  return view_ ? static_cast<size_t>(count_) : owned_.size();
}

Value ArrayItems::operator[](size_t i) const {
  if (!view_) return owned_[i];
  Value v;
  v.type = static_cast<ValueType>(elem_);
  if (v.type == ValueType::kString) {
    const uint64_t off = string_offsets_[i];
    uint64_t len = 0;
    std::memcpy(&len, raw_.data() + off, sizeof(len));
    v.str = raw_.substr(static_cast<size_t>(off) + sizeof(len), static_cast<size_t>(len));
    return v;
  }
  const uint64_t size = min_encoded_size(v.type);
  ByteReader r(reinterpret_cast<const uint8_t*>(raw_.data()) + i * size, static_cast<size_t>(size));
  (void)decode_scalar(v.type, r, &v);  // the reader checked the bytes exist
  return v;
}

Value ArrayItems::iterator::operator*() const {
  return (*a_)[i_];
}

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kU8:
      return "u8";
    case ValueType::kI8:
      return "i8";
    case ValueType::kU16:
      return "u16";
    case ValueType::kI16:
      return "i16";
    case ValueType::kU32:
      return "u32";
    case ValueType::kI32:
      return "i32";
    case ValueType::kF32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kU64:
      return "u64";
    case ValueType::kI64:
      return "i64";
    case ValueType::kF64:
      return "f64";
  }
  return "?";
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kU16:
    case ValueType::kI16:
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kBool:
      return true;
    default:
      return false;
  }
}

bool Value::as_int(int64_t lo, int64_t hi, int64_t* out) const {
  if (!is_integer()) return false;
  const bool is_signed = type == ValueType::kI8 || type == ValueType::kI16 ||
                         type == ValueType::kI32 || type == ValueType::kI64;
  if (is_signed) {
    if (num.i < lo || num.i > hi) return false;
    *out = num.i;
    return true;
  }
  if (num.u > static_cast<uint64_t>(INT64_MAX)) return false;
  const auto x = static_cast<int64_t>(num.u);
  if (x < lo || x > hi) return false;
  *out = x;
  return true;
}

bool Value::as_float(double* out) const {
  if (type == ValueType::kF32 || type == ValueType::kF64) {
    *out = num.f;
    return true;
  }
  int64_t x = 0;
  if (!as_int(INT64_MIN, INT64_MAX, &x)) return false;
  *out = static_cast<double>(x);
  return true;
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.status();
  GgufFile f;
  f.file_ = std::make_unique<MappedFile>(std::move(mapped).value());
  f.data_ = f.file_->data();
  f.size_ = f.file_->size();
  Status st = f.parse();
  if (!st) return st.with_context(path);
  return f;
}

Result<GgufFile> GgufFile::from_memory(const uint8_t* data, size_t size) {
  if (data == nullptr && size != 0) return invalid_argument("gguf: null buffer");
  static const uint8_t kNone = 0;
  GgufFile f;
  f.data_ = data ? data : &kNone;
  f.size_ = size;
  SLIM_TRY(f.parse());
  return f;
}

Status GgufFile::parse() {
  Parser p(data_, size_);
  ByteReader& r = p.reader();
  uint32_t magic = 0;
  if (!r.read(&magic))
    return p.fail("file too small for the GGUF magic (" + std::to_string(size_) + " bytes)");
  if (magic != kMagic) return p.fail("bad magic: not a GGUF file");
  if (!r.read(&version_)) return p.fail("truncated reading version");
  if (version_ == 1)
    return unsupported("gguf: version 1 files are not supported (re-convert to v3)");
  if (version_ != 2 && version_ != 3) {
    if ((version_ & 0xffffu) == 0 && version_ != 0) {
      return unsupported("gguf: big-endian GGUF files are not supported");
    }
    return unsupported("gguf: unknown version " + std::to_string(version_));
  }
  uint64_t n_tensors = 0, n_kv = 0;
  if (!r.read(&n_tensors)) return p.fail("truncated reading tensor count");
  if (!r.read(&n_kv)) return p.fail("truncated reading metadata count");
  // Bound counts by the smallest possible encoding before reserving anything.
  if (n_kv > r.remaining() / 13)
    return p.fail("metadata count " + std::to_string(n_kv) + " cannot fit in the file");
  if (n_tensors > r.remaining() / 24)
    return p.fail("tensor count " + std::to_string(n_tensors) + " cannot fit in the file");

  kv_.resize(static_cast<size_t>(n_kv));
  std::unordered_set<std::string_view> keys;
  for (uint64_t i = 0; i < n_kv; ++i) {
    KeyValue& kv = kv_[i];
    const std::string what = "metadata #" + std::to_string(i);
    SLIM_TRY(p.read_string(&kv.key, what + " key", kMaxKeyLength));
    if (kv.key.empty()) return p.fail(what + ": empty key");
    if (!keys.insert(kv.key).second)
      return p.fail("duplicate metadata key '" + std::string(kv.key) + "'");
    uint32_t type = 0;
    if (!r.read(&type)) return p.fail("truncated reading type of '" + std::string(kv.key) + "'");
    if (!valid_value_type(type)) {
      return p.fail("metadata '" + std::string(kv.key) + "' has unknown value type " +
                    std::to_string(type));
    }
    SLIM_TRY(
        p.read_value(static_cast<ValueType>(type), &kv.value, "'" + std::string(kv.key) + "'", 0));
  }

  if (const Value* a = find("general.alignment")) {
    if (a->type != ValueType::kU32) return corrupt("gguf: general.alignment must be u32");
    if (a->num.u == 0 || (a->num.u & (a->num.u - 1)) != 0 || a->num.u > (1u << 20)) {
      return corrupt("gguf: general.alignment " + std::to_string(a->num.u) +
                     " is not a power of two <= 1 MiB");
    }
    alignment_ = static_cast<uint32_t>(a->num.u);
  }

  // Re-check against what is left after the metadata, before reserving tensor infos.
  if (n_tensors > r.remaining() / 24) {
    return p.fail("tensor count " + std::to_string(n_tensors) + " cannot fit in the " +
                  std::to_string(r.remaining()) + " bytes after the metadata");
  }
  tensors_.resize(static_cast<size_t>(n_tensors));
  std::unordered_set<std::string_view> names;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo& t = tensors_[i];
    const std::string what = "tensor #" + std::to_string(i);
    SLIM_TRY(p.read_string(&t.name, what + " name", kMaxNameLength));
    if (t.name.empty()) return p.fail(what + ": empty name");
    const std::string tn = what + " '" + std::string(t.name) + "'";
    if (!names.insert(t.name).second)
      return p.fail("duplicate tensor name '" + std::string(t.name) + "'");
    if (!r.read(&t.n_dims)) return p.fail("truncated reading dimensions of " + tn);
    if (t.n_dims == 0 || t.n_dims > kMaxDims) {
      return p.fail(tn + " has " + std::to_string(t.n_dims) + " dimensions (must be 1..4)");
    }
    t.n_elements = 1;
    for (uint32_t d = 0; d < t.n_dims; ++d) {
      if (!r.read(&t.ne[d])) return p.fail("truncated reading shape of " + tn);
      if (t.ne[d] == 0 || t.ne[d] > static_cast<uint64_t>(INT64_MAX)) {
        return p.fail(tn + " dimension " + std::to_string(d) + " = " + std::to_string(t.ne[d]) +
                      " is invalid");
      }
      if (!checked_mul(t.n_elements, t.ne[d], &t.n_elements) ||
          t.n_elements > static_cast<uint64_t>(INT64_MAX)) {
        return p.fail(tn + ": element count overflows");
      }
    }
    uint32_t type = 0;
    if (!r.read(&type)) return p.fail("truncated reading type of " + tn);
    const TypeTraits* tr = type_traits(type);
    if (tr == nullptr) {  // well-formed but not a type SlimLLM implements (status.hpp: unsupported)
      return unsupported("gguf: at byte " + std::to_string(r.offset()) + ": " + tn +
                         " has unknown tensor type " + std::to_string(type));
    }
    t.type = static_cast<TensorType>(type);
    if (t.ne[0] % tr->block_elems != 0) {
      return p.fail(tn + ": row length " + std::to_string(t.ne[0]) + " is not a multiple of the " +
                    std::string(tr->name) + " block size " + std::to_string(tr->block_elems));
    }
    uint64_t row_size = 0;  // blocks plus the type's row header (W8A8's row scale)
    if (!row_bytes(t.type, t.ne[0], &row_size) ||
        !checked_mul(t.n_elements / t.ne[0], row_size, &t.n_bytes)) {
      return p.fail(tn + ": byte size overflows");
    }
    if (!r.read(&t.offset)) return p.fail("truncated reading data offset of " + tn);
    if (t.offset % alignment_ != 0) {
      return p.fail(tn + ": data offset " + std::to_string(t.offset) + " is not aligned to " +
                    std::to_string(alignment_));
    }
  }

  // Data section starts at the next alignment boundary after the header.
  if (!checked_align_up(r.offset(), alignment_, &data_offset_))
    return p.fail("data offset overflows");
  if (n_tensors > 0 && data_offset_ > size_) {
    return corrupt("gguf: data section starts at " + std::to_string(data_offset_) +
                   ", past the end of the " + std::to_string(size_) + "-byte file");
  }
  const uint64_t data_size = data_offset_ <= size_ ? size_ - data_offset_ : 0;
  for (const TensorInfo& t : tensors_) {
    uint64_t end = 0;
    if (!checked_add(t.offset, t.n_bytes, &end) || end > data_size) {
      return corrupt("gguf: tensor '" + std::string(t.name) + "' data [" +
                     std::to_string(t.offset) + ", +" + std::to_string(t.n_bytes) +
                     ") lies outside the " + std::to_string(data_size) + "-byte data section");
    }
  }
  // Tensors must not overlap each other.
  std::vector<const TensorInfo*> order;
  order.reserve(tensors_.size());
  for (const TensorInfo& t : tensors_) order.push_back(&t);
  std::sort(order.begin(), order.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    if (order[i - 1]->offset + order[i - 1]->n_bytes > order[i]->offset) {
      return corrupt("gguf: tensors '" + std::string(order[i - 1]->name) + "' and '" +
                     std::string(order[i]->name) + "' overlap");
    }
  }
  return Status::ok();
}

const Value* GgufFile::find(std::string_view key) const {
  for (const KeyValue& kv : kv_) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  for (const TensorInfo& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found("gguf: missing key '" + std::string(key) + "'");
  if (v->type != ValueType::kString) {
    return corrupt("gguf: key '" + std::string(key) + "' is " + value_type_name(v->type) +
                   ", expected string");
  }
  return v->str;
}

Result<uint64_t> GgufFile::get_uint(std::string_view key, uint64_t max) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found("gguf: missing key '" + std::string(key) + "'");
  int64_t x = 0;
  const int64_t hi = max > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(max);
  if (!v->as_int(0, hi, &x)) {
    return corrupt("gguf: key '" + std::string(key) + "' must be an integer in [0, " +
                   std::to_string(max) + "]");
  }
  return static_cast<uint64_t>(x);
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found("gguf: missing key '" + std::string(key) + "'");
  double x = 0;
  if (!v->as_float(&x)) return corrupt("gguf: key '" + std::string(key) + "' must be a number");
  return x;
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found("gguf: missing key '" + std::string(key) + "'");
  if (v->type != ValueType::kBool)
    return corrupt("gguf: key '" + std::string(key) + "' must be bool");
  return v->num.u != 0;
}

Result<const Value*> GgufFile::get_array(std::string_view key, ValueType elem) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found("gguf: missing key '" + std::string(key) + "'");
  if (v->type != ValueType::kArray || v->elem_type != elem) {
    return corrupt("gguf: key '" + std::string(key) + "' must be an array of " +
                   value_type_name(elem));
  }
  return v;
}

}  // namespace slim::gguf
