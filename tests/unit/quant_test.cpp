// Row quantize/dequantize against the independent numpy reference (tests/ref/quant_ref.py,
// fixture tests/data/quant/quant_ref.txt) and hand-computed blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "quant/quantize.hpp"
#include "quant/types.hpp"

#include "quant_ref_fixture.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

using RefCase = test::QuantRefCase;
using test::hex_bytes;

std::vector<RefCase> load_ref_cases() {
  return test::load_quant_ref_cases("quant_ref.txt");
}

TEST(QuantRef, FixtureCoversEveryType) {
  const std::vector<RefCase> cases = load_ref_cases();
  std::map<TensorType, int> per_type;
  for (const RefCase& c : cases) ++per_type[c.type];
  EXPECT_GE(cases.size(), 14u);
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0,
                       TensorType::kQ4_0}) {
    EXPECT_GE(per_type[t], 1) << type_name(t);
  }
}

TEST(QuantRef, QuantizeMatchesNumpyBitExact) {
  for (const RefCase& c : load_ref_cases()) {
    SCOPED_TRACE(c.name);
    uint64_t nbytes = 0;
    ASSERT_TRUE(row_bytes(c.type, c.x.size(), &nbytes));
    ASSERT_EQ(nbytes, c.bytes.size());
    std::vector<uint8_t> got(nbytes, 0xAA);
    ASSERT_TRUE(quantize_row(c.type, c.x.data(), got.data(), c.x.size()).is_ok());
    // Compare block by block so a failure names the block.
    const TypeTraits* tr = type_traits(c.type);
    for (size_t off = 0; off < nbytes; off += tr->block_bytes) {
      EXPECT_EQ(hex_bytes(got.data() + off, tr->block_bytes),
                hex_bytes(c.bytes.data() + off, tr->block_bytes))
          << "block " << off / tr->block_bytes;
    }
  }
}

TEST(QuantRef, DequantizeMatchesNumpyBitExact) {
  for (const RefCase& c : load_ref_cases()) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.y_bits.size(), c.x.size());
    std::vector<float> y(c.x.size(), -1.0f);
    ASSERT_TRUE(dequantize_row(c.type, c.bytes.data(), y.data(), y.size()).is_ok());
    for (size_t i = 0; i < y.size(); ++i) {
      EXPECT_EQ(f32_to_bits(y[i]), c.y_bits[i]) << "element " << i << " x=" << c.x[i];
    }
  }
}

// Q8_0 of x = 0..31, by hand: amax = 31, d = 31/127 = 0.24409449 -> fp16 0x33d0 (975.62/1024
// mantissa rounds to 976), q[j] = round(j * 127/31) = round(j * 4.0967742).
TEST(QuantHand, Q8_0Ramp) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j);
  const int8_t want_q[32] = {0,  4,  8,  12, 16, 20, 25, 29, 33, 37,  41,  45,  49,  53,  57,  61,
                             66, 70, 74, 78, 82, 86, 90, 94, 98, 102, 107, 111, 115, 119, 123, 127};
  uint8_t block[34];
  ASSERT_TRUE(quantize_row(TensorType::kQ8_0, x.data(), block, 32).is_ok());
  EXPECT_EQ(block[0], 0xd0);
  EXPECT_EQ(block[1], 0x33);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(static_cast<int8_t>(block[2 + j]), want_q[j]) << j;
  float y[32];
  ASSERT_TRUE(dequantize_row(TensorType::kQ8_0, block, y, 32).is_ok());
  const float d = fp16_to_f32(0x33d0);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], static_cast<float>(want_q[j]) * d);
}

// Q4_0 of x = j - 16: max = -16 (first of largest magnitude), d = -16 / -8 = 2 (fp16 0x4000),
// q = min(15, trunc((j - 16) / 2 + 8.5)) = min(15, trunc(j / 2 + 0.5)).
TEST(QuantHand, Q4_0Ramp) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16);
  // q for j = 0..31: 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 | 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15 15
  const uint8_t want[18] = {0x00, 0x40, 0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3, 0xb3,
                            0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7, 0xf8};
  uint8_t block[18];
  ASSERT_TRUE(quantize_row(TensorType::kQ4_0, x.data(), block, 32).is_ok());
  for (int i = 0; i < 18; ++i) EXPECT_EQ(block[i], want[i]) << "byte " << i;
  float y[32];
  ASSERT_TRUE(dequantize_row(TensorType::kQ4_0, block, y, 32).is_ok());
  EXPECT_EQ(y[0], -16.0f);  // q = 0 -> (0 - 8) * 2
  EXPECT_EQ(y[1], -14.0f);  // q = 1
  EXPECT_EQ(y[16], 0.0f);   // q = 8
  EXPECT_EQ(y[31], 14.0f);  // clamped at q = 15
}

