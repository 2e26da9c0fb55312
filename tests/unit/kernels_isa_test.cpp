// Every ISA kernel table this machine runs (kernels::available_isas()) against the scalar
// reference table, on deterministic random data with odd sizes and misaligned buffers.
//
// Tolerances, per kernel (u = 2^-24, gamma_k = k u / (1 - k u)):
//   quantize_q8, vec_dot Q8_0 / Q4_0, add, dequantize: bit-identical (the integer block sums
//     are exact and every variant uses the reference's float order; see ADR 0003).
//   vec_dot F32 / F16 / BF16: both the variant and the reference are within
//     gamma_{n+2} * sum|w_i x_i| of the exact dot (any summation order), so they differ by at
//     most twice that. Each is also checked against a double-precision dot.
//   rmsnorm: the sum of squares as above; y_i = x_i * scale * w_i adds a few roundings:
//     |y - ref| <= (2 gamma_{n+2} + 8 u) |ref| per element.
//   softmax, swiglu: the variants' exp is within a few ulp of std::exp; per element
//     softmax |y - ref| <= (2 gamma_{n+2} + 16 u) ref, swiglu |y - ref| <= 16 u |ref| + 1e-37.
//   attention: see AttentionWithinTolerance.
//   layernorm: mean and variance sums in another order differ by a few gamma_n of the sums
//     of |x| and d^2; per element |y - ref| <= (8 gamma_{n+4} + 16 u) ((|d_i| + mean|x|) scale
//     |w_i| + |b_i|), d_i = x_i - mean.
//   gelu: the same inner terms, exp within a few ulp: |y - ref| <= 16 u |ref| + 1e-37.
//   relu: bit-identical (also for -0 and nan).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "core/cpu_features.hpp"
#include "core/fp16.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernels.hpp"
#include "quant/quantize.hpp"

namespace slim {
namespace kernels {
// Names the parameter in gtest messages.
void PrintTo(Isa isa, std::ostream* os) {
  *os << isa_name(isa);
}
}  // namespace kernels

namespace {

using Rng = test::SplitMix;
using Buffer = test::OffsetBuffer;

using kernels::ActFormat;
using kernels::Isa;
using kernels::KernelTable;

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  std::string s = kernels::isa_name(info.param);
  for (char& c : s) c = c == '-' ? '_' : c;
  return s;
}

std::vector<Isa> simd_isas() {
  std::vector<Isa> out;
  for (Isa isa : kernels::available_isas()) {
    if (isa != Isa::kScalar) out.push_back(isa);
  }
  return out;
}

// Block activations with a spread of magnitudes: block b scaled by 2^((b % 7) - 3), plus a few
// special blocks (all zero, one dominant element, negative zeros, tiny values).
std::vector<float> activations(Rng& rng, size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = rng.uniform() * std::ldexp(3.0f, static_cast<int>((i / 32) % 7) - 3);
  }
  const size_t nb = n / 32;
  if (nb > 2) {
    for (size_t j = 0; j < 32; ++j) x[32 + j] = 0.0f;  // block 1: zero block
  }
  if (nb > 3) x[2 * 32 + 5] = 1000.0f;  // block 2: one element dominates
  if (nb > 4) {
    for (size_t j = 0; j < 32; ++j) x[3 * 32 + j] = j % 2 ? -0.0f : 1e-30f * static_cast<float>(j);
  }
  return x;
}

class KernelsIsa : public ::testing::TestWithParam<Isa> {
 protected:
  const KernelTable& simd() const { return *kernels::table_for(GetParam()); }
  const KernelTable& ref() const { return kernels::reference(); }
};

TEST(KernelsDispatch, AvailableIsasMatchTheCpu) {
  const auto isas = kernels::available_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::kScalar);
  for (Isa isa : isas) {
    const KernelTable* t = kernels::table_for(isa);
    ASSERT_NE(t, nullptr) << kernels::isa_name(isa);
    EXPECT_EQ(t->isa, isa);
    EXPECT_STREQ(t->name, kernels::isa_name(isa));
  }
  const CpuFeatures& f = cpu_features();
#if defined(__x86_64__)
  EXPECT_EQ(kernels::table_for(Isa::kAvx2) != nullptr, f.avx2 && f.fma && f.f16c);
  EXPECT_EQ(kernels::table_for(Isa::kAvx512) != nullptr,
            f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni);
  EXPECT_EQ(kernels::table_for(Isa::kNeon), nullptr);
