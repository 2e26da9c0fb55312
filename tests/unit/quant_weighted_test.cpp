// Importance-weighted quantization (quant/weighted.hpp) against the independent numpy
// transcription of ggml's quantize_row_*_impl: tests/ref/quant_imatrix_ref.py ->
// tests/data/quant/quant_imatrix_ref.txt (bytes must match bit for bit).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "quant/quantize.hpp"
#include "quant/weighted.hpp"
#include "quant_ref_fixture.hpp"

namespace slim {
namespace {

std::vector<test::QuantRefCase> load_cases() {
  return test::load_quant_ref_cases("quant_imatrix_ref.txt");
}

TEST(QuantWeighted, MatchesNumpyTranscriptionOfGgml) {
  const auto cases = load_cases();
  ASSERT_EQ(cases.size(), 65u);
  int differs_from_unweighted = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.x.size(), c.n);
    ASSERT_EQ(c.w.size(), c.n);
    std::vector<uint8_t> got(c.bytes.size(), 0xAA);
    ASSERT_TRUE(quantize_row_weighted(c.type, c.x.data(), got.data(), c.n, c.w.data()).is_ok());
    EXPECT_EQ(got, c.bytes);
    std::vector<uint8_t> plain(c.bytes.size());
    ASSERT_TRUE(quantize_row(c.type, c.x.data(), plain.data(), c.n).is_ok());
    if (plain != c.bytes) ++differs_from_unweighted;
  }
  // The weights change the encoding for most rows (else the fixture would not test them).
  EXPECT_GE(differs_from_unweighted, 50);
}

TEST(QuantWeighted, NullWeightsAreExactlyTheUnweightedQuantizer) {
  std::vector<float> x(256);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 101) / 17.0f - 3.0f;
  for (TensorType t : {TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1,
                       TensorType::kQ8_0, TensorType::kQ4_K, TensorType::kQ6_K, TensorType::kF16}) {
    uint64_t bytes = 0;
    ASSERT_TRUE(row_bytes(t, x.size(), &bytes));
    std::vector<uint8_t> a(bytes), b(bytes);
    ASSERT_TRUE(quantize_row(t, x.data(), a.data(), x.size()).is_ok());
    ASSERT_TRUE(quantize_row_weighted(t, x.data(), b.data(), x.size(), nullptr).is_ok());
    EXPECT_EQ(a, b) << type_name(t);
  }
  // Types without a weighted path ignore the weights (as ggml does for Q8_0).
  std::vector<float> w(x.size(), 2.0f);
  std::vector<uint8_t> a(34 * 8), b(34 * 8);
  ASSERT_TRUE(quantize_row(TensorType::kQ8_0, x.data(), a.data(), x.size()).is_ok());
  ASSERT_TRUE(
      quantize_row_weighted(TensorType::kQ8_0, x.data(), b.data(), x.size(), w.data()).is_ok());
  EXPECT_EQ(a, b);
}

TEST(QuantWeighted, RejectsBadWeightsAndInputs) {
  std::vector<float> x(32, 1.0f), w(32, 1.0f);
  std::vector<uint8_t> out(18);
  w[3] = -1.0f;
  Status st = quantize_row_weighted(TensorType::kQ4_0, x.data(), out.data(), 32, w.data());
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("importance weight 3"), std::string::npos) << st.message();
  w[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(
      quantize_row_weighted(TensorType::kQ4_0, x.data(), out.data(), 32, w.data()).is_ok());
  w[3] = 1.0f;
  x[0] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(
      quantize_row_weighted(TensorType::kQ4_0, x.data(), out.data(), 32, w.data()).is_ok());
  EXPECT_FALSE(
      quantize_row_weighted(TensorType::kQ4_0, x.data(), out.data(), 31, w.data()).is_ok());
}

}  // namespace
}  // namespace slim
