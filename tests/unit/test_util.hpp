// Small helpers shared by the unit tests: reading files, shared data locations, temporary
// directories, corpus manifests and hex rendering.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace slim::test {

// The whole file as text ("" if it cannot be read).
inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The whole file as bytes (empty if it cannot be read).
inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// read_bytes, failing the test if the file cannot be opened.
inline std::vector<uint8_t> read_bytes_checked(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// $SLIM_SHARED_DIR if set and non-empty, else the directory the build was configured with.
inline std::string shared_dir() {
  const char* env = std::getenv("SLIM_SHARED_DIR");
  return env != nullptr && *env != '\0' ? env : SLIM_SHARED_DIR;
}

// The names of the regular files in `dir` with extension `ext` (".bin"), sorted.
inline std::vector<std::string> list_dir(const std::string& dir, const std::string& ext) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext)
      out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// An exact-size heap copy (operator new[] is at least 16-byte aligned), so AddressSanitizer
// flags any read past the end.
struct ExactBuffer {
  ExactBuffer(const uint8_t* src, size_t n) : size(n), data(new uint8_t[n == 0 ? 1 : n]) {
    if (n != 0) std::memcpy(data.get(), src, n);
  }
  size_t size;
  std::unique_ptr<uint8_t[]> data;
};

// A corrupt-corpus MANIFEST.txt line: file <TAB> expected status <TAB> message substring.
struct ManifestEntry {
  std::string file, status, substring;
};

inline std::vector<ManifestEntry> load_manifest(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing " << path;
  std::vector<ManifestEntry> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t a = line.find('\t');
    const size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
    EXPECT_NE(b, std::string::npos) << "bad manifest line: " << line;
    if (b == std::string::npos) continue;
    out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

// A fresh directory per test (named `prefix` + pid + test), removed afterwards.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()) + "_" +
                                                      info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Lower-case hex of n bytes, two digits each.
inline std::string hex_bytes(const uint8_t* p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", p[i]);
    s += buf;
  }
  return s;
}

}  // namespace slim::test
