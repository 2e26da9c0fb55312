// llama.cpp's published tokenizer vectors (shared/tokenizer-vectors: <name>.inp strings,
// <name>.out ids produced by the reference tokenizer) and helpers to check against them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "format/gguf.hpp"
#include "test_util.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim::test {

struct Vectors {
  std::vector<std::string> inputs;
  std::vector<std::vector<int32_t>> ids;
};

// .inp: every string is followed by "\n__ggml_vocab_test__\n" (so the file ends with one);
// .out: one line of space-separated ids per string. `base` is the path without the suffix.
inline Vectors load_vectors(const std::string& base) {
  Vectors v;
  const std::string inp = read_text(base + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  size_t pos = 0;
  while (pos < inp.size()) {
    const size_t hit = inp.find(sep, pos);
    if (hit == std::string::npos) {
      v.inputs.push_back(inp.substr(pos));  // no trailing separator: last string runs to EOF
      break;
    }
    v.inputs.push_back(inp.substr(pos, hit - pos));
    pos = hit + sep.size();
  }
  std::istringstream lines(read_text(base + ".out"));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream ws(line);
    std::vector<int32_t> ids;
    int64_t id = 0;
    while (ws >> id) ids.push_back(static_cast<int32_t>(id));
    v.ids.push_back(ids);
  }
  return v;
}

// `s` with newlines and tabs escaped, for failure messages.
inline std::string printable(const std::string& s) {
  std::string o;
  for (const char c : s) {
    if (c == '\n') {
      o += "\\n";
    } else if (c == '\t') {
      o += "\\t";
    } else {
      o += c;
    }
  }
  return o;
}

// The tokenizer of the GGUF file at `path`, or nullptr (with a test failure).
inline std::shared_ptr<const Tokenizer> load_gguf_tokenizer(const std::string& path) {
  auto file = gguf::GgufFile::open(path);
  EXPECT_TRUE(file.is_ok()) << file.status().to_string();
  if (!file.is_ok()) return nullptr;
  auto tok = Tokenizer::from_gguf(*file);
  EXPECT_TRUE(tok.is_ok()) << tok.status().to_string();
  if (!tok.is_ok()) return nullptr;
  return *tok;
}

}  // namespace slim::test
