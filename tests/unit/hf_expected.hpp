// Shared by the safetensors / torch / HfWeights tests: the ".expected" files that
// tests/ref/make_{safetensors,torch}_fixtures.py write (one tensor per line:
// "name dtype d0,d1|- v0 v1 ..." with values as decimal float32, or "... skip"), and a decoder
// that turns a WeightTensor's bytes into floats (read with memcpy: data may be unaligned).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "format/hf_weights.hpp"
#include "test_util.hpp"

namespace slim::test {

struct ExpectedTensor {
  std::string name, dtype;
  std::vector<uint64_t> shape;
  bool skip = false;
  std::vector<float> values;
};

inline std::vector<ExpectedTensor> load_expected(const std::string& path) {
  std::istringstream in(read_text(path));
  EXPECT_FALSE(in.str().empty()) << "missing " << path;
  std::vector<ExpectedTensor> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream ls(line);
    ExpectedTensor e;
    std::string shape, v;
    ls >> e.name >> e.dtype >> shape;
    if (shape != "-") {
      std::istringstream ss(shape);
      std::string d;
      while (std::getline(ss, d, ',')) e.shape.push_back(std::strtoull(d.c_str(), nullptr, 10));
    }
    while (ls >> v) {
      if (v == "skip") {
        e.skip = true;
        break;
      }
      e.values.push_back(std::strtof(v.c_str(), nullptr));
    }
    out.push_back(std::move(e));
  }
  return out;
}

inline std::vector<float> decode(const hf::WeightTensor& t) {
  std::vector<float> out;
  const size_t es = t.type == TensorType::kF32 ? 4 : 2;
  for (uint64_t off = 0; off + es <= t.n_bytes; off += es) {
    if (t.type == TensorType::kF32) {
      float f;
      std::memcpy(&f, t.data + off, 4);
      out.push_back(f);
    } else {
      uint16_t h;
      std::memcpy(&h, t.data + off, 2);
      out.push_back(t.type == TensorType::kF16 ? fp16_to_f32(h) : bf16_to_f32(h));
    }
  }
  return out;
}

inline const char* dtype_of(TensorType t) {
  return t == TensorType::kF32 ? "F32" : t == TensorType::kF16 ? "F16" : "BF16";
}

// Checks every expected tensor (in order) against `w`: supported ones bit-exactly in
// tensors(), skipped ones in skipped() and refused by get().
inline void expect_weights(const hf::HfWeights& w, const std::vector<ExpectedTensor>& exp) {
  size_t supported = 0;
  for (const ExpectedTensor& e : exp) {
    SCOPED_TRACE(e.name);
    if (e.skip) {
      EXPECT_EQ(w.find(e.name), nullptr);
      auto r = w.get(e.name);
      ASSERT_FALSE(r.is_ok());
      EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
      EXPECT_NE(r.status().message().find("unsupported dtype " + e.dtype + " for tensor '" +
                                          e.name + "'"),
                std::string::npos)
          << r.status().message();
      continue;
    }
    const hf::WeightTensor* t = w.find(e.name);
    ASSERT_NE(t, nullptr);
    ASSERT_LT(supported, w.tensors().size());
    EXPECT_EQ(&w.tensors()[supported], t) << "order differs";
    ++supported;
    EXPECT_STREQ(dtype_of(t->type), e.dtype.c_str());
    EXPECT_EQ(t->shape, e.shape);
    const std::vector<float> got = decode(*t);
    ASSERT_EQ(got.size(), e.values.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], e.values[i]) << "element " << i;
  }
  EXPECT_EQ(supported, w.tensors().size());
}

}  // namespace slim::test
