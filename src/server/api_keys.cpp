// SHA-256 via OpenSSL's EVP interface; CRYPTO_memcmp for constant-time comparison.
#include "server/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

namespace slim::server {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  Sha256Digest d{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

std::string to_hex(const Sha256Digest& d) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Result<ApiKeys> ApiKeys::from_text(std::string_view text, std::string_view what) {
  ApiKeys keys;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = std::string(what) + ":" + std::to_string(line_no);
    if (line.substr(0, 7) == "sha256:") {
      const std::string_view hex = line.substr(7);
      if (hex.size() != 64) {
        return invalid_argument(where + ": a sha256: entry needs 64 hex digits, got " +
                                std::to_string(hex.size()) + " characters");
      }
      Sha256Digest d{};
      for (size_t i = 0; i < 32; ++i) {
        const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return invalid_argument(where + ": not a hex digit in the sha256");
        d[i] = static_cast<uint8_t>(hi * 16 + lo);
      }
      keys.digests_.push_back(d);
    } else {
      if (line.size() < 8) return invalid_argument(where + ": keys must be at least 8 characters");
      keys.digests_.push_back(sha256(line));
    }
  }
  if (keys.digests_.empty()) return invalid_argument(std::string(what) + ": no keys in the file");
  return keys;
}

Result<ApiKeys> ApiKeys::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read API key file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.size() > (1u << 20)) return invalid_argument(path + ": key file larger than 1 MiB");
  return from_text(text, path);
}

bool ApiKeys::check(std::string_view key) const {
  const Sha256Digest d = sha256(key);
  int match = 0;
  for (const Sha256Digest& k : digests_) match |= CRYPTO_memcmp(k.data(), d.data(), d.size()) == 0;
  return match != 0;
}

bool ApiKeys::check_bearer(std::string_view v) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (v.size() < kBearer.size()) return false;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    const char c = v[i];
    const char want = kBearer[i];
    if ((c | 0x20) != (want | 0x20)) return false;  // the scheme is case-insensitive
  }
  return check(trim(v.substr(kBearer.size())));
}

}  // namespace slim::server