#elif defined(__aarch64__)
  EXPECT_NE(kernels::table_for(Isa::kNeon), nullptr);
  EXPECT_EQ(kernels::table_for(Isa::kNeonDot) != nullptr, f.dotprod);
  EXPECT_EQ(kernels::table_for(Isa::kAvx2), nullptr);
#endif
  (void)f;
  // Without SLIM_ISA the process uses the best table.
  if (std::getenv("SLIM_ISA") == nullptr) {
    EXPECT_EQ(kernels::active().isa, isas.back());
  }
}

TEST(KernelsDispatch, SlimIsaSelectsOrFallsBackWithAWarning) {
  const Isa avail[] = {Isa::kScalar, Isa::kAvx2};
  std::string warning = "stale";
  EXPECT_EQ(kernels::choose_isa(nullptr, avail, &warning), Isa::kAvx2);
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(kernels::choose_isa("", avail, &warning), Isa::kAvx2);
  EXPECT_EQ(kernels::choose_isa("scalar", avail, &warning), Isa::kScalar);
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(kernels::choose_isa("avx512", avail, &warning), Isa::kAvx2);
  EXPECT_NE(warning.find("SLIM_ISA=avx512 is not supported"), std::string::npos) << warning;
  EXPECT_EQ(warning.find('\n'), std::string::npos);
  EXPECT_EQ(kernels::choose_isa("sse9", avail, &warning), Isa::kAvx2);
  EXPECT_NE(warning.find("SLIM_ISA=sse9 is not one of"), std::string::npos) << warning;
  Isa parsed;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon, Isa::kNeonDot}) {
    ASSERT_TRUE(kernels::parse_isa(kernels::isa_name(isa), &parsed));
    EXPECT_EQ(parsed, isa);
  }
  EXPECT_FALSE(kernels::parse_isa("AVX2", &parsed));
}

TEST(KernelsRef, QuantizeQ8FollowsItsDefinition) {
  Rng rng(11);
  const size_t n = 32 * 9;
  const std::vector<float> x = activations(rng, n);
  std::vector<uint8_t> act(kernels::act_row_bytes(ActFormat::kQ8, n));
  kernels::reference().quantize_q8(x.data(), act.data(), n);
  for (size_t b = 0; b < n / 32; ++b) {
    float amax = 0.0f;
    for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    float d;
    int32_t s;
    std::memcpy(&d, &act[n + 4 * b], 4);
    std::memcpy(&s, &act[n + 4 * (n / 32) + 4 * b], 4);
    EXPECT_EQ(d, amax / 127.0f) << "block " << b;
    int32_t sum = 0;
    for (size_t j = 0; j < 32; ++j) {
      const int q = static_cast<int8_t>(act[b * 32 + j]);
      sum += q;
      EXPECT_LE(std::abs(q), 127);
      // q is the nearest integer to x / d (ties: either neighbour).
      const double exact = d != 0.0f ? static_cast<double>(x[b * 32 + j]) / d : 0.0;
      EXPECT_LE(std::fabs(q - exact), 0.5 + 1e-4) << "block " << b << " j " << j;
    }
    EXPECT_EQ(s, sum);
  }
}

TEST_P(KernelsIsa, ReadSumIsTheWordSum) {
  // The memory probe: the sum of the buffer's 64-bit words mod 2^64, whatever the alignment,
  // with words that wrap around.
  Rng rng(7);
  for (size_t n : {size_t{256}, size_t{512}, size_t{4096}, size_t{4096 + 256}, size_t{65536}}) {
    for (size_t off : {0, 8, 13}) {
      Buffer b(n, off);
      uint64_t want = 0;
      for (size_t i = 0; i < n; i += 8) {
        const uint64_t w = rng.next() | (1ull << 63);
        std::memcpy(b.data() + i, &w, 8);
        want += w;
      }
      EXPECT_EQ(ref().read_sum(b.data(), n), want) << "n " << n;
      EXPECT_EQ(simd().read_sum(b.data(), n), want) << "n " << n << " offset " << off;
    }
  }
}

