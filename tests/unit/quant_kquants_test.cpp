// Q4_1, Q5_0, Q5_1 and the K-quants (Q2_K .. Q6_K, Q8_K) against the independent numpy
// reference (tests/ref/quant_kquants_ref.py, fixture tests/data/quant/quant_kquants_ref.txt),
// hand-computed blocks, round-trip error bounds and argument errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <random>
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

constexpr TensorType kNewTypes[] = {TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1,
                                    TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K,
                                    TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kQ8_K};

using KqCase = test::QuantRefCase;

const std::vector<KqCase>& ref_cases() {
  static const std::vector<KqCase> cases = test::load_quant_ref_cases("quant_kquants_ref.txt");
  return cases;
}

std::string hex(const uint8_t* p, size_t n) {
  return test::hex_bytes(p, n);
}

size_t bytes_for(TensorType t, size_t n) {
  uint64_t b = 0;
  EXPECT_TRUE(row_bytes(t, n, &b)) << type_name(t) << " n=" << n;
  return static_cast<size_t>(b);
}

std::vector<float> decode(TensorType t, const std::vector<uint8_t>& bytes, size_t n) {
  std::vector<float> y(n, -7.0f);
  EXPECT_TRUE(dequantize_row(t, bytes.data(), y.data(), n).is_ok()) << type_name(t);
  return y;
}

void put_half(std::vector<uint8_t>& b, size_t off, uint16_t h) {
  b[off] = static_cast<uint8_t>(h & 0xff);
  b[off + 1] = static_cast<uint8_t>(h >> 8);
}

// ---------------------------------------------------------------- numpy reference

TEST(KQuantRef, FixtureCoversEveryType) {
  std::map<TensorType, int> quant_cases;
  std::map<TensorType, int> decode_cases;
  for (const KqCase& c : ref_cases()) ++(c.x.empty() ? decode_cases : quant_cases)[c.type];
  for (TensorType t : kNewTypes) {
    EXPECT_GE(quant_cases[t], 3) << type_name(t);
    EXPECT_GE(decode_cases[t], 2) << type_name(t);
  }
}

// Bytes equal ggml's quantize_row_*_ref as transcribed in numpy.
TEST(KQuantRef, QuantizeMatchesGgmlReferenceBitExact) {
  for (const KqCase& c : ref_cases()) {
    if (c.x.empty()) continue;
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.x.size(), c.n);
    const size_t nbytes = bytes_for(c.type, c.n);
    ASSERT_EQ(nbytes, c.bytes.size());
    std::vector<uint8_t> got(nbytes, 0xAA);
    ASSERT_TRUE(quantize_row(c.type, c.x.data(), got.data(), c.n).is_ok());
    const size_t bb = type_traits(c.type)->block_bytes;
    for (size_t off = 0; off < nbytes; off += bb) {
      EXPECT_EQ(hex(got.data() + off, bb), hex(c.bytes.data() + off, bb)) << "block " << off / bb;
    }
  }
}

// Floats equal ggml's dequantize_row_* as written from the layouts in numpy.
TEST(KQuantRef, DequantizeMatchesNumpyBitExact) {
  for (const KqCase& c : ref_cases()) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.y_bits.size(), c.n);
    ASSERT_EQ(c.bytes.size(), bytes_for(c.type, c.n));
    const std::vector<float> y = decode(c.type, c.bytes, c.n);
    int bad = 0;
    for (size_t i = 0; i < c.n && bad < 8; ++i) {
      if (f32_to_bits(y[i]) != c.y_bits[i]) {
        ++bad;
        ADD_FAILURE() << "element " << i << ": got " << y[i] << ", want "
                      << bits_to_f32(c.y_bits[i]);
      }
    }
  }
}

// ---------------------------------------------------------------- hand-computed blocks

