// Searched Q8_0 scale (quant/q8_0_search.hpp) against the independent numpy implementation of
// the stated rule: tests/ref/quant_q8_search_ref.py -> tests/data/quant/quant_q8_search_ref.txt
// (bytes must match bit for bit), and its defining property: never a larger (weighted) squared
// error than ggml's block.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "quant/q8_0_search.hpp"
#include "quant/quantize.hpp"
#include "quant_ref_fixture.hpp"

namespace slim {
namespace {

std::vector<test::QuantRefCase> load_cases() {
  return test::load_quant_ref_cases("quant_q8_search_ref.txt");
}

// Weighted squared error of a Q8_0 row against x.
double q8_error(const std::vector<float>& x, const std::vector<float>& w,
                const std::vector<uint8_t>& bytes) {
  std::vector<float> y(x.size());
  EXPECT_TRUE(dequantize_row(TensorType::kQ8_0, bytes.data(), y.data(), y.size()).is_ok());
  double err = 0.0;
  for (size_t j = 0; j < x.size(); ++j) {
    const double e = static_cast<double>(x[j]) - y[j];
    err += (w.empty() ? 1.0 : w[j]) * e * e;
  }
  return err;
}

TEST(QuantQ8Search, MatchesNumpyReference) {
  const auto cases = load_cases();
  ASSERT_EQ(cases.size(), 9u);
  int differs_from_ggml = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.type, TensorType::kQ8_0);
    ASSERT_EQ(c.x.size(), c.n);
    ASSERT_EQ(c.bytes.size(), c.n / 32 * 34);
    std::vector<uint8_t> got(c.bytes.size(), 0xAA);
    ASSERT_TRUE(
        quant::quantize_q8_0_search(c.x.data(), got.data(), c.n, c.w.empty() ? nullptr : c.w.data())
            .is_ok());
    EXPECT_EQ(got, c.bytes);
    std::vector<uint8_t> plain(c.bytes.size());
    ASSERT_TRUE(quantize_row(TensorType::kQ8_0, c.x.data(), plain.data(), c.n).is_ok());
    if (plain != got) ++differs_from_ggml;
    EXPECT_LE(q8_error(c.x, c.w, got), q8_error(c.x, c.w, plain));
  }
  EXPECT_GE(differs_from_ggml, 7);  // the search changes most rows (else nothing is tested)
}

TEST(QuantQ8Search, LowersSquaredErrorOnGaussianRows) {
  // A smooth, deterministic pseudo-normal row: the searched blocks must not be worse than
  // ggml's anywhere, and better in total.
  std::vector<float> x(32 * 64);
  uint32_t s = 12345;
  for (float& v : x) {
    float acc = 0.0f;
    for (int k = 0; k < 4; ++k) {
      s = s * 1664525u + 1013904223u;
      acc += static_cast<float>(s >> 8) / 16777216.0f - 0.5f;
    }
    v = acc * 0.1f;
  }
  std::vector<uint8_t> a(64 * 34), b(64 * 34);
  ASSERT_TRUE(quantize_row(TensorType::kQ8_0, x.data(), a.data(), x.size()).is_ok());
  ASSERT_TRUE(quant::quantize_q8_0_search(x.data(), b.data(), x.size(), nullptr).is_ok());
  EXPECT_LT(q8_error(x, {}, b), 0.95 * q8_error(x, {}, a));
}

TEST(QuantQ8Search, RejectsBadInputs) {
  std::vector<float> x(32, 1.0f), w(32, 1.0f);
  std::vector<uint8_t> out(34);
  Status st = quant::quantize_q8_0_search(x.data(), out.data(), 31, nullptr);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("multiple of 32"), std::string::npos) << st.message();
  w[7] = -1.0f;
  st = quant::quantize_q8_0_search(x.data(), out.data(), 32, w.data());
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("importance weight 7"), std::string::npos) << st.message();
  w[7] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(quant::quantize_q8_0_search(x.data(), out.data(), 32, w.data()).is_ok());
  x[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(quant::quantize_q8_0_search(x.data(), out.data(), 32, nullptr).is_ok());
}

}  // namespace
}  // namespace slim
