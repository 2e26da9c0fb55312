// libFuzzer target for the GGUF reader: GgufFile::from_memory on arbitrary bytes.
// A failure must be a clean corrupt_file / unsupported Status; a success must hand out only views
// inside the input (every byte of every string and tensor is read, so ASan sees stray views) and
// must satisfy the format's invariants, checked here independently of the reader.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "format/gguf.hpp"

namespace {

using slim::StatusCode;
using slim::gguf::GgufFile;
using slim::gguf::KeyValue;
using slim::gguf::TensorInfo;
using slim::gguf::Value;
using slim::gguf::ValueType;

volatile uint64_t g_sink;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void require_inside(const void* p, uint64_t n, const uint8_t* base, size_t size) {
  const auto* b = static_cast<const uint8_t*>(p);
  require(b >= base && static_cast<uint64_t>(b - base) <= size);
  require(n <= size - static_cast<uint64_t>(b - base));
}

uint64_t touch(std::string_view s, const uint8_t* base, size_t size) {
  if (s.empty()) return 0;
  require_inside(s.data(), s.size(), base, size);
  uint64_t sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

uint64_t touch_value(const Value& v, const uint8_t* base, size_t size, int depth) {
  require(depth <= static_cast<int>(slim::gguf::kMaxArrayDepth));
  uint64_t sum = 0;
  if (v.type == ValueType::kString) sum += touch(v.str, base, size);
  if (v.type == ValueType::kBool) require(v.num.u <= 1);
  if (v.type == ValueType::kArray) {
    for (const Value& item : v.items) {
      require(item.type == v.elem_type);
      sum += touch_value(item, base, size, depth + 1);
    }
  } else {
    require(v.items.empty());
  }
  return sum;
}

void exercise_getters(const GgufFile& f, std::string_view key) {
  auto s = f.get_string(key);
  if (s.is_ok()) g_sink = g_sink + s->size();
  auto u = f.get_uint(key, UINT64_MAX);
  if (u.is_ok()) g_sink = g_sink + *u;
  auto d = f.get_float(key);
  if (d.is_ok()) g_sink = g_sink + static_cast<uint64_t>(*d != 0);
  auto b = f.get_bool(key);
  if (b.is_ok()) g_sink = g_sink + *b;
  auto a = f.get_array(key, ValueType::kString);
  if (a.is_ok()) g_sink = g_sink + (*a)->items.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = GgufFile::from_memory(data, size);
  if (!r.is_ok()) {
    const StatusCode c = r.status().code();
    require(c == StatusCode::kCorruptFile || c == StatusCode::kUnsupported);
    require(!r.status().message().empty());
    return 0;
  }
  const GgufFile& f = *r;
  require(f.version() == 2 || f.version() == 3);
  const uint32_t align = f.alignment();
  require(align != 0 && (align & (align - 1)) == 0);

  uint64_t sum = 0;
  std::vector<std::string_view> keys;
  for (const KeyValue& kv : f.metadata()) {
    require(!kv.key.empty());
    sum += touch(kv.key, data, size);
    sum += touch_value(kv.value, data, size, 0);
    // find() is a linear scan: exercise the getters on the first keys only (no O(n^2) timeouts).
    if (keys.size() < 64) exercise_getters(f, kv.key);
    keys.push_back(kv.key);
  }
  std::sort(keys.begin(), keys.end());
  require(std::adjacent_find(keys.begin(), keys.end()) == keys.end());

  std::vector<std::pair<uint64_t, uint64_t>> extents;  // [offset, end) in the data section
  for (const TensorInfo& t : f.tensors()) {
    require(!t.name.empty());
    sum += touch(t.name, data, size);
    if (extents.size() < 64) require(f.find_tensor(t.name) == &t);  // linear scan, see above
    require(t.n_dims >= 1 && t.n_dims <= slim::gguf::kMaxDims);
    const slim::TypeTraits* tr = slim::type_traits(t.type);
    require(tr != nullptr);
    uint64_t n = 1;
    for (uint32_t d = 0; d < slim::gguf::kMaxDims; ++d) {
      require(t.ne[d] >= 1);
      require(d < t.n_dims || t.ne[d] == 1);
      require(!__builtin_mul_overflow(n, t.ne[d], &n));
    }
    require(n == t.n_elements);
    require(t.ne[0] % tr->block_elems == 0);
    require(t.n_bytes == n / tr->block_elems * tr->block_bytes);
    require(t.offset % align == 0);
    require(f.data_offset() % align == 0 && f.data_offset() <= size);
    const uint8_t* p = f.tensor_data(t);
    require_inside(p, t.n_bytes, data, size);
    for (uint64_t i = 0; i < t.n_bytes; ++i) sum += p[i];
    extents.emplace_back(t.offset, t.offset + t.n_bytes);
  }
  std::sort(extents.begin(), extents.end());
  for (size_t i = 1; i < extents.size(); ++i) require(extents[i - 1].second <= extents[i].first);
  g_sink = g_sink + sum;
  return 0;
}