TEST_P(KernelsIsa, QuantizeQ8IsBitIdentical) {
  Rng rng(1);
  for (size_t nb : {1, 3, 7, 8, 9, 31, 33, 257}) {
    for (size_t off : {0, 1, 3}) {
      const size_t n = nb * 32;
      SCOPED_TRACE("blocks " + std::to_string(nb) + " offset " + std::to_string(off));
      std::vector<float> x = activations(rng, n);
      if (nb > 5) {  // non-finite values quantize the same way everywhere
        x[4 * 32 + 1] = std::numeric_limits<float>::infinity();
        x[5 * 32 + 2] = std::numeric_limits<float>::quiet_NaN();
      }
      Buffer xin(n * 4, 4 * off);
      std::memcpy(xin.data(), x.data(), n * 4);
      const size_t bytes = kernels::act_row_bytes(ActFormat::kQ8, n);
      Buffer a(bytes, off), r(bytes, 0);
      std::memset(a.data(), 0xcd, bytes);
      simd().quantize_q8(xin.floats(), a.data(), n);
      ref().quantize_q8(x.data(), r.data(), n);
      EXPECT_EQ(std::memcmp(a.data(), r.data(), bytes), 0);
      for (size_t i = 0; i < bytes; ++i) {
        if (a.data()[i] != r.data()[i]) {
          ADD_FAILURE() << "first difference at byte " << i << " of " << bytes;
          break;
        }
      }
    }
  }
}

void store_fp16(uint8_t* p, float f) {
  const uint16_t h = f32_to_fp16(f);
  std::memcpy(p, &h, 2);
}

// A weight row of `type` from random values, with hostile extremes for Q8_0 (-128, which the
// quantizer never writes) and big/small block scales.
std::vector<uint8_t> weight_row(Rng& rng, TensorType type, size_t n) {
  std::vector<float> src(n);
  for (size_t i = 0; i < n; ++i) {
    src[i] = rng.uniform() * std::ldexp(1.0f, static_cast<int>((i / 32) % 5) - 2);
  }
  uint64_t bytes = 0;
  EXPECT_TRUE(row_bytes(type, n, &bytes));
  std::vector<uint8_t> row(bytes);
  EXPECT_TRUE(quantize_row(type, src.data(), row.data(), n).is_ok());
  if (type == TensorType::kQ8_0 && n >= 64) {
    row[34 + 2 + 7] = 0x80;  // q = -128
    row[34 + 2 + 8] = 0x80;
    store_fp16(row.data(), 65504.0f);  // largest fp16 scale
  }
  if (type == TensorType::kQ4_0 && n >= 64) store_fp16(row.data() + 18, 6.0e-8f);  // subnormal
  return row;
}

TEST_P(KernelsIsa, Q4_0ExtremeLevelsAreBitIdentical) {
  // The largest partial sums a Q4_0 kernel can meet (every level 15 or 0, activations +-127):
  // the AVX-512 kernel folds them in 16-bit lanes, which must never saturate.
  for (size_t nb : {16, 17, 32, 34}) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      const size_t n = nb * 32;
      std::vector<uint8_t> row(nb * 18);
      for (size_t b = 0; b < nb; ++b) {
        store_fp16(&row[b * 18], 1.0f);
        std::memset(&row[b * 18 + 2], pattern == 3 && b % 2 ? 0x00 : 0xff, 16);
      }
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) {
        x[i] = pattern == 0 ? 1.0f : pattern == 1 ? -1.0f : (i / 32) % 2 ? 1.0f : -1.0f;
      }
      const size_t bytes = kernels::act_row_bytes(ActFormat::kQ8, n);
      std::vector<uint8_t> act(bytes);
      ref().quantize_q8(x.data(), act.data(), n);
      const float want = ref().of(TensorType::kQ4_0).vec_dot(row.data(), act.data(), n);
      const float got = simd().of(TensorType::kQ4_0).vec_dot(row.data(), act.data(), n);
      EXPECT_EQ(f32_to_bits(got), f32_to_bits(want))
          << "blocks " << nb << " pattern " << pattern << ": " << got << " vs " << want;
    }
  }
}