TEST(QuantHand, AllZeroBlocksDecodeToZero) {
  const std::vector<float> x(64, 0.0f);
  for (TensorType t : {TensorType::kQ8_0, TensorType::kQ4_0}) {
    uint64_t nbytes = 0;
    ASSERT_TRUE(row_bytes(t, 64, &nbytes));
    std::vector<uint8_t> b(nbytes);
    ASSERT_TRUE(quantize_row(t, x.data(), b.data(), 64).is_ok());
    // Q8_0: d = 0/127 = +0, q = 0. Q4_0: d = max/-8 = 0/-8 = -0 (as in ggml), q = 8 (0x88).
    EXPECT_EQ(b[0], 0x00);
    EXPECT_EQ(b[1], t == TensorType::kQ8_0 ? 0x00 : 0x80);
    for (size_t i = 2; i < type_traits(t)->block_bytes; ++i) {
      EXPECT_EQ(b[i], t == TensorType::kQ8_0 ? 0x00 : 0x88) << i;
    }
    std::vector<float> y(64, 1.0f);
    ASSERT_TRUE(dequantize_row(t, b.data(), y.data(), 64).is_ok());
    for (float v : y) EXPECT_EQ(v, 0.0f);
  }
}

// d = amax / 127 is a float subnormal here, so 1/d overflows to inf: must not hit an undefined
// float->int cast (UBSan) and must keep zeros at zero. fp16(d) underflows, so all decode to 0.
TEST(QuantHand, SubnormalScaleSaturatesWithoutUndefinedBehaviour) {
  std::vector<float> x(32, 0.0f);
  x[0] = 1e-38f;
  x[1] = -5e-39f;
  uint8_t q8[34];
  ASSERT_TRUE(quantize_row(TensorType::kQ8_0, x.data(), q8, 32).is_ok());
  EXPECT_EQ(static_cast<int8_t>(q8[2]), 127);
  EXPECT_EQ(static_cast<int8_t>(q8[3]), -127);
  for (int j = 2; j < 32; ++j) EXPECT_EQ(q8[2 + j], 0) << j;
  uint8_t q4[18];
  ASSERT_TRUE(quantize_row(TensorType::kQ4_0, x.data(), q4, 32).is_ok());
  EXPECT_EQ(q4[2 + 5] & 0x0f, 8);  // a zero element stays at the zero point
  float y[32];
  ASSERT_TRUE(dequantize_row(TensorType::kQ8_0, q8, y, 32).is_ok());
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

TEST(QuantErrors, RowLengthNotMultipleOfBlock) {
  std::vector<float> x(64, 1.0f);
  std::vector<uint8_t> buf(256);
  for (TensorType t : {TensorType::kQ8_0, TensorType::kQ4_0}) {
    for (size_t n : {size_t{1}, size_t{31}, size_t{33}, size_t{63}}) {
      Status q = quantize_row(t, x.data(), buf.data(), n);
      EXPECT_EQ(q.code(), StatusCode::kInvalidArgument) << type_name(t) << " n=" << n;
      EXPECT_NE(q.message().find("block size"), std::string::npos) << q.message();
      Status d = dequantize_row(t, buf.data(), x.data(), n);
      EXPECT_EQ(d.code(), StatusCode::kInvalidArgument) << type_name(t) << " n=" << n;
    }
  }
  // Plain types take any length.
  EXPECT_TRUE(quantize_row(TensorType::kF16, x.data(), buf.data(), 3).is_ok());
  EXPECT_TRUE(quantize_row(TensorType::kBF16, x.data(), buf.data(), 5).is_ok());
  EXPECT_TRUE(quantize_row(TensorType::kQ8_0, x.data(), buf.data(), 0).is_ok());
}

TEST(QuantErrors, UnsupportedTypeAndNullBuffers) {
  std::vector<float> x(256, 1.0f);
  std::vector<uint8_t> buf(1024);
  EXPECT_FALSE(can_quantize(TensorType::kIQ4_XS));
  EXPECT_FALSE(can_dequantize(TensorType::kI32));
  EXPECT_EQ(quantize_row(TensorType::kIQ4_XS, x.data(), buf.data(), 256).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(dequantize_row(TensorType::kIQ4_NL, buf.data(), x.data(), 256).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(quantize_row(static_cast<TensorType>(99), x.data(), buf.data(), 32).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(quantize_row(TensorType::kQ8_0, nullptr, buf.data(), 32).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(dequantize_row(TensorType::kF16, buf.data(), nullptr, 4).code(),
            StatusCode::kInvalidArgument);
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0,
                       TensorType::kQ4_0}) {
    EXPECT_TRUE(can_quantize(t)) << type_name(t);
    EXPECT_TRUE(can_dequantize(t)) << type_name(t);
  }
}

TEST(QuantErrors, BlockFormatsRejectNonFinite) {
  for (float bad :
       {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> x(64, 0.5f);
    x[40] = bad;
    std::vector<uint8_t> buf(68);
    for (TensorType t : {TensorType::kQ8_0, TensorType::kQ4_0}) {
      Status st = quantize_row(t, x.data(), buf.data(), 64);
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << type_name(t);
      EXPECT_NE(st.message().find("element 40"), std::string::npos) << st.message();
    }
  }
}

}  // namespace
}  // namespace slim