// x = j/2 - 4 (j < 31), x[31] = 11: min = -4, max = 11, d = 15/15 = 1 (fp16 0x3c00),
// m = -4 (0xc400), q = min(15, trunc(x + 4 + 0.5)) = (j + 1) / 2 for j < 31, q[31] = 15.
TEST(KQuantHand, Q4_1Ramp) {
  std::vector<float> x(32);
  for (int j = 0; j < 31; ++j) x[j] = static_cast<float>(j) * 0.5f - 4.0f;
  x[31] = 11.0f;
  const std::vector<uint8_t> want = {0x00, 0x3c, 0x00, 0xc4, 0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3,
                                     0xb3, 0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7, 0xf8};
  std::vector<uint8_t> got(20);
  ASSERT_TRUE(quantize_row(TensorType::kQ4_1, x.data(), got.data(), 32).is_ok());
  EXPECT_EQ(hex(got.data(), 20), hex(want.data(), 20));
  const std::vector<float> y = decode(TensorType::kQ4_1, want, 32);
  for (int j = 0; j < 31; ++j) EXPECT_EQ(y[j], static_cast<float>((j + 1) / 2 - 4)) << j;
  EXPECT_EQ(y[31], 11.0f);
}

// d = 0.5 (0x3800), m = -1 (0xbc00); qs[0] = 0x21: element 0 has q = 1, element 16 q = 2;
// qs[15] = 0xf0: element 15 q = 0, element 31 q = 15; all other nibbles 0x7.
TEST(KQuantHand, Q4_1Decode) {
  std::vector<uint8_t> b(20, 0x77);
  put_half(b, 0, 0x3800);
  put_half(b, 2, 0xbc00);
  b[4] = 0x21;
  b[4 + 15] = 0xf0;
  const std::vector<float> y = decode(TensorType::kQ4_1, b, 32);
  EXPECT_EQ(y[0], -0.5f);  // 1 * 0.5 - 1
  EXPECT_EQ(y[16], 0.0f);  // 2 * 0.5 - 1
  EXPECT_EQ(y[15], -1.0f);
  EXPECT_EQ(y[31], 6.5f);
  for (int j : {1, 5, 14, 17, 30}) EXPECT_EQ(y[j], 2.5f) << j;  // 7 * 0.5 - 1
}

// x = j - 16: max = -16 (first of largest magnitude), d = -16 / -16 = 1 (0x3c00),
// q = min(31, trunc(x + 16.5)) = j; qs[j] = (j & 15) | (j & 15) << 4, qh = bits 16..31 set.
TEST(KQuantHand, Q5_0Ramp) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16);
  std::vector<uint8_t> want = {0x00, 0x3c, 0x00, 0x00, 0xff, 0xff};
  for (int j = 0; j < 16; ++j) want.push_back(static_cast<uint8_t>(j | (j << 4)));
  std::vector<uint8_t> got(22);
  ASSERT_TRUE(quantize_row(TensorType::kQ5_0, x.data(), got.data(), 32).is_ok());
  EXPECT_EQ(hex(got.data(), 22), hex(want.data(), 22));
  const std::vector<float> y = decode(TensorType::kQ5_0, want, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], x[j]) << j;
}

// d = -0.5 (0xb800), qh = 0x00000001, qs[0] = 0x3f, other qs 0:
// element 0: q = 15 | 16 = 31 -> (31 - 16) * -0.5 = -7.5; element 16: q = 3 -> 6.5;
// every other element q = 0 -> (0 - 16) * -0.5 = 8.
TEST(KQuantHand, Q5_0Decode) {
  std::vector<uint8_t> b(22, 0);
  put_half(b, 0, 0xb800);
  b[2] = 0x01;
  b[6] = 0x3f;
  const std::vector<float> y = decode(TensorType::kQ5_0, b, 32);
  EXPECT_EQ(y[0], -7.5f);
  EXPECT_EQ(y[16], 6.5f);
  for (int j = 1; j < 32; ++j) {
    if (j == 16) continue;
    EXPECT_EQ(y[j], 8.0f) << j;
  }
}

// d = 0.5, m = 0.25, qh = bit 31 only, nibbles 0x1 (low) and 0x2 (high):
// element j < 16: q = 1 -> 0.75; j >= 16: q = 2 -> 1.25; element 31: q = 2 | 16 = 18 -> 9.25.
TEST(KQuantHand, Q5_1Decode) {
  std::vector<uint8_t> b(24, 0x21);
  put_half(b, 0, 0x3800);
  put_half(b, 2, 0x3400);
  b[4] = b[5] = b[6] = 0;
  b[7] = 0x80;
  const std::vector<float> y = decode(TensorType::kQ5_1, b, 32);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(y[j], 0.75f) << j;
  for (int j = 16; j < 31; ++j) EXPECT_EQ(y[j], 1.25f) << j;
  EXPECT_EQ(y[31], 9.25f);
}