TEST_P(KernelsIsa, BlockDotsAreBitIdentical) {
  Rng rng(2);
  for (TensorType type : {TensorType::kQ8_0, TensorType::kQ4_0}) {
    ASSERT_EQ(simd().of(type).act, ActFormat::kQ8);
    // Every block count up to 34 (every remainder of the 8- and 16-block steps, with and
    // without a full step before it), and a long row.
    std::vector<size_t> counts(34);
    for (size_t i = 0; i < counts.size(); ++i) counts[i] = i + 1;
    counts.push_back(257);
    for (size_t nb : counts) {
      for (size_t off : {0, 1, 2, 3}) {
        const size_t n = nb * 32;
        SCOPED_TRACE(std::string(type_name(type)) + " blocks " + std::to_string(nb) + " offset " +
                     std::to_string(off));
        const std::vector<uint8_t> row = weight_row(rng, type, n);
        const std::vector<float> x = activations(rng, n);
        const size_t bytes = kernels::act_row_bytes(ActFormat::kQ8, n);
        Buffer act(bytes, 3 - off), w(row.size(), off);
        ref().quantize_q8(x.data(), act.data(), n);
        std::memcpy(w.data(), row.data(), row.size());
        const float want = ref().of(type).vec_dot(row.data(), act.data(), n);
        const float got = simd().of(type).vec_dot(w.data(), act.data(), n);
        EXPECT_EQ(f32_to_bits(got), f32_to_bits(want)) << got << " vs " << want;

        // And the reference against the exact value from integer block sums: each term rounds
        // twice, the 8-lane sum adds at most nb / 8 + 3 roundings on any path.
        std::vector<float> wd(n);
        ASSERT_TRUE(dequantize_row(type, row.data(), wd.data(), n).is_ok());
        double exact = 0, mag = 0;
        for (size_t b = 0; b < nb; ++b) {
          float dx;
          std::memcpy(&dx, act.data() + n + 4 * b, 4);
          double blk = 0;
          for (size_t j = 0; j < 32; ++j) {
            blk +=
                static_cast<double>(wd[b * 32 + j]) * static_cast<int8_t>(act.data()[b * 32 + j]);
          }
          exact += blk * dx;
          mag += std::fabs(blk * dx);
        }
        EXPECT_NEAR(want, exact, test::gamma_f32(static_cast<double>(nb) / 8 + 6) * mag + 1e-30);
      }
    }
  }
}

// The other block formats (ADR 0003, kernels/ref/vec_dot_k.cpp): bit-identical to the reference,
// on quantized rows and on rows of random bytes (every level, scale and min pattern; the fp16
// fields are kept finite so that no nan payloads are compared).
struct MoreBlockType {
  TensorType type;
  size_t elems;               // elements per block
  std::vector<size_t> fp16s;  // byte offsets of the fp16 fields in a block
};

const std::vector<MoreBlockType>& more_block_types() {
  static const std::vector<MoreBlockType> k = {
      {TensorType::kQ4_1, 32, {0, 2}},  {TensorType::kQ5_0, 32, {0}},
      {TensorType::kQ5_1, 32, {0, 2}},  {TensorType::kQ2_K, 256, {80, 82}},
      {TensorType::kQ3_K, 256, {108}},  {TensorType::kQ4_K, 256, {0, 2}},
      {TensorType::kQ5_K, 256, {0, 2}}, {TensorType::kQ6_K, 256, {208}},
  };
  return k;
}

std::vector<uint8_t> random_block_row(Rng& rng, const MoreBlockType& t, size_t n) {
  uint64_t bytes = 0;
  EXPECT_TRUE(row_bytes(t.type, n, &bytes));
  std::vector<uint8_t> row(bytes);
  for (uint8_t& b : row) b = static_cast<uint8_t>(rng.next());
  const size_t block_bytes = bytes / (n / t.elems);
  for (size_t b = 0; b < n / t.elems; ++b) {
    for (size_t off : t.fp16s) {
      uint8_t* hi = &row[b * block_bytes + off + 1];
      if ((*hi & 0x7c) == 0x7c) *hi = static_cast<uint8_t>(*hi & ~0x40);  // inf/nan -> finite
    }
  }
  return row;
}

TEST_P(KernelsIsa, MoreBlockDotsAreBitIdentical) {
  Rng rng(21);
  for (const MoreBlockType& t : more_block_types()) {
    ASSERT_EQ(ref().of(t.type).act, ActFormat::kQ8);
    ASSERT_EQ(simd().of(t.type).act, ActFormat::kQ8);
    const std::vector<size_t> counts = t.elems == 32
                                           ? std::vector<size_t>{1, 2, 3, 7, 8, 9, 15, 17, 33, 257}
                                           : std::vector<size_t>{1, 2, 3, 5, 9};
    for (size_t nblk : counts) {
      for (size_t off : {0, 1, 2, 3}) {
        const size_t n = nblk * t.elems;
        SCOPED_TRACE(std::string(type_name(t.type)) + " blocks " + std::to_string(nblk) +
                     " offset " + std::to_string(off));
        const std::vector<float> x = activations(rng, n);
        const size_t bytes = kernels::act_row_bytes(ActFormat::kQ8, n);
        Buffer act(bytes, 3 - off);
        ref().quantize_q8(x.data(), act.data(), n);
        for (int random : {0, 1}) {
          const std::vector<uint8_t> row =
              random ? random_block_row(rng, t, n) : weight_row(rng, t.type, n);
          Buffer w(row.size(), off);
          std::memcpy(w.data(), row.data(), row.size());
          const float want = ref().of(t.type).vec_dot(row.data(), act.data(), n);
          const float got = simd().of(t.type).vec_dot(w.data(), act.data(), n);
          EXPECT_EQ(f32_to_bits(got), f32_to_bits(want))
              << (random ? "random bytes: " : "quantized: ") << got << " vs " << want;
        }
      }
    }
  }
}

