// A read-only ZIP reader over a byte span, for the archives torch.save writes (since PyTorch 1.6:
// every entry "stored", i.e. uncompressed). Only the central directory is trusted for sizes;
// each entry's local header is checked against it. Entries' data are views of the span.
//
// Hostile-input rules: the end-of-central-directory record is searched only in the last
// 22 + 65535 bytes; ZIP64 records are followed when the 32-bit fields say so (archives over
// 4 GB); multi-disk archives, encrypted entries and any compression method other than 0
// ("stored") are rejected with a clear error; every offset, name length and size is checked
// against the span with overflow-safe arithmetic; entry names must be unique; entry data must
// lie before the central directory. CRC-32 values are not verified (as with safetensors, no
// checksum is computed over the weights at load time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim::zip {

inline constexpr size_t kMaxEntries = 1u << 20;

struct Entry {
  std::string name;
  uint64_t data_offset = 0;  // of the (stored) data within the archive
  uint64_t size = 0;
  uint32_t crc32 = 0;
};

class Archive {
 public:
  // `data` must outlive the Archive. `what` names the input in messages.
  static Result<Archive> parse(const uint8_t* data, size_t size, std::string_view what = "zip");

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(std::string_view name) const;
  const uint8_t* entry_data(const Entry& e) const { return data_ + e.data_offset; }

 private:
  const uint8_t* data_ = nullptr;
  std::vector<Entry> entries_;
};

}  // namespace slim::zip
