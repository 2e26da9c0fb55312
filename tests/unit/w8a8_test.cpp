// SlimLLM's W8A8 type: row codec, static int8 activation rows, every ISA's dot and matmul against
// the independent numpy reference (tests/ref/w8a8_ref.py -> tests/data/quant/w8a8_ref.txt), ISA
// variants bit-identical to the scalar reference on random bytes, round-trip error bound, and a
// GGUF write/read of the type.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "core/thread_pool.hpp"
#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernels.hpp"
#include "kernels/matmul.hpp"
#include "kernels/w8a8.hpp"
#include "quant/quantize.hpp"
#include "quant/types.hpp"

namespace slim {
namespace {

using Rng = test::SplitMix;

using kernels::ActFormat;
using kernels::KernelTable;

struct W8A8Case {
  std::string name;
  size_t rows = 0, cols = 0;
  std::vector<float> w, x, wdeq;
  float s = 0;
  std::vector<uint8_t> wbytes, xbytes;
  std::vector<uint32_t> y_bits;
};

std::vector<uint32_t> words(std::istringstream& in) {
  std::vector<uint32_t> out;
  std::string t;
  while (in >> t) out.push_back(static_cast<uint32_t>(std::stoul(t, nullptr, 16)));
  return out;
}

std::vector<float> floats(std::istringstream& in) {
  std::vector<float> out;
  for (uint32_t b : words(in)) out.push_back(bits_to_f32(b));
  return out;
}

std::vector<uint8_t> hex(std::istringstream& in) {
  std::string h;
  in >> h;
  std::vector<uint8_t> out(h.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(std::stoul(h.substr(2 * i, 2), nullptr, 16));
  return out;
}

std::vector<W8A8Case> load_cases() {
  std::vector<W8A8Case> cases;
  std::ifstream f(std::string(SLIM_TEST_DATA_DIR) + "/quant/w8a8_ref.txt");
  EXPECT_TRUE(f.good()) << "missing tests/data/quant/w8a8_ref.txt";
  std::string line;
  W8A8Case c;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "case") {
      c = W8A8Case{};
      in >> c.name >> c.rows >> c.cols;
    } else if (tag == "w") {
      c.w = floats(in);
    } else if (tag == "s") {
      c.s = floats(in).at(0);
    } else if (tag == "x") {
      c.x = floats(in);
    } else if (tag == "wbytes") {
      c.wbytes = hex(in);
    } else if (tag == "wdeq") {
      c.wdeq = floats(in);
    } else if (tag == "xbytes") {
      c.xbytes = hex(in);
    } else if (tag == "y") {
      c.y_bits = words(in);
    } else if (tag == "end") {
      cases.push_back(c);
    }
  }
  return cases;
}

std::string hexs(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

TEST(W8A8Type, TraitsAndRowBytes) {
  TensorType t;
  ASSERT_TRUE(parse_type_name("w8a8", &t));
  EXPECT_EQ(t, TensorType::kW8A8);
  EXPECT_EQ(static_cast<uint32_t>(t), 0x5338u);
  EXPECT_EQ(type_name(t), "W8A8");
  EXPECT_TRUE(is_slim_specific(t));
  EXPECT_FALSE(is_slim_specific(TensorType::kQ8_0));
  uint64_t b = 0;
  ASSERT_TRUE(row_bytes(t, 64, &b));
  EXPECT_EQ(b, 4u + 64u);              // f32 scale + one byte per element
  EXPECT_FALSE(row_bytes(t, 48, &b));  // rows are whole 32-element blocks
  ASSERT_TRUE(row_bytes(TensorType::kQ8_0, 64, &b));
  EXPECT_EQ(b, 68u);  // ggml types unchanged (no row header)
}

TEST(W8A8Ref, FixtureHasCases) {
  const auto cases = load_cases();
  ASSERT_GE(cases.size(), 6u);
  for (const auto& c : cases) {
    EXPECT_EQ(c.w.size(), c.rows * c.cols) << c.name;
    EXPECT_EQ(c.wbytes.size(), c.rows * (c.cols + 4)) << c.name;
    EXPECT_EQ(c.xbytes.size(), c.cols + 4) << c.name;
    EXPECT_EQ(c.y_bits.size(), c.rows) << c.name;
  }
}

TEST(W8A8Ref, RowCodecMatchesNumpyBitExact) {
  for (const auto& c : load_cases()) {
    SCOPED_TRACE(c.name);
    const size_t rb = c.cols + 4;
    for (size_t r = 0; r < c.rows; ++r) {
      std::vector<uint8_t> got(rb, 0xAA);
      ASSERT_TRUE(quantize_row(TensorType::kW8A8, &c.w[r * c.cols], got.data(), c.cols).is_ok());
      EXPECT_EQ(hexs(got.data(), rb), hexs(&c.wbytes[r * rb], rb)) << "row " << r;
      std::vector<float> y(c.cols);
      ASSERT_TRUE(dequantize_row(TensorType::kW8A8, &c.wbytes[r * rb], y.data(), c.cols).is_ok());
      for (size_t j = 0; j < c.cols; ++j) {
        ASSERT_EQ(f32_to_bits(y[j]), f32_to_bits(c.wdeq[r * c.cols + j])) << r << "," << j;
      }
    }
  }
}

TEST(W8A8Ref, EveryIsaMatchesNumpyBitExact) {
  const auto cases = load_cases();
  for (kernels::Isa isa : kernels::available_isas()) {
    const KernelTable& K = *kernels::table_for(isa);
    SCOPED_TRACE(K.name);
    const kernels::TypeKernels& tk = K.of(TensorType::kW8A8);
    ASSERT_EQ(tk.act, ActFormat::kI8);
    ASSERT_NE(tk.vec_dot, nullptr);
    ASSERT_NE(K.quantize_i8, nullptr);
    for (const auto& c : cases) {
      SCOPED_TRACE(c.name);
      std::vector<uint8_t> act(kernels::act_row_bytes(ActFormat::kI8, c.cols) + 1, 0xAA);
      K.quantize_i8(c.x.data(), c.s, act.data() + 1, c.cols);  // misaligned on purpose
      EXPECT_EQ(hexs(act.data() + 1, c.cols + 4), hexs(c.xbytes.data(), c.cols + 4));
      for (size_t r = 0; r < c.rows; ++r) {
        const float y = tk.vec_dot(&c.wbytes[r * (c.cols + 4)], c.xbytes.data(), c.cols);
        EXPECT_EQ(f32_to_bits(y), c.y_bits[r])
            << "row " << r << ": " << y << " vs " << bits_to_f32(c.y_bits[r]);
      }
    }
  }
}

TEST(W8A8Ref, MatmulMatchesNumpyBitExact) {
  ThreadPool pool(2);
  for (const auto& c : load_cases()) {
    SCOPED_TRACE(c.name);
    kernels::MatrixView m;
    m.type = TensorType::kW8A8;
    m.cols = c.cols;
    m.rows = c.rows;
    m.row_bytes = c.cols + 4;
    m.data = c.wbytes.data();
    m.act_scale = c.s;
    // Two tokens (the second the same row) so the multi-token path is covered too.
    std::vector<float> x2(c.x);
    x2.insert(x2.end(), c.x.begin(), c.x.end());
    std::vector<float> y(2 * c.rows);
    kernels::matmul(m, x2.data(), 2, y.data(), pool);
    for (size_t t = 0; t < 2; ++t) {
      for (size_t r = 0; r < c.rows; ++r) EXPECT_EQ(f32_to_bits(y[t * c.rows + r]), c.y_bits[r]);
    }
    // A group with another W8A8 matrix of a different scale: each gets its own activation row.
    kernels::MatrixView m2 = m;
    m2.act_scale = c.s * 2.0f;
    std::vector<float> ya(c.rows), yb(c.rows), yb_alone(c.rows);
    const kernels::MatrixView* ws[2] = {&m, &m2};
    float* ys[2] = {ya.data(), yb.data()};
    kernels::matmul_group(ws, ys, 2, c.x.data(), 1, pool);
    kernels::matmul(m2, c.x.data(), 1, yb_alone.data(), pool);
    for (size_t r = 0; r < c.rows; ++r) {
      EXPECT_EQ(f32_to_bits(ya[r]), c.y_bits[r]);
      EXPECT_EQ(f32_to_bits(yb[r]), f32_to_bits(yb_alone[r]));
    }
  }
}

TEST(W8A8Isa, BitIdenticalToReferenceOnRandomBytes) {
  const KernelTable& R = kernels::reference();
  Rng rng{7};
  for (kernels::Isa isa : kernels::available_isas()) {
    const KernelTable& K = *kernels::table_for(isa);
    SCOPED_TRACE(K.name);
    for (size_t nb : {1, 2, 3, 4, 5, 7, 8, 9, 33, 64}) {
      const size_t n = nb * 32;
      std::vector<float> x(n);
      for (float& v : x) v = rng.uniform() * 4.0f;
      x[0] = std::numeric_limits<float>::quiet_NaN();
      x[n - 1] = std::numeric_limits<float>::infinity();
      if (n > 2) x[1] = -std::numeric_limits<float>::infinity();
      const float s = 0.01f + static_cast<float>(nb) * 0.003f;
      std::vector<uint8_t> a(n + 4 + 3), b(n + 4);
      K.quantize_i8(x.data(), s, a.data() + 3, n);
      R.quantize_i8(x.data(), s, b.data(), n);
      ASSERT_EQ(hexs(a.data() + 3, n + 4), hexs(b.data(), n + 4)) << "n " << n;
      // Weight rows of arbitrary bytes (including -128) and a random scale.
      for (int rep = 0; rep < 3; ++rep) {
        std::vector<uint8_t> row(n + 4 + 1);
        for (size_t j = 0; j < n; ++j) row[1 + 4 + j] = static_cast<uint8_t>(rng.next());
        if (rep == 1) {
          for (size_t j = 0; j < n; ++j) row[1 + 4 + j] = 0x80;  // all -128: largest |w|
        }
        const float sw = std::fabs(rng.uniform()) * 0.1f;
        std::memcpy(&row[1], &sw, 4);
        const float got = K.of(TensorType::kW8A8).vec_dot(row.data() + 1, b.data(), n);
        const float want = R.of(TensorType::kW8A8).vec_dot(row.data() + 1, b.data(), n);
        ASSERT_EQ(f32_to_bits(got), f32_to_bits(want)) << "n " << n << " rep " << rep;
      }
    }
  }
}

TEST(W8A8Isa, MultiTokenBitIdenticalToSingle) {
  Rng rng{13};
  for (kernels::Isa isa : kernels::available_isas()) {
    const KernelTable& K = *kernels::table_for(isa);
    const kernels::TypeKernels& tk = K.of(TensorType::kW8A8);
    if (tk.vec_dot_multi == nullptr) continue;  // matmul loops over vec_dot
    SCOPED_TRACE(K.name);
    for (size_t nb : {1, 2, 3, 5, 18}) {
      const size_t n = nb * 32, stride = n + 4 + 5;  // odd stride: misaligned tokens
      std::vector<uint8_t> row(n + 4), act(kernels::kMaxMultiTok * stride + 1);
      for (size_t j = 0; j < n; ++j) row[4 + j] = static_cast<uint8_t>(rng.next());
      const float sw = 0.031f;
      std::memcpy(row.data(), &sw, 4);
      std::vector<float> x(n);
      for (size_t t = 0; t < kernels::kMaxMultiTok; ++t) {
        for (float& v : x) v = rng.uniform() * 3.0f;
        K.quantize_i8(x.data(), 0.01f + 0.005f * static_cast<float>(t), &act[1 + t * stride], n);
      }
      for (size_t n_tok = 1; n_tok <= kernels::kMaxMultiTok; ++n_tok) {
        float out[kernels::kMaxMultiTok];
        tk.vec_dot_multi(row.data(), &act[1], stride, n_tok, n, out);
        for (size_t t = 0; t < n_tok; ++t) {
          const float one = tk.vec_dot(row.data(), &act[1 + t * stride], n);
          ASSERT_EQ(f32_to_bits(out[t]), f32_to_bits(one)) << "n " << n << " tokens " << n_tok;
        }
      }
    }
  }
}

TEST(W8A8Codec, RoundTripWithinHalfAStep) {
  Rng rng{11};
  for (size_t n : {32, 64, 4096}) {
    std::vector<float> x(n);
    for (float& v : x) v = rng.uniform() * 3.0f;
    x[n / 2] = -5.0f;  // the row's absmax
    std::vector<uint8_t> row(n + 4);
    ASSERT_TRUE(quantize_row(TensorType::kW8A8, x.data(), row.data(), n).is_ok());
    std::vector<float> y(n);
    ASSERT_TRUE(dequantize_row(TensorType::kW8A8, row.data(), y.data(), n).is_ok());
    const double d = 5.0 / 127.0;
    EXPECT_FLOAT_EQ(y[n / 2], -5.0f);
    for (size_t j = 0; j < n; ++j) {
      // |x - q d| <= d / 2 from rounding, plus a few float roundings of x / d and q * d.
      EXPECT_LE(std::fabs(double(x[j]) - double(y[j])), d / 2 + 4e-7 * 5.0) << j;
    }
  }
  std::vector<float> zeros(32, 0.0f);
  std::vector<uint8_t> row(36, 0xAA);
  ASSERT_TRUE(quantize_row(TensorType::kW8A8, zeros.data(), row.data(), 32).is_ok());
  for (uint8_t b : row) EXPECT_EQ(b, 0);
  std::vector<float> bad(32, 1.0f);
  bad[3] = std::numeric_limits<float>::quiet_NaN();
  const Status st = quantize_row(TensorType::kW8A8, bad.data(), row.data(), 32);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("W8A8"), std::string::npos) << st.message();
}

TEST(W8A8Gguf, WriteReadRoundTrip) {
  const size_t rows = 3, cols = 64, rb = cols + 4;
  std::vector<uint8_t> data(rows * rb);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 37);
  for (size_t r = 0; r < rows; ++r) {
    const float sw = 0.5f + float(r);
    std::memcpy(&data[r * rb], &sw, 4);
  }
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  ASSERT_TRUE(
      w.add_tensor("m.weight", TensorType::kW8A8, {cols, rows}, data.data(), data.size()).is_ok());
  const float s = 0.125f;
  ASSERT_TRUE(w.add_tensor("m.weight.act_scale", TensorType::kF32, {1}, &s, 4).is_ok());
  // A size that does not match the type's rows is refused.
  EXPECT_FALSE(
      w.add_tensor("bad", TensorType::kW8A8, {cols, rows}, data.data(), data.size() - 4).is_ok());
  auto bytes = w.write_to_memory();
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  auto f = gguf::GgufFile::from_memory(bytes->data(), bytes->size());
  ASSERT_TRUE(f.is_ok()) << f.status().message();
  const gguf::TensorInfo* t = f->find_tensor("m.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, TensorType::kW8A8);
  EXPECT_EQ(t->n_bytes, rows * rb);
  EXPECT_EQ(std::memcmp(f->tensor_data(*t), data.data(), data.size()), 0);
}

}  // namespace
}  // namespace slim
