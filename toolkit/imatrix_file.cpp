#include "imatrix_file.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "core/byte_reader.hpp"

namespace slim::toolkit {

namespace {

constexpr int32_t kMaxEntries = 1 << 20;
constexpr int32_t kMaxNameLen = 4096;

template <typename T>
void put(std::ofstream& out, T v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace

Result<Imatrix> parse_imatrix(const uint8_t* data, size_t size, const std::string& name) {
  ByteReader r(data, size);
  auto bad = [&](const std::string& what) {
    return corrupt("imatrix " + name + ": " + what + " (at byte " + std::to_string(r.offset()) +
                   ")");
  };
  int32_t n_entries = 0;
  if (!r.read(&n_entries)) return bad("truncated header");
  if (n_entries < 1 || n_entries > kMaxEntries)
    return bad("entry count " + std::to_string(n_entries) + " out of range");
  Imatrix m;
  for (int32_t e = 0; e < n_entries; ++e) {
    const std::string which = "entry " + std::to_string(e);
    int32_t len = 0;
    if (!r.read(&len)) return bad(which + ": truncated name length");
    if (len < 1 || len > kMaxNameLen)
      return bad(which + ": name length " + std::to_string(len) + " out of range");
    std::string_view nm;
    if (!r.read_bytes(static_cast<uint64_t>(len), &nm)) return bad(which + ": truncated name");
    const std::string tname(nm);
    int32_t ncall = 0, nval = 0;
    if (!r.read(&ncall) || !r.read(&nval)) return bad("'" + tname + "': truncated counts");
    if (ncall < 0) return bad("'" + tname + "': negative ncall " + std::to_string(ncall));
    if (nval < 1 || static_cast<uint64_t>(nval) * 4 > r.remaining())
      return bad("'" + tname + "': value count " + std::to_string(nval) +
                 " out of range or past the end of the file");
    ImatrixEntry entry;
    entry.ncall = ncall;
    entry.mean_sq.resize(static_cast<size_t>(nval));
    for (int32_t i = 0; i < nval; ++i) {
      float v = 0;
      if (!r.read(&v)) return bad("'" + tname + "': truncated values");
      if (!std::isfinite(v) || v < 0)
        return bad("'" + tname + "': value " + std::to_string(i) + " is negative or not finite");
      entry.mean_sq[static_cast<size_t>(i)] = ncall > 0 ? v / static_cast<float>(ncall) : v;
    }
    if (!m.entries.emplace(tname, std::move(entry)).second)
      return bad("duplicate entry '" + tname + "'");
  }
  // Optional trailer (newer llama-imatrix files): chunk count, then the dataset name.
  int32_t chunks = 0;
  if (r.remaining() >= 4 && r.read(&chunks)) m.chunks = chunks;
  int32_t dlen = 0;
  if (r.remaining() >= 4 && r.read(&dlen)) {
    std::string_view ds;
    if (dlen < 0 || dlen > kMaxNameLen || !r.read_bytes(static_cast<uint64_t>(dlen), &ds))
      return bad("bad dataset name length " + std::to_string(dlen));
    m.dataset = std::string(ds);
  }
  if (r.remaining() != 0)
    return bad(std::to_string(r.remaining()) + " unexpected bytes after the entries");
  return m;
}

Result<Imatrix> load_imatrix(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("imatrix: cannot open " + path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return io_error("imatrix: cannot read " + path);
  return parse_imatrix(bytes.data(), bytes.size(), path);
}

Status save_imatrix(const Imatrix& m, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return io_error("imatrix: cannot create " + tmp);
    put(out, static_cast<int32_t>(m.entries.size()));
    for (const auto& [name, e] : m.entries) {
      put(out, static_cast<int32_t>(name.size()));
      out.write(name.data(), static_cast<std::streamsize>(name.size()));
      put(out, e.ncall);
      put(out, static_cast<int32_t>(e.mean_sq.size()));
      const float scale = e.ncall > 0 ? static_cast<float>(e.ncall) : 1.0f;
      for (float v : e.mean_sq) put(out, v * scale);
    }
    put(out, m.chunks);
    put(out, static_cast<int32_t>(m.dataset.size()));
    out.write(m.dataset.data(), static_cast<std::streamsize>(m.dataset.size()));
    out.close();
    if (!out) return io_error("imatrix: write failed: " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return io_error("imatrix: cannot rename " + tmp + " to " + path);
  return Status::ok();
}

}  // namespace slim::toolkit