TEST_P(KernelsIsa, FloatDotsWithinTolerance) {
  Rng rng(3);
  for (TensorType type : {TensorType::kF32, TensorType::kF16, TensorType::kBF16}) {
    ASSERT_EQ(simd().of(type).act, ActFormat::kF32);
    for (size_t n : {1, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257, 1000, 1031}) {
      for (size_t off : {0, 1, 3}) {
        SCOPED_TRACE(std::string(type_name(type)) + " n " + std::to_string(n) + " offset " +
                     std::to_string(off));
        const std::vector<uint8_t> row = weight_row(rng, type, n);
        std::vector<float> wd(n);
        ASSERT_TRUE(dequantize_row(type, row.data(), wd.data(), n).is_ok());
        Buffer x(n * 4, 4 * off), w(row.size(), off == 0 ? 0 : 4 - off);
        for (size_t i = 0; i < n; ++i) x.floats()[i] = rng.uniform() * 4.0f;
        std::memcpy(w.data(), row.data(), row.size());
        double exact = 0, mag = 0;
        for (size_t i = 0; i < n; ++i) {
          exact += static_cast<double>(wd[i]) * x.floats()[i];
          mag += std::fabs(static_cast<double>(wd[i]) * x.floats()[i]);
        }
        const double tol = test::gamma_f32(static_cast<double>(n) + 2) * mag;
        const float want = ref().of(type).vec_dot(row.data(), x.data(), n);
        const float got = simd().of(type).vec_dot(w.data(), x.data(), n);
        EXPECT_NEAR(got, exact, tol);
        EXPECT_NEAR(got, want, 2 * tol);
      }
    }
  }
}

TEST_P(KernelsIsa, DequantizeIsBitIdentical) {
  Rng rng(4);
  for (TensorType type : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0,
                          TensorType::kQ4_0}) {
    const size_t n = 32 * 33;
    const std::vector<uint8_t> row = weight_row(rng, type, n);
    std::vector<float> a(n), b(n);
    simd().of(type).dequantize(row.data(), a.data(), n);
    ref().of(type).dequantize(row.data(), b.data(), n);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), n * 4), 0) << type_name(type);
  }
  for (const MoreBlockType& t : more_block_types()) {
    const size_t n = t.elems * 9;
    const std::vector<uint8_t> row = random_block_row(rng, t, n);
    std::vector<float> a(n), b(n);
    ASSERT_NE(simd().of(t.type).dequantize, nullptr) << type_name(t.type);
    simd().of(t.type).dequantize(row.data(), a.data(), n);
    ref().of(t.type).dequantize(row.data(), b.data(), n);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), n * 4), 0) << type_name(t.type);
  }
}

const std::vector<size_t> kOpSizes = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 1031};

TEST_P(KernelsIsa, AddIsBitIdentical) {
  Rng rng(5);
  for (size_t n : kOpSizes) {
    for (size_t off : {0, 1, 2, 3}) {
      SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(off));
      Buffer y(n * 4, 4 * off), x(n * 4, 4 * (3 - off));
      std::vector<float> yr(n);
      for (size_t i = 0; i < n; ++i) {
        yr[i] = y.floats()[i] = rng.uniform() * 10.0f;
        x.floats()[i] = rng.uniform();
      }
      simd().add(y.floats(), x.floats(), n);
      ref().add(yr.data(), x.floats(), n);
      EXPECT_EQ(std::memcmp(y.data(), yr.data(), n * 4), 0);
    }
  }
}

