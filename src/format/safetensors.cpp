#include "format/safetensors.hpp"

#include <algorithm>
#include <cstring>

#include "core/checked.hpp"
#include "core/json.hpp"

namespace slim::safetensors {

namespace {

std::string q(std::string_view s) {
  return json::quote(s);
}

// One header entry: {"dtype": str, "shape": [int...], "data_offsets": [int, int]}.
Status parse_entry(const std::string& what, const std::string& name, const json::Value& v,
                   uint64_t buffer_bytes, TensorInfo* t) {
  const std::string where = what + ": tensor " + q(name);
  if (!v.is_object()) return corrupt(where + ": entry is a " + v.type_name() + ", not an object");
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string& k = v.key(i);
    if (k != "dtype" && k != "shape" && k != "data_offsets")
      return corrupt(where + ": unknown field " + q(k));
  }
  const json::Value* dtype = v.find("dtype");
  const json::Value* shape = v.find("shape");
  const json::Value* offs = v.find("data_offsets");
  if (dtype == nullptr || shape == nullptr || offs == nullptr)
    return corrupt(where + ": needs \"dtype\", \"shape\" and \"data_offsets\"");
  if (!dtype->is_string()) return corrupt(where + ": dtype is not a string");
  t->dtype = dtype->str();
  t->info = hf::find_dtype(t->dtype);
  if (t->info == nullptr) return unsupported(where + ": unknown dtype " + q(t->dtype));
  if (!shape->is_array()) return corrupt(where + ": shape is not an array");
  if (shape->size() > kMaxDims) {
    return corrupt(where + ": shape has " + std::to_string(shape->size()) +
                   " dimensions (at most " + std::to_string(kMaxDims) + ")");
  }
  uint64_t elems = 1;
  for (size_t i = 0; i < shape->size(); ++i) {
    int64_t d = 0;
    if (!shape->at(i).get_int(0, INT64_MAX, &d))
      return corrupt(where + ": shape[" + std::to_string(i) + "] is not a non-negative integer");
    t->shape.push_back(static_cast<uint64_t>(d));
    if (!checked_mul(elems, static_cast<uint64_t>(d), &elems))
      return corrupt(where + ": element count overflows");
  }
  uint64_t bytes = 0;
  if (!checked_mul(elems, t->info->bytes, &bytes)) return corrupt(where + ": byte size overflows");
  if (!offs->is_array() || offs->size() != 2)
    return corrupt(where + ": data_offsets is not a [begin, end] array");
  int64_t b = 0, e = 0;
  if (!offs->at(0).get_int(0, INT64_MAX, &b) || !offs->at(1).get_int(0, INT64_MAX, &e))
    return corrupt(where + ": data_offsets are not non-negative integers");
  t->begin = static_cast<uint64_t>(b);
  t->end = static_cast<uint64_t>(e);
  if (t->end < t->begin) {
    return corrupt(where + ": data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                   "] end before begin");
  }
  if (t->end > buffer_bytes) {
    return corrupt(where + ": data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                   "] out of range (byte buffer has " + std::to_string(buffer_bytes) + " bytes)");
  }
  if (t->end - t->begin != bytes) {
    return corrupt(where + ": shape and dtype " + t->dtype + " need " + std::to_string(bytes) +
                   " bytes but data_offsets span " + std::to_string(t->end - t->begin));
  }
  t->n_bytes = bytes;
  return Status::ok();
}

}  // namespace

Result<File> File::from_memory(const uint8_t* data, size_t size, std::string_view what_sv) {
  const std::string what(what_sv);
  if (size < 8) {
    return corrupt(what + ": " + std::to_string(size) +
                   " bytes, too short for the 8-byte header length");
  }
  uint64_t n = 0;
  std::memcpy(&n, data, 8);
  if (n > kMaxHeaderBytes) {
    return corrupt(what + ": header length " + std::to_string(n) + " exceeds the " +
                   std::to_string(kMaxHeaderBytes) + "-byte limit");
  }
  if (n > size - 8) {
    return corrupt(what + ": header length " + std::to_string(n) + " exceeds the file (" +
                   std::to_string(size - 8) + " bytes after the length)");
  }
  if (n == 0 || data[8] != '{') return corrupt(what + ": header does not start with '{'");
  const std::string_view text(reinterpret_cast<const char*>(data + 8), static_cast<size_t>(n));
  json::Limits limits;
  limits.max_bytes = kMaxHeaderBytes;
  limits.max_depth = 4;
  SLIM_ASSIGN_OR_RETURN(json::Value root, json::parse(text, what + " header", limits));
  if (!root.is_object()) return corrupt(what + ": header is not a JSON object");

  File f;
  f.header_bytes_ = n;
  const uint64_t buffer_bytes = size - 8 - n;
  const uint8_t* buffer = data + 8 + n;
  for (size_t i = 0; i < root.size(); ++i) {
    const std::string& name = root.key(i);
    const json::Value& v = root.at(i);
    if (name == "__metadata__") {
      if (!v.is_object()) return corrupt(what + ": __metadata__ is not an object");
      for (size_t j = 0; j < v.size(); ++j) {
        if (!v.at(j).is_string()) {
          return corrupt(what + ": __metadata__ value " + q(v.key(j)) + " is a " +
                         v.at(j).type_name() + ", not a string");
        }
        f.metadata_.emplace_back(v.key(j), v.at(j).str());
      }
      continue;
    }
    if (name.empty()) return corrupt(what + ": a tensor has an empty name");
    TensorInfo t;
    t.name = name;
    SLIM_TRY(parse_entry(what, name, v, buffer_bytes, &t));
    t.data = buffer + t.begin;
    f.tensors_.push_back(std::move(t));
  }

  // The tensors must tile the byte buffer: no overlap, no hole, nothing after the last one.
  std::vector<size_t> order(f.tensors_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const TensorInfo& x = f.tensors_[a];
    const TensorInfo& y = f.tensors_[b];
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
  });
  uint64_t at = 0;
  const TensorInfo* prev = nullptr;
  for (size_t i : order) {
    const TensorInfo& t = f.tensors_[i];
    if (t.begin < at) {
      return corrupt(what + ": tensor " + q(t.name) + " data [" + std::to_string(t.begin) + ", " +
                     std::to_string(t.end) + ") overlaps tensor " + q(prev->name) + " [" +
                     std::to_string(prev->begin) + ", " + std::to_string(prev->end) + ")");
    }
    if (t.begin > at) {
      return corrupt(what + ": bytes [" + std::to_string(at) + ", " + std::to_string(t.begin) +
                     ") of the byte buffer belong to no tensor (before tensor " + q(t.name) + ")");
    }
    at = t.end;
    prev = &t;
  }
  if (at != buffer_bytes) {
    return corrupt(what + ": byte buffer has " + std::to_string(buffer_bytes) +
                   " bytes but the tensors cover " + std::to_string(at));
  }
  return f;
}

Result<File> File::open(const std::string& path) {
  SLIM_ASSIGN_OR_RETURN(MappedFile m, MappedFile::open(path));
  SLIM_ASSIGN_OR_RETURN(File f, from_memory(m.data(), m.size(), path));
  f.mapping_ = std::move(m);
  return f;
}

const TensorInfo* File::find(std::string_view name) const {
  for (const TensorInfo& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace slim::safetensors
