#include "format/zip_reader.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "core/byte_reader.hpp"
#include "core/checked.hpp"
#include "core/json.hpp"

namespace slim::zip {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr size_t kEocdBytes = 22;
constexpr size_t kLocatorBytes = 20;
constexpr size_t kCentralBytes = 46;
constexpr size_t kLocalBytes = 30;

uint16_t u16_at(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t u32_at(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

struct Directory {
  uint64_t entries = 0;
  uint64_t cd_size = 0;
  uint64_t cd_offset = 0;
};

// Reads the ZIP64 end-of-central-directory record the locator before `eocd_at` points to.
Status read_zip64(const std::string& what, const uint8_t* data, size_t size, size_t eocd_at,
                  Directory* dir) {
  if (eocd_at < kLocatorBytes || u32_at(data + eocd_at - kLocatorBytes) != kZip64LocatorSig)
    return corrupt(what + ": ZIP64 sizes announced but no ZIP64 locator before the end record");
  ByteReader loc(data + eocd_at - kLocatorBytes, kLocatorBytes);
  uint32_t sig = 0, disk = 0, disks = 0;
  uint64_t rec = 0;
  loc.read(&sig);
  loc.read(&disk);
  loc.read(&rec);
  loc.read(&disks);
  if (disk != 0 || disks > 1)
    return unsupported(what + ": multi-disk ZIP archives are not supported");
  if (rec > eocd_at - kLocatorBytes || eocd_at - kLocatorBytes - rec < 56)
    return corrupt(what + ": ZIP64 end record offset " + std::to_string(rec) + " out of range");
  ByteReader r(data + rec, size - static_cast<size_t>(rec));
  uint32_t sig64 = 0, d0 = 0, d1 = 0;
  uint64_t rec_size = 0, n_disk = 0;
  uint16_t made = 0, need = 0;
  r.read(&sig64);
  if (sig64 != kZip64EocdSig)
    return corrupt(what + ": no ZIP64 end record at offset " + std::to_string(rec));
  r.read(&rec_size);
  r.read(&made);
  r.read(&need);
  r.read(&d0);
  r.read(&d1);
  r.read(&n_disk);
  r.read(&dir->entries);
  r.read(&dir->cd_size);
  r.read(&dir->cd_offset);
  if (d0 != 0 || d1 != 0 || n_disk != dir->entries)
    return unsupported(what + ": multi-disk ZIP archives are not supported");
  return Status::ok();
}

// Fills in what the zip64 extra field (id 1) holds for the fields that were 0xFFFFFFFF.
Status apply_zip64_extra(const std::string& where, std::string_view extra, uint64_t* usize,
                         uint64_t* csize, uint64_t* local, bool need_u, bool need_c, bool need_l) {
  ByteReader r(reinterpret_cast<const uint8_t*>(extra.data()), extra.size());
  while (r.remaining() >= 4) {
    uint16_t id = 0, len = 0;
    r.read(&id);
    r.read(&len);
    std::string_view body;
    if (!r.read_bytes(len, &body)) return corrupt(where + ": extra field overruns its record");
    if (id != 1) continue;
    ByteReader b(reinterpret_cast<const uint8_t*>(body.data()), body.size());
    if (need_u && !b.read(usize)) return corrupt(where + ": ZIP64 extra field too short");
    if (need_c && !b.read(csize)) return corrupt(where + ": ZIP64 extra field too short");
    if (need_l && !b.read(local)) return corrupt(where + ": ZIP64 extra field too short");
    return Status::ok();
  }
  if (need_u || need_c || need_l)
    return corrupt(where + ": ZIP64 sizes without a ZIP64 extra field");
  return Status::ok();
}

}  // namespace

Result<Archive> Archive::parse(const uint8_t* data, size_t size, std::string_view what_sv) {
  const std::string what(what_sv);
  if (size < kEocdBytes) {
    return corrupt(what + ": " + std::to_string(size) +
                   " bytes, too short for a ZIP archive (no end of central directory record)");
  }
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  size_t eocd_at = SIZE_MAX;
  const size_t lowest = size - kEocdBytes > 65535 ? size - kEocdBytes - 65535 : 0;
  for (size_t at = size - kEocdBytes + 1; at-- > lowest;) {
    if (u32_at(data + at) == kEocdSig && at + kEocdBytes + u16_at(data + at + 20) == size) {
      eocd_at = at;
      break;
    }
  }
  if (eocd_at == SIZE_MAX)
    return corrupt(what + ": not a ZIP archive (no end of central directory record)");
  const uint8_t* e = data + eocd_at;
  const uint16_t disk = u16_at(e + 4), cd_disk = u16_at(e + 6);
  const uint16_t n_disk = u16_at(e + 8), n_total = u16_at(e + 10);
  Directory dir{n_total, u32_at(e + 12), u32_at(e + 16)};
  if (n_total == 0xFFFF || dir.cd_size == 0xFFFFFFFFu || dir.cd_offset == 0xFFFFFFFFu) {
    SLIM_TRY(read_zip64(what, data, size, eocd_at, &dir));
  } else if (disk != 0 || cd_disk != 0 || n_disk != n_total) {
    return unsupported(what + ": multi-disk ZIP archives are not supported");
  }
  uint64_t cd_end = 0;
  if (!checked_add(dir.cd_offset, dir.cd_size, &cd_end) || cd_end > eocd_at) {
    return corrupt(what + ": central directory [" + std::to_string(dir.cd_offset) + ", +" +
                   std::to_string(dir.cd_size) + ") out of range");
  }
  if (dir.entries > kMaxEntries || dir.entries > dir.cd_size / kCentralBytes) {
    return corrupt(what + ": " + std::to_string(dir.entries) + " entries cannot fit a " +
                   std::to_string(dir.cd_size) + "-byte central directory");
  }

  Archive a;
  a.data_ = data;
  std::unordered_set<std::string_view> names;
  ByteReader cd(data + dir.cd_offset, static_cast<size_t>(dir.cd_size));
  a.entries_.reserve(static_cast<size_t>(dir.entries));
  for (uint64_t i = 0; i < dir.entries; ++i) {
    const std::string where_cd = what + ": central directory entry " + std::to_string(i);
    const size_t rec_at = cd.offset();
    if (cd.remaining() < kCentralBytes) return corrupt(where_cd + ": truncated");
    const uint8_t* h = data + dir.cd_offset + rec_at;
    if (u32_at(h) != kCentralSig) return corrupt(where_cd + ": bad signature");
    const uint16_t flags = u16_at(h + 8), method = u16_at(h + 10);
    const uint32_t crc = u32_at(h + 16);
    uint64_t csize = u32_at(h + 20), usize = u32_at(h + 24), local = u32_at(h + 42);
    const uint16_t name_len = u16_at(h + 28), extra_len = u16_at(h + 30),
                   comment_len = u16_at(h + 32);
    cd.skip(kCentralBytes);
    std::string_view name, extra, comment;
    if (!cd.read_bytes(name_len, &name) || !cd.read_bytes(extra_len, &extra) ||
        !cd.read_bytes(comment_len, &comment))
      return corrupt(where_cd + ": name/extra/comment overrun the central directory");
    const std::string where = what + ": entry " + json::quote(name);
    if (name.empty()) return corrupt(where_cd + ": empty name");
    SLIM_TRY(apply_zip64_extra(where, extra, &usize, &csize, &local, usize == 0xFFFFFFFFu,
                               csize == 0xFFFFFFFFu, local == 0xFFFFFFFFu));
    if ((flags & 1u) != 0) return unsupported(where + ": encrypted entries are not supported");
    if (method != 0) {
      return unsupported(where + ": compression method " + std::to_string(method) +
                         (method == 8 ? " (deflate)" : "") +
                         " is not supported; only stored (uncompressed) entries are, as "
                         "torch.save writes them");
    }
    if (csize != usize) {
      return corrupt(where + ": stored entry with compressed size " + std::to_string(csize) +
                     " != size " + std::to_string(usize));
    }
    if (!names.insert(name).second) return corrupt(where + ": duplicate entry name");
    // The local header repeats the name; the data follows it and its own extra field.
    uint64_t lh_end = 0;
    if (!checked_add(local, kLocalBytes, &lh_end) || lh_end > dir.cd_offset)
      return corrupt(where + ": local header offset " + std::to_string(local) + " out of range");
    const uint8_t* l = data + local;
    if (u32_at(l) != kLocalSig)
      return corrupt(where + ": no local header at offset " + std::to_string(local));
    const uint16_t l_method = u16_at(l + 8), l_name_len = u16_at(l + 26),
                   l_extra_len = u16_at(l + 28);
    if (l_method != method) return corrupt(where + ": local header method differs");
    uint64_t data_at = 0, data_end = 0;
    if (!checked_add(lh_end, uint64_t{l_name_len} + l_extra_len, &data_at) ||
        data_at > dir.cd_offset)
      return corrupt(where + ": local header name/extra out of range");
    if (l_name_len != name_len || std::memcmp(l + kLocalBytes, name.data(), name_len) != 0)
      return corrupt(where + ": local header names a different entry");
    if (!checked_add(data_at, usize, &data_end) || data_end > dir.cd_offset) {
      return corrupt(where + ": data [" + std::to_string(data_at) + ", +" + std::to_string(usize) +
                     ") out of range (central directory at " + std::to_string(dir.cd_offset) + ")");
    }
    a.entries_.push_back({std::string(name), data_at, usize, crc});
  }
  return a;
}

const Entry* Archive::find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace slim::zip