// Attention over a KV-cache-like layout (key/value j at j * stride, stride > hd, buffers off
// 64-byte alignment). Scores: each variant's dot is within gamma_{hd+2} * scale * sum|q k_j| of
// the exact one, which moves softmax weight j by a relative 2 * max_j of that, plus softmax's own
// tolerance. Output: the weight differences times |v|, plus both sums' rounding. And given the
// variant's own weights, its output must equal the reference's weighted sum bit for bit.
TEST_P(KernelsIsa, AttentionWithinTolerance) {
  Rng rng(9);
  for (size_t hd : {1, 3, 8, 16, 24, 33, 64, 80, 128}) {
    for (size_t n_keys : {1, 2, 7, 8, 9, 17, 64, 100, 333}) {
      SCOPED_TRACE("hd " + std::to_string(hd) + " keys " + std::to_string(n_keys));
      const size_t stride = 2 * hd + 3;
      const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
      Buffer q(hd * 4, 4), k(n_keys * stride * 4, 8), v(n_keys * stride * 4, 12);
      for (size_t i = 0; i < hd; ++i) q.floats()[i] = rng.uniform() * 3.0f;
      for (size_t i = 0; i < n_keys * stride; ++i) {
        k.floats()[i] = rng.uniform() * 3.0f;
        v.floats()[i] = rng.uniform() * 2.0f;
      }
      std::vector<float> s_ref(n_keys), o_ref(hd), s_got(n_keys + 1), o_got(hd + 2, 7.0f);
      ref().attention(q.floats(), k.floats(), v.floats(), stride, n_keys, hd, scale, s_ref.data(),
                      o_ref.data());
      simd().attention(q.floats(), k.floats(), v.floats(), stride, n_keys, hd, scale,
                       s_got.data() + 1, o_got.data() + 1);
      EXPECT_EQ(o_got[0], 7.0f);  // nothing written outside out[0, hd)
      EXPECT_EQ(o_got[hd + 1], 7.0f);
      double e_max = 0;
      for (size_t j = 0; j < n_keys; ++j) {
        double mag = 0;
        for (size_t i = 0; i < hd; ++i)
          mag += std::fabs(q.floats()[i] * k.floats()[j * stride + i]);
        e_max = std::max(e_max, 2 * test::gamma_f32(static_cast<double>(hd) + 2) * scale * mag);
      }
      const double rel =
          2 * e_max + 2 * test::gamma_f32(static_cast<double>(n_keys) + 2) + 16 * test::kF32Unit;
      std::vector<float> expect(hd, 0.0f);
      for (size_t j = 0; j < n_keys; ++j) {
        ASSERT_NEAR(s_got[j + 1], s_ref[j], rel * s_ref[j] + 1e-44) << "weight " << j;
        for (size_t i = 0; i < hd; ++i) {
          const float p = s_got[j + 1] * v.floats()[j * stride + i];
          expect[i] += p;
        }
      }
      for (size_t i = 0; i < hd; ++i) {
        double tol = 0;
        for (size_t j = 0; j < n_keys; ++j) {
          const double vi = std::fabs(v.floats()[j * stride + i]);
          tol +=
              (rel * s_ref[j] + 2 * test::gamma_f32(static_cast<double>(n_keys) + 1) * s_ref[j]) *
              vi;
        }
        ASSERT_NEAR(o_got[i + 1], o_ref[i], tol + 1e-30) << "out " << i;
        ASSERT_EQ(f32_to_bits(o_got[i + 1]), f32_to_bits(expect[i])) << "out " << i;
      }
    }
  }
}

TEST_P(KernelsIsa, RmsnormWithinTolerance) {
  Rng rng(6);
  for (size_t n : kOpSizes) {
    for (size_t off : {0, 1, 3}) {
      SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(off));
      Buffer x(n * 4, 4 * off), w(n * 4, 4 * (3 - off)), y(n * 4, 4 * ((off + 1) % 4));
      for (size_t i = 0; i < n; ++i) {
        x.floats()[i] = rng.uniform() * 5.0f;
        w.floats()[i] = 1.0f + rng.uniform() * 0.5f;
      }
      std::vector<float> want(n);
      ref().rmsnorm(want.data(), x.floats(), w.floats(), n, 1e-5f);
      simd().rmsnorm(y.floats(), x.floats(), w.floats(), n, 1e-5f);
      const double tol = 2 * test::gamma_f32(static_cast<double>(n) + 2) + 8 * test::kF32Unit;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(y.floats()[i], want[i], tol * std::fabs(want[i])) << "i " << i;
      }
      // In place (y aliases x) gives the same bits as out of place.
      simd().rmsnorm(x.floats(), x.floats(), w.floats(), n, 1e-5f);
      EXPECT_EQ(std::memcmp(x.data(), y.data(), n * 4), 0);
    }
  }
}