// Q4_K: d = 0.5 (0x3800), dmin = 0.25 (0x3400); 6-bit scales 1, 2, 3, 4, 17, 33, 63, 0 and
// mins 0, 1, 2, 3, 16, 32, 63, 5, packed per get_scale_min_k4:
//   bytes 0..3  = scale[0..3] | (scale[4..7] >> 4) << 6 = 41 82 c3 04
//   bytes 4..7  = min[0..3]   | (min[4..7] >> 4) << 6   = 40 81 c2 03
//   bytes 8..11 = (scale[4..7] & 15) | (min[4..7] & 15) << 4 = 01 01 ff 50
// qs bytes 0x5a: sub-blocks 0, 2, 4, 6 (low nibbles) have q = 10, odd ones q = 5; overrides
// qs[0] = 0xf0 (element 0: q = 0, element 32: q = 15) and qs[127] = 0x1e (element 223: q = 14,
// element 255: q = 1). x = (d * scale) * q - dmin * min.
TEST(KQuantHand, Q4_KDecode) {
  std::vector<uint8_t> b(144, 0x5a);
  put_half(b, 0, 0x3800);
  put_half(b, 2, 0x3400);
  const uint8_t scales[12] = {0x41, 0x82, 0xc3, 0x04, 0x40, 0x81,
                              0xc2, 0x03, 0x01, 0x01, 0xff, 0x50};
  std::memcpy(b.data() + 4, scales, 12);
  b[16 + 0] = 0xf0;
  b[16 + 127] = 0x1e;
  // Per sub-block with the default q: 0.5*10 - 0, 1*5 - 0.25, 1.5*10 - 0.5, 2*5 - 0.75,
  // 8.5*10 - 4, 16.5*5 - 8, 31.5*10 - 15.75, 0*5 - 1.25.
  const float per_block[8] = {5.0f, 4.75f, 14.5f, 9.25f, 81.0f, 74.5f, 299.25f, -1.25f};
  std::vector<float> want(256);
  for (int e = 0; e < 256; ++e) want[e] = per_block[e / 32];
  want[0] = 0.0f;       // 0.5 * 0 - 0
  want[32] = 14.75f;    // 1 * 15 - 0.25
  want[223] = 425.25f;  // 31.5 * 14 - 15.75
  want[255] = -1.25f;   // 0 * 1 - 1.25
  const std::vector<float> y = decode(TensorType::kQ4_K, b, 256);
  for (int e = 0; e < 256; ++e) EXPECT_EQ(y[e], want[e]) << e;
}

// Q5_K shares Q4_K's scales; qh bit 2c + u of qh[l] adds 16 to element 64c + 32u + l.
// d = 1, dmin = 0, all scales 1 (bytes 0..3 = 1, 8..11 = 1), qs 0, qh[3] = 0x05 (bits 0 and 2):
// elements 3 and 67 get q = 16, qh[31] = 0x80 (bit 7): element 255 gets q = 16.
TEST(KQuantHand, Q5_KDecode) {
  std::vector<uint8_t> b(176, 0);
  put_half(b, 0, 0x3c00);
  for (int i = 0; i < 4; ++i) b[4 + i] = 1;
  for (int i = 8; i < 12; ++i) b[4 + i] = 1;
  b[16 + 3] = 0x05;
  b[16 + 31] = 0x80;
  b[48 + 5] = 0x73;  // element 5: q = 3, element 37: q = 7
  const std::vector<float> y = decode(TensorType::kQ5_K, b, 256);
  for (int e = 0; e < 256; ++e) {
    const float want = e == 3 || e == 67 || e == 255 ? 16.0f
                       : e == 5                      ? 3.0f
                       : e == 37                     ? 7.0f
                                                     : 0.0f;
    EXPECT_EQ(y[e], want) << e;
  }
}

