#include "format/torch_checkpoint.hpp"

#include <cstring>
#include <unordered_map>

#include "core/checked.hpp"
#include "core/json.hpp"
#include "format/pickle.hpp"
#include "format/zip_reader.hpp"

namespace slim::torch {

namespace {

// Row-major contiguity, ignoring the stride of dimensions of size 1 (as torch does).
bool is_contiguous(const std::vector<uint64_t>& shape, const std::vector<int64_t>& stride) {
  uint64_t expect = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 1) continue;
    if (shape[i] == 0) return true;  // empty: nothing is addressed
    if (stride[i] < 0 || static_cast<uint64_t>(stride[i]) != expect) return false;
    expect *= shape[i];  // cannot overflow: the caller checked the element count
  }
  return true;
}

std::string dims(const std::vector<uint64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

}  // namespace

Result<Checkpoint> Checkpoint::from_memory(const uint8_t* data, size_t size,
                                           std::string_view what_sv) {
  const std::string what(what_sv);
  if (size >= 2 && data[0] == 0x80 && data[1] <= 5) {
    return unsupported(what +
                       ": a bare pickle (the legacy torch.save format before PyTorch 1.6) "
                       "is not supported; re-save it with a newer PyTorch or use safetensors");
  }
  if (size < 4 || std::memcmp(data, "PK\x03\x04", 4) != 0)
    return corrupt(what + ": not a ZIP archive (torch.save writes one since PyTorch 1.6)");
  SLIM_ASSIGN_OR_RETURN(zip::Archive zip, zip::Archive::parse(data, size, what));

  // The one "<root>/data.pkl" names the root folder.
  Checkpoint ck;
  const zip::Entry* pkl = nullptr;
  std::unordered_map<std::string_view, const zip::Entry*> by_name;
  for (const zip::Entry& e : zip.entries()) {
    by_name.emplace(e.name, &e);
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && slash > 0 && e.name.substr(slash) == "/data.pkl") {
      if (pkl != nullptr) return corrupt(what + ": more than one data.pkl in the archive");
      pkl = &e;
      ck.root_ = e.name.substr(0, slash);
    }
  }
  if (pkl == nullptr) return corrupt(what + ": no <root>/data.pkl entry in the archive");
  if (const auto it = by_name.find(ck.root_ + "/byteorder"); it != by_name.end()) {
    const std::string_view order(reinterpret_cast<const char*>(zip.entry_data(*it->second)),
                                 static_cast<size_t>(it->second->size));
    if (order != "little") {
      return unsupported(what + ": byteorder " + json::quote(order) +
                         " is not supported (only little-endian checkpoints are)");
    }
  }
  SLIM_ASSIGN_OR_RETURN(
      pickle::StateDict sd,
      pickle::load_state_dict(zip.entry_data(*pkl), static_cast<size_t>(pkl->size),
                              what + ": " + pkl->name));

  // Storages: each "<root>/data/<key>" must hold exactly numel elements.
  std::vector<const zip::Entry*> storage_entry(sd.storages.size());
  std::vector<const hf::DTypeInfo*> storage_dtype(sd.storages.size());
  for (size_t i = 0; i < sd.storages.size(); ++i) {
    const pickle::Storage& s = sd.storages[i];
    const std::string entry_name = ck.root_ + "/data/" + s.key;
    const auto it = by_name.find(entry_name);
    if (it == by_name.end())
      return corrupt(what + ": storage " + json::quote(s.key) + " has no entry " +
                     json::quote(entry_name));
    storage_dtype[i] = hf::find_dtype(s.dtype);
    if (storage_dtype[i] == nullptr) return internal_error(what + ": storage dtype " + s.dtype);
    uint64_t bytes = 0;
    if (!checked_mul(s.numel, storage_dtype[i]->bytes, &bytes) || bytes != it->second->size) {
      return corrupt(what + ": storage " + json::quote(s.key) + " of " + std::to_string(s.numel) +
                     " " + s.dtype + " elements has " + std::to_string(it->second->size) +
                     " bytes in the archive");
    }
    storage_entry[i] = it->second;
  }

  for (const pickle::TensorRecord& r : sd.tensors) {
    const pickle::Storage& s = sd.storages[r.storage];
    const hf::DTypeInfo* dt = storage_dtype[r.storage];
    const std::string where = what + ": tensor " + json::quote(r.name);
    uint64_t elems = 1;
    for (uint64_t d : r.shape) {
      if (!checked_mul(elems, d, &elems)) return corrupt(where + ": element count overflows");
    }
    if (!is_contiguous(r.shape, r.stride)) {
      std::vector<uint64_t> st(r.stride.begin(), r.stride.end());
      return unsupported(where + ": size " + dims(r.shape) + " with stride " + dims(st) +
                         " is not contiguous (only contiguous tensors are supported)");
    }
    uint64_t end = 0;
    if (!checked_add(r.offset, elems, &end) || end > s.numel) {
      return corrupt(where + ": elements [" + std::to_string(r.offset) + ", +" +
                     std::to_string(elems) + ") out of range of storage " + json::quote(s.key) +
                     " (" + std::to_string(s.numel) + " elements)");
    }
    Tensor t;
    t.name = r.name;
    t.dtype = s.dtype;
    t.info = dt;
    t.shape = r.shape;
    t.data = zip.entry_data(*storage_entry[r.storage]) + r.offset * dt->bytes;
    t.n_bytes = elems * dt->bytes;
    t.storage_key = s.key;
    ck.tensors_.push_back(std::move(t));
  }
  return ck;
}

Result<Checkpoint> Checkpoint::open(const std::string& path) {
  SLIM_ASSIGN_OR_RETURN(MappedFile m, MappedFile::open(path));
  SLIM_ASSIGN_OR_RETURN(Checkpoint ck, from_memory(m.data(), m.size(), path));
  ck.mapping_ = std::move(m);
  return ck;
}

}  // namespace slim::torch
