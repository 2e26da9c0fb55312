// vec_dot_multi for F32 / F16 / BF16 weights (F32 activations) against the same table's vec_dot:
// bit-identical per token for every available ISA table, n_tok 1..8 (and more, split in groups),
// row lengths with every kind of tail (not multiples of 4 / 8 / 16 / 32 / 64), rows at any byte
// offset, activations aligned to 4 bytes only, and an activation stride larger than the row.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/kernels.hpp"
#include "quant/quantize.hpp"

namespace slim {
namespace {

using test::lcg_next;
using test::lcg_uniform;

using kernels::ActFormat;
using kernels::Isa;
using kernels::KernelTable;

constexpr TensorType kFloatTypes[] = {TensorType::kF32, TensorType::kF16, TensorType::kBF16};

TEST(KernelsMultiFloat, EveryTableHasMultiForFloatWeights) {
  for (const Isa isa : kernels::available_isas()) {
    const KernelTable* k = kernels::table_for(isa);
    ASSERT_NE(k, nullptr);
    for (const TensorType type : kFloatTypes) {
      EXPECT_NE(k->of(type).vec_dot_multi, nullptr) << k->name << " " << type_name(type);
      EXPECT_EQ(k->of(type).act, ActFormat::kF32) << k->name << " " << type_name(type);
    }
  }
}

TEST(KernelsMultiFloat, BitIdenticalToVecDotPerToken) {
  // 16, 48, 576, 1536: the model's shapes and whole vectors; the rest leave tails of every
  // length for 4-, 8- and 16-lane vectors and partial groups of 16 / 32 / 64.
  const size_t kSizes[] = {1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 48, 63, 64, 65, 100, 127, 576, 1536};
  const size_t kTokens = 11;  // more than kMaxMultiTok
  size_t checked = 0;
  for (const Isa isa : kernels::available_isas()) {
    const KernelTable& k = *kernels::table_for(isa);
    for (const TensorType type : kFloatTypes) {
      const kernels::TypeKernels& tk = k.of(type);
      ASSERT_NE(tk.vec_dot_multi, nullptr);
      for (const size_t n : kSizes) {
        uint64_t rb = 0;
        ASSERT_TRUE(row_bytes(type, n, &rb));
        for (const size_t offset : {size_t{0}, size_t{1}, size_t{2}, size_t{3}}) {
          uint32_t s =
              99u + static_cast<uint32_t>(n * 7 + offset) * 131u + static_cast<uint32_t>(type);
          std::vector<float> src(n);
          for (float& v : src) v = lcg_uniform(&s) * 3.0f;
          if (n > 2) src[n - 1] = -0.0f, src[1] = 1e-6f;  // a signed zero, an f16 subnormal
          test::OffsetBuffer row(rb, offset, 0xff);
          ASSERT_TRUE(quantize_row(type, src.data(), row.data(), n).is_ok());
          // Activations: rows farther apart than n floats (0xff bytes between them, which the
          // kernels must not read), starting 4 to 16 bytes past a 64-byte boundary (F32
          // activations are float arrays: 4-byte aligned, as the scalar reference requires,
          // but not aligned to any vector width).
          const size_t stride = n * sizeof(float) + 4 * (2 * offset + 1);
          test::OffsetBuffer acts(stride * kTokens, 4 * (offset + 1), 0xff);
          for (size_t t = 0; t < kTokens; ++t) {
            std::vector<float> x(n);
            for (float& v : x) v = lcg_uniform(&s) * static_cast<float>(1 + t);
            if (t == 4 && n > 5) x[5] = std::numeric_limits<float>::infinity();
            if (t == 6) x.assign(n, -0.0f);  // a sum of signed zeros
            std::memcpy(acts.data() + t * stride, x.data(), n * sizeof(float));
          }
          std::vector<float> want(kTokens);
          for (size_t t = 0; t < kTokens; ++t) {
            want[t] = tk.vec_dot(row.data(), acts.data() + t * stride, n);
          }
          for (size_t n_tok = 1; n_tok <= kTokens; ++n_tok) {
            for (size_t first = 0; first + n_tok <= kTokens; first += 2) {
              std::vector<float> got(n_tok + 1, -7.0f);
              tk.vec_dot_multi(row.data(), acts.data() + first * stride, stride, n_tok, n,
                               got.data());
              for (size_t t = 0; t < n_tok; ++t) {
                EXPECT_EQ(std::memcmp(&got[t], &want[first + t], 4), 0)
                    << k.name << " " << type_name(type) << " n=" << n << " offset=" << offset
                    << " n_tok=" << n_tok << " token " << first + t << ": " << got[t] << " vs "
                    << want[first + t];
                ++checked;
              }
              EXPECT_EQ(got[n_tok], -7.0f) << "wrote past out[n_tok - 1]";
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

// The multi kernels are the same dot product, not just self-consistent: compare with a double
// sum of the dequantized weights (independent of every kernel's order) within float rounding.
TEST(KernelsMultiFloat, CloseToDoubleSum) {
  const size_t n = 100, kTokens = 8;
  for (const Isa isa : kernels::available_isas()) {
    const KernelTable& k = *kernels::table_for(isa);
    for (const TensorType type : kFloatTypes) {
      uint32_t s = 5u + static_cast<uint32_t>(type);
      std::vector<float> src(n), deq(n), x(n * kTokens), got(kTokens);
      for (float& v : src) v = lcg_uniform(&s);
      for (float& v : x) v = lcg_uniform(&s);
      uint64_t rb = 0;
      ASSERT_TRUE(row_bytes(type, n, &rb));
      std::vector<uint8_t> row(rb);
      ASSERT_TRUE(quantize_row(type, src.data(), row.data(), n).is_ok());
      ASSERT_TRUE(dequantize_row(type, row.data(), deq.data(), n).is_ok());
      k.of(type).vec_dot_multi(row.data(), x.data(), n * sizeof(float), kTokens, n, got.data());
      for (size_t t = 0; t < kTokens; ++t) {
        double want = 0.0, mag = 0.0;
        for (size_t i = 0; i < n; ++i) {
          want += static_cast<double>(deq[i]) * static_cast<double>(x[t * n + i]);
          mag += std::fabs(static_cast<double>(deq[i]) * static_cast<double>(x[t * n + i]));
        }
        EXPECT_NEAR(got[t], want, 1e-5 * mag + 1e-30) << k.name << " " << type_name(type);
      }
    }
  }
}

}  // namespace
}  // namespace slim