// Q6_K: d = 0.125 (0x3000), scales[b] = b - 8, ql = qh = 0 (q = -32) gives x = 32 - 4b, except
//   element 0:   ql[0] low = 15, qh[0] bits 0-1 = 2  -> q = 47 - 32 = 15, scale -8 -> -15
//   element 32:  ql[32] low = 0, qh[0] bits 2-3 = 1  -> q = -16, scale -6 -> 12
//   element 64:  ql[0] high = 3, qh[0] bits 4-5 = 0  -> q = -29, scale -4 -> 14.5
//   element 96:  ql[32] high = 0, qh[0] bits 6-7 = 3 -> q = 16, scale -2 -> -4
//   element 165 (h 1, t 1, l 5): ql[101] low = 7, qh[37] bits 2-3 = 3 -> q = 23, scale 2 -> 5.75
TEST(KQuantHand, Q6_KDecode) {
  std::vector<uint8_t> b(210, 0);
  for (int k = 0; k < 16; ++k) b[192 + k] = static_cast<uint8_t>(k - 8);
  put_half(b, 208, 0x3000);
  b[0] = 0x3f;
  b[128 + 0] = 0xc6;  // 0b11'00'01'10
  b[101] = 0x07;
  b[128 + 37] = 0x0c;
  std::vector<float> want(256);
  for (int e = 0; e < 256; ++e) want[e] = 32.0f - 4.0f * static_cast<float>(e / 16);
  want[0] = -15.0f;
  want[32] = 12.0f;
  want[64] = 14.5f;
  want[96] = -4.0f;
  want[165] = 5.75f;
  const std::vector<float> y = decode(TensorType::kQ6_K, b, 256);
  for (int e = 0; e < 256; ++e) EXPECT_EQ(y[e], want[e]) << e;
}

// Q3_K: d = -0.5 (0xb800). 6-bit scales (stored + 32): 33, 31, 0, 63, 32 x4, 40, 32 x7, i.e.
// signed 1, -1, -32, 31, 0 x4, 8, 0 x7. Low nibbles: bytes 0..7 (b < 8), high nibbles of bytes
// 0..7 (b >= 8); top two bits at bit 2*(b/4) of byte 8 + b%4:
//   81 0f 00 0f 00 00 00 00 | aa a9 a8 ab
// qs bytes 0xe4: element 128h + 32s + l has low bits s. hmask 0xff (high bit set: no -4) except
// hmask[0] bit 4 (element 128), hmask[1] bits 0, 1 (elements 1, 33), hmask[20] bit 0 (element 20).
TEST(KQuantHand, Q3_KDecode) {
  std::vector<uint8_t> b(110, 0);
  for (int i = 0; i < 32; ++i) b[i] = 0xff;
  b[0] = 0xef;
  b[1] = 0xfc;
  b[20] = 0xfe;
  for (int i = 32; i < 96; ++i) b[i] = 0xe4;
  const uint8_t scales[12] = {0x81, 0x0f, 0x00, 0x0f, 0, 0, 0, 0, 0xaa, 0xa9, 0xa8, 0xab};
  std::memcpy(b.data() + 96, scales, 12);
  put_half(b, 108, 0xb800);
  std::vector<float> want(256, 0.0f);
  for (int e = 32; e < 48; ++e) want[e] = 16.0f;   // -0.5 * -32 * 1
  for (int e = 48; e < 64; ++e) want[e] = -15.5f;  // -0.5 * 31 * 1
  want[1] = 2.0f;                                  // -0.5 * 1 * (0 - 4)
  want[20] = -2.0f;                                // -0.5 * -1 * (0 - 4)
  want[33] = -48.0f;                               // -0.5 * -32 * (1 - 4)
  want[128] = 16.0f;                               // -0.5 * 8 * (0 - 4)
  const std::vector<float> y = decode(TensorType::kQ3_K, b, 256);
  for (int e = 0; e < 256; ++e) EXPECT_EQ(y[e], want[e]) << e;
}

