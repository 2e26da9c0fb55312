// API keys for `slim serve --api-key-file`. Only SHA-256 digests are kept in memory: plain
// keys from the file are hashed at load and dropped. A presented key is hashed and compared
// with every stored digest in constant time (no early exit, no data-dependent branches).
//
// File format, one key per line: either the key itself, or "sha256:" followed by the 64 hex
// digits of its SHA-256 (so the file need not hold secrets: `printf %s KEY | sha256sum`).
// Blank lines and lines starting with '#' are ignored; surrounding whitespace is trimmed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim::server {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
std::string to_hex(const Sha256Digest& d);

class ApiKeys {
 public:
  static Result<ApiKeys> from_text(std::string_view text, std::string_view what);
  static Result<ApiKeys> load(const std::string& path);
  ApiKeys() = default;

  bool empty() const { return digests_.empty(); }
  size_t size() const { return digests_.size(); }
  // True if `key` hashes to one of the stored digests.
  bool check(std::string_view key) const;
  // Checks an "Authorization: Bearer KEY" header value.
  bool check_bearer(std::string_view header_value) const;

 private:
  std::vector<Sha256Digest> digests_;
};

}  // namespace slim::server
