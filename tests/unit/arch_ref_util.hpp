// Helpers for the architecture tests: build a random Hugging Face checkpoint, its GGUF and the
// numpy reference logits with the independent scripts in tests/ref/ (run by /usr/bin/python3,
// which has numpy), then compare the engine against them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace slim::test {

inline std::string ref_script(const std::string& name) {
  return std::string(SLIM_TEST_DATA_DIR) + "/../ref/" + name;
}

// Runs a tests/ref script with /usr/bin/python3; false (and a test failure) if it fails.
inline bool run_ref(const std::string& script, const std::string& args) {
  const std::string cmd = "/usr/bin/python3 '" + ref_script(script) + "' " + args;
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  return rc == 0;
}

// tests/ref/make_hf_checkpoint.py ARCH into dir/hf, then make_gguf.py into `gguf` (with extra
// make_gguf.py options, e.g. corrupting edits).
inline bool make_checkpoint_and_gguf(const std::string& arch, const TempDir& dir,
                                     const std::string& gguf, const std::string& gguf_opts = "") {
  return run_ref("make_hf_checkpoint.py", arch + " '" + dir.file("hf") + "'") &&
         run_ref("make_gguf.py", "'" + dir.file("hf") + "' '" + gguf + "' " + gguf_opts);
}

// The reference's tokens and logits ([tokens.size()][n_vocab]).
struct RefLogits {
  std::vector<int32_t> tokens;
  std::vector<float> logits;
  size_t n_vocab = 0;
  const float* row(size_t pos) const { return logits.data() + pos * n_vocab; }
};

inline RefLogits run_hf_reference(const TempDir& dir, const std::vector<int32_t>& prompt,
                                  int greedy, size_t n_vocab) {
  std::string toks;
  for (int32_t t : prompt) toks += (toks.empty() ? "" : ",") + std::to_string(t);
  RefLogits r;
  r.n_vocab = n_vocab;
  if (!run_ref("hf_forward_ref.py", "'" + dir.file("hf") + "' --tokens " + toks + " --greedy " +
                                        std::to_string(greedy) + " --out '" + dir.file("ref") +
                                        "'")) {
    return r;
  }
  std::istringstream ts(read_text(dir.file("ref.tokens")));
  int32_t id = 0;
  while (ts >> id) r.tokens.push_back(id);
  const std::vector<uint8_t> bytes = read_bytes(dir.file("ref.logits"));
  EXPECT_EQ(bytes.size(), r.tokens.size() * n_vocab * sizeof(float));
  r.logits.resize(bytes.size() / sizeof(float));
  std::memcpy(r.logits.data(), bytes.data(), r.logits.size() * sizeof(float));
  return r;
}

// max |got - ref| / max(1, max |ref|) over one row.
inline double relative_error(const float* got, const float* ref, size_t n) {
  double diff = 0.0, scale = 1.0;
  for (size_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - static_cast<double>(ref[i])));
    scale = std::max(scale, std::fabs(static_cast<double>(ref[i])));
  }
  return std::isfinite(diff) ? diff / scale : INFINITY;
}

inline int32_t argmax(const float* x, size_t n) {
  return static_cast<int32_t>(std::max_element(x, x + n) - x);
}

}  // namespace slim::test