// Q8_K of x = j - 128: max = -128, iscale = -127 / -128 = 0.9921875, q = nearest(x * 127/128):
// x + 1 for x < -64, x for -64 <= x <= 64 (63.5 and -63.5 round to even), x - 1 for x > 64.
// d = 1 / 0.9921875 = 128/127 -> float 0x3f810204. bsums of 16: [0] = -127..-112 = -1912,
// [4] = -64..-49 = -904, [12] = 64, 64..78 = 1129, [15] = 111..126 = 1896.
TEST(KQuantHand, Q8_KRamp) {
  std::vector<float> x(256);
  for (int j = 0; j < 256; ++j) x[j] = static_cast<float>(j - 128);
  std::vector<uint8_t> b(292);
  ASSERT_TRUE(quantize_row(TensorType::kQ8_K, x.data(), b.data(), 256).is_ok());
  uint32_t d_bits;
  std::memcpy(&d_bits, b.data(), 4);
  EXPECT_EQ(d_bits, 0x3f810204u);
  for (int j = 0; j < 256; ++j) {
    const int v = j - 128;
    const int want = v < -64 ? v + 1 : v > 64 ? v - 1 : v;
    EXPECT_EQ(static_cast<int8_t>(b[4 + j]), want) << j;
  }
  const auto bsum = [&](int k) {
    int16_t s;
    std::memcpy(&s, b.data() + 260 + 2 * k, 2);
    return static_cast<int>(s);
  };
  EXPECT_EQ(bsum(0), -1912);
  EXPECT_EQ(bsum(4), -904);
  EXPECT_EQ(bsum(12), 1129);
  EXPECT_EQ(bsum(15), 1896);
}

// ---------------------------------------------------------------- round trip

// RMS of (dequantize(quantize(x)) - x) relative to RMS of x.
double relative_rmse(TensorType t, const std::vector<float>& x) {
  std::vector<uint8_t> q(bytes_for(t, x.size()));
  EXPECT_TRUE(quantize_row(t, x.data(), q.data(), x.size()).is_ok()) << type_name(t);
  const std::vector<float> y = decode(t, q, x.size());
  double err = 0.0;
  double ref = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    err += (static_cast<double>(y[i]) - x[i]) * (static_cast<double>(y[i]) - x[i]);
    ref += static_cast<double>(x[i]) * x[i];
  }
  return std::sqrt(err / ref);
}

struct Bound {
  TensorType type;
  double gaussian;  // N(0, 1) rows
  double weights;   // N(0, s_row) with a few 8-sigma outliers and a positive bias
};

// Measured values in the comments (libstdc++'s normal_distribution); bounds leave ~15 % margin.
// For scale: a uniform b-bit grid over a block's range r gives rms error r / (2^b - 1) / sqrt(12).
constexpr Bound kBounds[] = {
    {TensorType::kQ4_1, 0.090, 0.095},  // 0.0785, 0.0835
    {TensorType::kQ5_0, 0.050, 0.060},  // 0.0427, 0.0513
    {TensorType::kQ5_1, 0.045, 0.047},  // 0.0378, 0.0403
    {TensorType::kQ2_K, 0.340, 0.360},  // 0.2966, 0.3142
    {TensorType::kQ3_K, 0.175, 0.190},  // 0.1509, 0.1665
    {TensorType::kQ4_K, 0.082, 0.088},  // 0.0716, 0.0769
    {TensorType::kQ5_K, 0.042, 0.045},  // 0.0362, 0.0388
    {TensorType::kQ6_K, 0.021, 0.023},  // 0.0178, 0.0202
    {TensorType::kQ8_K, 0.008, 0.014},  // 0.0070, 0.0121 (one scale per 256: outliers cost)
};

TEST(KQuantRoundTrip, RelativeRmseWithinBounds) {
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  constexpr size_t kRows = 16, kCols = 4096;
  std::vector<float> gaussian(kRows * kCols);
  for (float& v : gaussian) v = normal(rng);
  std::vector<float> weights(kRows * kCols);
  for (size_t r = 0; r < kRows; ++r) {
    const float s = 0.01f + 0.1f * unit(rng);
    for (size_t c = 0; c < kCols; ++c) {
      float v = s * normal(rng) + 0.2f * s;
      if (unit(rng) < 0.002f) v = 8.0f * s * (unit(rng) < 0.5f ? -1.0f : 1.0f);
      weights[r * kCols + c] = v;
    }
  }
  for (const Bound& b : kBounds) {
    const double g = relative_rmse(b.type, gaussian);
    const double w = relative_rmse(b.type, weights);
    std::printf("[ rmse     ] %-5s gaussian %.4f  weights %.4f\n",
                std::string(type_name(b.type)).c_str(), g, w);
    EXPECT_LT(g, b.gaussian) << type_name(b.type);
    EXPECT_LT(w, b.weights) << type_name(b.type);
  }
}

