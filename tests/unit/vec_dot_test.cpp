// Scalar reference dot products against a double-precision dot of the dequantized operands.
//
// Tolerance: the kernel rounds each product and each partial sum once in float, so by the
// standard bound |kernel - exact| <= gamma_k * sum_i |w_i * x_i|, gamma_k = k*u / (1 - k*u),
// u = 2^-24, with k = (number of roundings on any path) <= n + 2. The dequantized row is exact
// (q * d fits a float), so "exact" is the double dot of the dequantized weights with the
// activations the kernel sees: x itself for float types, the Q8 activation row's q * d (exact in
// double) for block types, whose block sums are exact integers and whose per-block term
// float(isum) * (dw * dx) rounds twice.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/fp16.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/ref.hpp"
#include "quant/quantize.hpp"

namespace slim {
namespace {

using Rng = test::SplitMix;

struct Encoded {
  std::vector<uint8_t> bytes;
  std::vector<float> w;  // the row as the kernel sees it (dequantized)
};

Encoded encode(TensorType t, const std::vector<float>& src) {
  Encoded e;
  uint64_t nbytes = 0;
  EXPECT_TRUE(row_bytes(t, src.size(), &nbytes));
  e.bytes.resize(nbytes);
  EXPECT_TRUE(quantize_row(t, src.data(), e.bytes.data(), src.size()).is_ok());
  e.w.resize(src.size());
  EXPECT_TRUE(dequantize_row(t, e.bytes.data(), e.w.data(), src.size()).is_ok());
  return e;
}

// The activation operand a type's kernel consumes, and its values as the kernel sees them.
struct Act {
  std::vector<uint8_t> bytes;
  std::vector<double> x;
};

Act prepare(TensorType t, const std::vector<float>& x) {
  Act a;
  const size_t n = x.size();
  if (kernels::reference().of(t).act == kernels::ActFormat::kF32) {
    a.bytes.resize(n * sizeof(float));
    std::memcpy(a.bytes.data(), x.data(), a.bytes.size());
    a.x.assign(x.begin(), x.end());
    return a;
  }
  a.bytes.resize(kernels::act_row_bytes(kernels::ActFormat::kQ8, n));
  kernels::ref::quantize_q8(x.data(), a.bytes.data(), n);
  for (size_t i = 0; i < n; ++i) {
    float d;
    std::memcpy(&d, a.bytes.data() + n + 4 * (i / 32), 4);
    a.x.push_back(static_cast<double>(static_cast<int8_t>(a.bytes[i])) * d);
  }
  return a;
}

kernels::VecDotFn ref_fn(TensorType t) {
  switch (t) {
    case TensorType::kF32:
      return kernels::ref::vec_dot_f32;
    case TensorType::kF16:
      return kernels::ref::vec_dot_f16;
    case TensorType::kBF16:
      return kernels::ref::vec_dot_bf16;
    case TensorType::kQ8_0:
      return kernels::ref::vec_dot_q8_0;
    case TensorType::kQ4_0:
      return kernels::ref::vec_dot_q4_0;
    case TensorType::kQ4_1:
      return kernels::ref::vec_dot_q4_1;
    case TensorType::kQ5_0:
      return kernels::ref::vec_dot_q5_0;
    case TensorType::kQ5_1:
      return kernels::ref::vec_dot_q5_1;
    case TensorType::kQ2_K:
      return kernels::ref::vec_dot_q2_k;
    case TensorType::kQ3_K:
      return kernels::ref::vec_dot_q3_k;
    case TensorType::kQ4_K:
      return kernels::ref::vec_dot_q4_k;
    case TensorType::kQ5_K:
      return kernels::ref::vec_dot_q5_k;
    case TensorType::kQ6_K:
      return kernels::ref::vec_dot_q6_k;
    default:
      return nullptr;
  }
}

void check_type(TensorType t, const std::vector<size_t>& lengths) {
  Rng rng(0x5eed0000u + static_cast<uint32_t>(t));
  for (size_t n : lengths) {
    SCOPED_TRACE(std::string(type_name(t)) + " n=" + std::to_string(n));
    std::vector<float> src(n), x(n);
    for (size_t i = 0; i < n; ++i) {
      // Row scale varies by block so blocks get different d.
      src[i] = rng.uniform() * (1.0f + static_cast<float>((i / 32) % 5));
      x[i] = rng.uniform() * 3.0f;
    }
    const Encoded e = encode(t, src);
    const Act a = prepare(t, x);
    double exact = 0.0;
    double mag = 0.0;
    for (size_t i = 0; i < n; ++i) {
      exact += static_cast<double>(e.w[i]) * a.x[i];
      mag += std::fabs(static_cast<double>(e.w[i]) * a.x[i]);
    }
    const double u = std::ldexp(1.0, -24);
    const double k = static_cast<double>(n) + 2.0;
    const double tol = k * u / (1.0 - k * u) * mag;
    const float got = ref_fn(t)(e.bytes.data(), a.bytes.data(), n);
    EXPECT_NEAR(static_cast<double>(got), exact, tol) << "sum|w*x| = " << mag;

    // The reference table points at the same kernel.
    const kernels::VecDotFn table = kernels::reference().of(t).vec_dot;
    ASSERT_NE(table, nullptr);
    EXPECT_EQ(f32_to_bits(table(e.bytes.data(), a.bytes.data(), n)), f32_to_bits(got));

    // Rows need no alignment: the same bytes one byte off give the same bits.
    std::vector<uint8_t> shifted(e.bytes.size() + 1);
    std::memcpy(shifted.data() + 1, e.bytes.data(), e.bytes.size());
    EXPECT_EQ(f32_to_bits(ref_fn(t)(shifted.data() + 1, a.bytes.data(), n)), f32_to_bits(got));
  }
}

// Odd block counts (1, 3, 7, 33 blocks of 32) and, for plain types, lengths that are not
// multiples of 32.
TEST(VecDotRef, F32) {
  check_type(TensorType::kF32, {1, 37, 96, 224, 1056});
}
TEST(VecDotRef, F16) {
  check_type(TensorType::kF16, {1, 37, 96, 224, 1056});
}
TEST(VecDotRef, BF16) {
  check_type(TensorType::kBF16, {3, 37, 96, 224, 1056});
}
TEST(VecDotRef, Q8_0) {
  check_type(TensorType::kQ8_0, {32, 96, 224, 1056});
}
TEST(VecDotRef, Q4_0) {
  check_type(TensorType::kQ4_0, {32, 96, 224, 1056});
}

// Types whose weights are a * q - b (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K): the kernel computes the two
// parts separately per block (float(A) * d - float(M) * dmin), so the bound uses
// sum |a_i q_i x_i| + |b_i x_i|. The parts come from dequantizing copies of the row with the min
// scale (resp. the scale) set to zero; both are exact floats (a fp16 scale times a small integer
// level times a small integer), so "exact" = sum (a_i q_i - b_i) x_i in double. The double
// reference below decodes nothing itself: only byte offsets of the fp16 fields are used.
struct TwoPart {
  TensorType type;
  size_t elems, bytes;
  size_t d_off;   // fp16 scale field
  int64_t m_off;  // fp16 min-scale field, -1 if none
};

void check_block_type(const TwoPart& t, const std::vector<size_t>& blocks) {
  Rng rng(0x5eed1000u + static_cast<uint32_t>(t.type));
  for (size_t nblk : blocks) {
    const size_t n = nblk * t.elems;
    SCOPED_TRACE(std::string(type_name(t.type)) + " n=" + std::to_string(n));
    std::vector<float> src(n), x(n);
    for (size_t i = 0; i < n; ++i) {
      src[i] = rng.uniform() * (1.0f + static_cast<float>((i / 32) % 5)) + 0.3f;
      x[i] = rng.uniform() * 3.0f;
    }
    const Encoded e = encode(t.type, src);
    const Act a = prepare(t.type, x);
    std::vector<float> scaled(n, 0.0f), mins(n, 0.0f);
    if (t.m_off >= 0) {
      std::vector<uint8_t> only_a = e.bytes, only_b = e.bytes;
      for (size_t b = 0; b < nblk; ++b) {
        std::memset(&only_a[b * t.bytes + static_cast<size_t>(t.m_off)], 0, 2);
        std::memset(&only_b[b * t.bytes + t.d_off], 0, 2);
      }
      ASSERT_TRUE(dequantize_row(t.type, only_a.data(), scaled.data(), n).is_ok());
      ASSERT_TRUE(dequantize_row(t.type, only_b.data(), mins.data(), n).is_ok());
    } else {
      scaled = e.w;
    }
    double exact = 0.0, mag = 0.0;
    for (size_t i = 0; i < n; ++i) {
      exact += (static_cast<double>(scaled[i]) + mins[i]) * a.x[i];
      mag += (std::fabs(static_cast<double>(scaled[i])) + std::fabs(mins[i])) * std::fabs(a.x[i]);
    }
    const double u = std::ldexp(1.0, -24);
    const double k = static_cast<double>(n / 32) / 8 + 8;
    const float got = ref_fn(t.type)(e.bytes.data(), a.bytes.data(), n);
    EXPECT_NEAR(static_cast<double>(got), exact, k * u / (1.0 - k * u) * mag) << "mag " << mag;
    // And against the dequantized row itself (which rounds a * q - b once more per element).
    double deq = 0.0;
    for (size_t i = 0; i < n; ++i) deq += static_cast<double>(e.w[i]) * a.x[i];
    EXPECT_NEAR(static_cast<double>(got), deq, (k + 1) * u / (1.0 - (k + 1) * u) * mag);
    const kernels::VecDotFn table = kernels::reference().of(t.type).vec_dot;
    ASSERT_NE(table, nullptr);
    EXPECT_EQ(kernels::reference().of(t.type).act, kernels::ActFormat::kQ8);
    EXPECT_EQ(f32_to_bits(table(e.bytes.data(), a.bytes.data(), n)), f32_to_bits(got));
    std::vector<uint8_t> shifted(e.bytes.size() + 1);
    std::memcpy(shifted.data() + 1, e.bytes.data(), e.bytes.size());
    EXPECT_EQ(f32_to_bits(ref_fn(t.type)(shifted.data() + 1, a.bytes.data(), n)), f32_to_bits(got));
  }
}

TEST(VecDotRef, Q4_1) {
  check_block_type({TensorType::kQ4_1, 32, 20, 0, 2}, {1, 3, 7, 9, 33});
}
TEST(VecDotRef, Q5_0) {
  check_block_type({TensorType::kQ5_0, 32, 22, 0, -1}, {1, 3, 7, 9, 33});
}
TEST(VecDotRef, Q5_1) {
  check_block_type({TensorType::kQ5_1, 32, 24, 0, 2}, {1, 3, 7, 9, 33});
}
TEST(VecDotRef, Q2_K) {
  check_block_type({TensorType::kQ2_K, 256, 84, 80, 82}, {1, 3, 5});
}
TEST(VecDotRef, Q3_K) {
  check_block_type({TensorType::kQ3_K, 256, 110, 108, -1}, {1, 3, 5});
}
TEST(VecDotRef, Q4_K) {
  check_block_type({TensorType::kQ4_K, 256, 144, 0, 2}, {1, 3, 5});
}
TEST(VecDotRef, Q5_K) {
  check_block_type({TensorType::kQ5_K, 256, 176, 0, 2}, {1, 3, 5});
}
TEST(VecDotRef, Q6_K) {
  check_block_type({TensorType::kQ6_K, 256, 210, 208, -1}, {1, 3, 5});
}

TEST(VecDotRef, EmptyRowIsZero) {
  const float x = 1.0f;
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0,
                       TensorType::kQ4_0}) {
    EXPECT_EQ(ref_fn(t)(&x, &x, 0), 0.0f) << type_name(t);  // nothing is read
  }
}