TEST_P(KernelsIsa, SoftmaxWithinTolerance) {
  Rng rng(7);
  for (size_t n : kOpSizes) {
    for (size_t off : {0, 1, 3}) {
      SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(off));
      Buffer x(n * 4, 4 * off);
      std::vector<float> want(n);
      for (size_t i = 0; i < n; ++i) want[i] = x.floats()[i] = rng.uniform() * 30.0f;
      if (n > 4) want[3] = x.floats()[3] = -1e30f;  // underflows to 0
      ref().softmax(want.data(), n);
      simd().softmax(x.floats(), n);
      const double tol = 2 * test::gamma_f32(static_cast<double>(n) + 2) + 16 * test::kF32Unit;
      double sum = 0;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(x.floats()[i], want[i], tol * want[i] + 1e-44) << "i " << i;
        sum += x.floats()[i];
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  }
  // Results in exp's subnormal range and below it.
  const float special[] = {0.0f, -87.0f, -88.5f, -95.0f, -100.0f, -103.5f, -104.5f, -200.0f, 0.5f};
  std::vector<float> got(std::begin(special), std::end(special)), want = got;
  ref().softmax(want.data(), want.size());
  simd().softmax(got.data(), got.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 32 * test::kF32Unit * want[i] + 2e-45) << "x = " << special[i];
  }
}

TEST_P(KernelsIsa, SwigluWithinTolerance) {
  Rng rng(8);
  for (size_t n : kOpSizes) {
    for (size_t off : {0, 1, 3}) {
      SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(off));
      Buffer g(n * 4, 4 * off), up(n * 4, 4 * (3 - off));
      std::vector<float> want(n);
      for (size_t i = 0; i < n; ++i) {
        want[i] = g.floats()[i] = rng.uniform() * 12.0f;
        up.floats()[i] = rng.uniform() * 2.0f;
      }
      const float extremes[] = {0.0f, -0.0f, 90.0f, -90.0f, 120.0f, -120.0f, 1e-20f, -88.5f};
      for (size_t k = 0; k < 8 && k < n; ++k) want[k] = g.floats()[k] = extremes[k];
      ref().swiglu(want.data(), up.floats(), n);
      simd().swiglu(g.floats(), up.floats(), n);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(g.floats()[i], want[i], 16 * test::kF32Unit * std::fabs(want[i]) + 1e-37)
            << "i " << i;
      }
    }
  }
}

// The reference LayerNorm against the definition computed in double.
TEST(KernelsRef, LayernormFollowsItsDefinition) {
  Rng rng(9);
  for (size_t n : {1, 2, 7, 64, 768, 1031}) {
    std::vector<float> x(n), w(n), b(n), y(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = 3.0f + rng.uniform() * 5.0f;
      w[i] = 1.0f + rng.uniform() * 0.5f;
      b[i] = rng.uniform();
    }
    kernels::reference().layernorm(y.data(), x.data(), w.data(), b.data(), n, 1e-5f);
    double mean = 0, var = 0, mean_abs = 0;
    for (float v : x) mean += v, mean_abs += std::fabs(v);
    mean /= static_cast<double>(n);
    mean_abs /= static_cast<double>(n);
    for (float v : x) var += (v - mean) * (v - mean);
    var /= static_cast<double>(n);
    const double scale = 1.0 / std::sqrt(var + 1e-5);
    for (size_t i = 0; i < n; ++i) {
      const double d = x[i] - mean, exact = d * scale * w[i] + b[i];
      const double tol = (8 * test::gamma_f32(static_cast<double>(n) + 4) + 16 * test::kF32Unit) *
                         ((std::fabs(d) + mean_abs) * scale * std::fabs(w[i]) + std::fabs(b[i]));
      ASSERT_NEAR(y[i], exact, tol) << "n " << n << " i " << i;
    }
  }
}

// The reference GELU against GPT-2's literal tanh formula in long double. The bound is the
// function's own float conditioning: the exponent's argument a carries ~5 u |a| of rounding.
TEST(KernelsRef, GeluFollowsTheTanhFormula) {
  std::vector<float> x;
  for (int i = -4000; i <= 4000; ++i) x.push_back(static_cast<float>(i) * 0.0025f);  // [-10, 10]
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 30.0f, -30.0f, 1e20f, -1e20f}) x.push_back(v);
  std::vector<float> y = x;
  kernels::reference().gelu(y.data(), y.size());
  const long double c = std::sqrt(2.0L / 3.14159265358979323846264338327950288L);
  for (size_t i = 0; i < x.size(); ++i) {
    const long double v = x[i], u = c * (v + 0.044715L * v * v * v);
    // 1 + tanh(u) cancels even in long double for u << 0: there use 2 e^2u / (1 + e^2u).
    const long double one_plus_tanh =
        u > -10.0L ? 1.0L + std::tanh(u) : 2.0L * std::exp(2.0L * u) / (1.0L + std::exp(2.0L * u));
    const long double exact = 0.5L * v * one_plus_tanh;
    const double tol = (8.0 + 12.0 * std::fabs(static_cast<double>(u))) * test::kF32Unit *
                           std::fabs(static_cast<double>(exact)) +
                       1e-38;
    ASSERT_NEAR(y[i], static_cast<double>(exact), tol) << "x = " << x[i];
  }
}