// Extreme but finite inputs must neither crash nor hit undefined behaviour (the ASan/UBSan
// build runs this): huge ranges whose scales overflow fp16 or float, subnormals, and mixes.
TEST(KQuantRoundTrip, ExtremeMagnitudesDoNotCrash) {
  std::mt19937 rng(99);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const float kMax = std::numeric_limits<float>::max();
  const float kDenorm = std::numeric_limits<float>::denorm_min();
  std::vector<std::vector<float>> rows;
  rows.push_back(std::vector<float>(512, kMax));
  std::vector<float> mix(512);
  for (size_t i = 0; i < mix.size(); ++i) {
    mix[i] = (i % 3 == 0 ? kMax : i % 3 == 1 ? -kMax : kDenorm) * (i % 7 == 0 ? -1.0f : 1.0f);
  }
  rows.push_back(mix);
  std::vector<float> sub(512);
  for (size_t i = 0; i < sub.size(); ++i)
    sub[i] = kDenorm * static_cast<float>(i % 9) - kDenorm * 4;
  rows.push_back(sub);
  std::vector<float> wide(512);
  for (float& v : wide)
    v = normal(rng) * std::pow(10.0f, std::clamp(30.0f * normal(rng), -45.0f, 37.0f));
  rows.push_back(wide);
  for (TensorType t : kNewTypes) {
    for (const std::vector<float>& x : rows) {
      std::vector<uint8_t> q(bytes_for(t, x.size()));
      ASSERT_TRUE(quantize_row(t, x.data(), q.data(), x.size()).is_ok()) << type_name(t);
      std::vector<float> y(x.size());
      ASSERT_TRUE(dequantize_row(t, q.data(), y.data(), y.size()).is_ok()) << type_name(t);
    }
  }
}

// ---------------------------------------------------------------- errors and capabilities

TEST(KQuantErrors, RowLengthNotMultipleOfBlock) {
  std::vector<float> x(1024, 0.5f);
  std::vector<uint8_t> buf(2048);
  for (TensorType t : kNewTypes) {
    const size_t block = type_traits(t)->block_elems;
    for (size_t n : {size_t{1}, block - 1, block + 1, 2 * block - 16, size_t{300}}) {
      if (n % block == 0) continue;
      Status q = quantize_row(t, x.data(), buf.data(), n);
      EXPECT_EQ(q.code(), StatusCode::kInvalidArgument) << type_name(t) << " n=" << n;
      EXPECT_NE(q.message().find("block size"), std::string::npos) << q.message();
      Status d = dequantize_row(t, buf.data(), x.data(), n);
      EXPECT_EQ(d.code(), StatusCode::kInvalidArgument) << type_name(t) << " n=" << n;
    }
    // K-quants: a legacy-sized row (32, 64, 128) is still not a whole super-block.
    if (block == 256) {
      EXPECT_EQ(quantize_row(t, x.data(), buf.data(), 128).code(), StatusCode::kInvalidArgument);
    }
    EXPECT_TRUE(quantize_row(t, x.data(), buf.data(), 0).is_ok()) << type_name(t);
  }
}

TEST(KQuantErrors, RejectNonFinite) {
  for (float bad : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                    std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> x(512, 0.25f);
    x[300] = bad;
    std::vector<uint8_t> buf(1024);
    for (TensorType t : kNewTypes) {
      Status st = quantize_row(t, x.data(), buf.data(), 512);
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << type_name(t);
      EXPECT_NE(st.message().find("element 300"), std::string::npos) << st.message();
      EXPECT_NE(st.message().find(std::string(type_name(t))), std::string::npos) << st.message();
    }
  }
}

TEST(KQuantErrors, CapabilitiesAndNullBuffers) {
  std::vector<float> x(256, 1.0f);
  std::vector<uint8_t> buf(512);
  for (TensorType t : kNewTypes) {
    EXPECT_TRUE(can_quantize(t)) << type_name(t);
    EXPECT_TRUE(can_dequantize(t)) << type_name(t);
    EXPECT_EQ(quantize_row(t, nullptr, buf.data(), 256).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(dequantize_row(t, buf.data(), nullptr, 256).code(), StatusCode::kInvalidArgument);
  }
  for (TensorType t : {TensorType::kQ8_1, TensorType::kIQ4_NL, TensorType::kIQ4_XS}) {
    EXPECT_FALSE(can_quantize(t)) << type_name(t);
    EXPECT_FALSE(can_dequantize(t)) << type_name(t);
  }
}

}  // namespace
}  // namespace slim