// A Q8 activation row written out by hand: every q = 1 with d = 1 (so x = 1 exactly), s = 32.
std::vector<uint8_t> ones_act(size_t n) {
  std::vector<uint8_t> act(kernels::act_row_bytes(kernels::ActFormat::kQ8, n), 0);
  const size_t nb = n / 32;
  for (size_t i = 0; i < n; ++i) act[i] = 1;
  for (size_t b = 0; b < nb; ++b) {
    const float d = 1.0f;
    const int32_t s = 32;
    std::memcpy(act.data() + n + 4 * b, &d, 4);
    std::memcpy(act.data() + n + 4 * nb + 4 * b, &s, 4);
  }
  return act;
}

// Blocks written out by hand, with exactly representable results.
TEST(VecDotRef, HandBlocks) {
  const std::vector<uint8_t> ones = ones_act(96);
  // Q8_0, d = 1.0 (0x3c00), q[j] = j - 16: sum = 496 - 512 = -16 per block.
  uint8_t q8[3 * 34];
  for (int b = 0; b < 3; ++b) {
    q8[b * 34] = 0x00;
    q8[b * 34 + 1] = 0x3c;
    for (int j = 0; j < 32; ++j)
      q8[b * 34 + 2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j - 16));
  }
  EXPECT_EQ(kernels::ref::vec_dot_q8_0(q8, ones.data(), 96), -48.0f);
  // Q4_0, d = 2.0 (0x4000), every byte 0x9a: low nibble 10 -> +2, high nibble 9 -> +1;
  // per block (16 * 2 + 16 * 1) * 2 = 96, but the second block has d = -0.5 (0xb800): -24.
  uint8_t q4[2 * 18];
  q4[0] = 0x00;
  q4[1] = 0x40;
  q4[18] = 0x00;
  q4[19] = 0xb8;
  for (int j = 0; j < 16; ++j) q4[2 + j] = q4[20 + j] = 0x9a;
  const std::vector<uint8_t> ones64 = ones_act(64);
  EXPECT_EQ(kernels::ref::vec_dot_q4_0(q4, ones64.data(), 64), 72.0f);
  // Elements 16..31 of a Q4_0 block live in the high nibbles: x = e_16 picks byte 0's high half.
  std::vector<uint8_t> e16 = ones_act(32);
  for (size_t i = 0; i < 32; ++i) e16[i] = i == 16 ? 1 : 0;
  const int32_t s1 = 1;
  std::memcpy(e16.data() + 32 + 4, &s1, 4);
  EXPECT_EQ(kernels::ref::vec_dot_q4_0(q4, e16.data(), 32), 2.0f);  // (9 - 8) * 2
}

}  // namespace
}  // namespace slim