TEST_P(KernelsIsa, LayernormWithinTolerance) {
  Rng rng(10);
  for (size_t n : kOpSizes) {
    for (size_t off : {0, 1, 3}) {
      SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(off));
      Buffer x(n * 4, 4 * off), w(n * 4, 4 * (3 - off)), b(n * 4, 4 * off),
          y(n * 4, 4 * ((off + 1) % 4));
      double mean = 0, mean_abs = 0;
      for (size_t i = 0; i < n; ++i) {
        x.floats()[i] = 3.0f + rng.uniform() * 5.0f;
        w.floats()[i] = 1.0f + rng.uniform() * 0.5f;
        b.floats()[i] = rng.uniform();
        mean += x.floats()[i];
        mean_abs += std::fabs(x.floats()[i]);
      }
      mean /= static_cast<double>(n);
      mean_abs /= static_cast<double>(n);
      std::vector<float> want(n);
      ref().layernorm(want.data(), x.floats(), w.floats(), b.floats(), n, 1e-5f);
      simd().layernorm(y.floats(), x.floats(), w.floats(), b.floats(), n, 1e-5f);
      double var = 0;
      for (size_t i = 0; i < n; ++i) var += (x.floats()[i] - mean) * (x.floats()[i] - mean);
      const double scale = 1.0 / std::sqrt(var / static_cast<double>(n) + 1e-5);
      const double g = 8 * test::gamma_f32(static_cast<double>(n) + 4) + 16 * test::kF32Unit;
      for (size_t i = 0; i < n; ++i) {
        const double d = std::fabs(x.floats()[i] - mean);
        const double tol =
            g * ((d + mean_abs) * scale * std::fabs(w.floats()[i]) + std::fabs(b.floats()[i]));
        ASSERT_NEAR(y.floats()[i], want[i], tol) << "i " << i;
      }
      // In place (y aliases x) gives the same bits as out of place.
      simd().layernorm(x.floats(), x.floats(), w.floats(), b.floats(), n, 1e-5f);
      EXPECT_EQ(std::memcmp(x.data(), y.data(), n * 4), 0);
    }
  }
}

TEST_P(KernelsIsa, GeluWithinTolerance) {
  Rng rng(11);
  for (size_t n : kOpSizes) {
    for (size_t off : {0, 1, 3}) {
      SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(off));
      Buffer x(n * 4, 4 * off);
      std::vector<float> want(n);
      for (size_t i = 0; i < n; ++i) want[i] = x.floats()[i] = rng.uniform() * 8.0f;
      const float extremes[] = {0.0f, -0.0f, 60.0f, -60.0f, 1e20f, -1e20f, 1e-20f, -9.5f};
      for (size_t k = 0; k < 8 && k < n; ++k) want[k] = x.floats()[k] = extremes[k];
      ref().gelu(want.data(), n);
      simd().gelu(x.floats(), n);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(x.floats()[i], want[i], 16 * test::kF32Unit * std::fabs(want[i]) + 1e-37)
            << "i " << i;
      }
    }
  }
}

TEST_P(KernelsIsa, ReluIsBitIdentical) {
  Rng rng(12);
  for (size_t n : kOpSizes) {
    Buffer x(n * 4, 4);
    std::vector<float> want(n);
    for (size_t i = 0; i < n; ++i) want[i] = x.floats()[i] = rng.uniform();
    const float special[] = {-0.0f, 0.0f, std::numeric_limits<float>::quiet_NaN(), -1e-45f, 1e-45f};
    for (size_t k = 0; k < 5 && k < n; ++k) want[k] = x.floats()[k] = special[k];
    ref().relu(want.data(), n);
    simd().relu(x.floats(), n);
    EXPECT_EQ(std::memcmp(x.data(), want.data(), n * 4), 0) << "n " << n;
    EXPECT_EQ(f32_to_bits(want[0]), 0u) << "relu(-0) is +0";
  }
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KernelsIsa);
INSTANTIATE_TEST_SUITE_P(Simd, KernelsIsa, ::testing::ValuesIn(simd_isas()), isa_param_name);

}  // namespace
}  // namespace slim
