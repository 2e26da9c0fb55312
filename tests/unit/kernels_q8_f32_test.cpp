// Q8_0 weights x F32 activations (KernelTable::q8_0_f32, kernels/ref/vec_dot_q8_f32.cpp):
// the reference against a double-precision dot of the dequantized row, every ISA table this
// machine runs bit-identical to the reference (odd sizes, misaligned buffers, q = -128, extreme
// scales), and kernels::matmul with Q8_0Act::kF32: the table's vec_dot per element, independent
// of threads and token splits, closer to the float product than the 8-bit activation path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "core/thread_pool.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernels.hpp"
#include "kernels/matmul.hpp"
#include "quant/quantize.hpp"

namespace slim {
namespace {

using Rng = test::SplitMix;

using kernels::ActFormat;
using kernels::Isa;

void store_fp16(uint8_t* p, float f) {
  const uint16_t h = f32_to_fp16(f);
  std::memcpy(p, &h, 2);
}

// A Q8_0 row of n elements with varied block magnitudes; from 64 elements on, block 1 holds
// q = -128 (never written by the quantizer, legal in files) and the largest fp16 scale, and
// block 0 a subnormal scale.
std::vector<uint8_t> q8_row(Rng& rng, size_t n) {
  std::vector<float> src(n);
  for (size_t i = 0; i < n; ++i)
    src[i] = rng.uniform() * std::ldexp(1.0f, static_cast<int>((i / 32) % 5) - 2);
  std::vector<uint8_t> row(n / 32 * 34);
  EXPECT_TRUE(quantize_row(TensorType::kQ8_0, src.data(), row.data(), n).is_ok());
  if (n >= 64) {
    row[34 + 2 + 7] = 0x80;
    row[34 + 2 + 8] = 0x80;
    store_fp16(row.data() + 34, 65504.0f);
    store_fp16(row.data(), 6.0e-8f);
  }
  return row;
}

std::vector<float> act_row(Rng& rng, size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i)
    x[i] = rng.uniform() * std::ldexp(3.0f, static_cast<int>((i / 32) % 7) - 3);
  if (n >= 96) {
    for (size_t j = 0; j < 32; ++j) x[64 + j] = j % 2 ? -0.0f : 1e-30f * static_cast<float>(j);
  }
  return x;
}

// `bytes` copied to an address `offset` bytes past a 64-byte boundary.
class Buffer {
 public:
  Buffer(const void* src, size_t bytes, size_t offset) : raw_(bytes + 64 + offset) {
    const auto addr = reinterpret_cast<uintptr_t>(raw_.data());
    start_ = static_cast<size_t>((64 - addr % 64) % 64) + offset;
    std::memcpy(raw_.data() + start_, src, bytes);
  }
  const uint8_t* data() const { return raw_.data() + start_; }

 private:
  std::vector<uint8_t> raw_;
  size_t start_ = 0;
};

const std::vector<size_t>& block_counts() {
  static const std::vector<size_t> k = {1, 2, 3, 7, 8, 9, 17, 33, 257};
  return k;
}

TEST(KernelsQ8F32, ReferenceIsWithinRoundingOfTheExactDot) {
  Rng rng(11);
  const kernels::TypeKernels& k = kernels::reference().q8_0_f32;
  ASSERT_EQ(k.act, ActFormat::kF32);
  ASSERT_NE(k.vec_dot, nullptr);
  for (size_t nb : block_counts()) {
    const size_t n = nb * 32;
    SCOPED_TRACE("blocks " + std::to_string(nb));
    const std::vector<uint8_t> row = q8_row(rng, n);
    const std::vector<float> x = act_row(rng, n);
    std::vector<float> w(n);
    ASSERT_TRUE(dequantize_row(TensorType::kQ8_0, row.data(), w.data(), n).is_ok());
    double exact = 0, mag = 0;
    for (size_t i = 0; i < n; ++i) {
      exact += static_cast<double>(w[i]) * x[i];
      mag += std::fabs(static_cast<double>(w[i]) * x[i]);
    }
    // Per element: 2 FMAs + 1 add within the block, 1 FMA with d, then the 8-lane chain over
    // nb / 8 blocks and the 3-level tree.
    const float got = k.vec_dot(row.data(), x.data(), n);
    EXPECT_NEAR(got, exact, test::gamma_f32(static_cast<double>(nb) / 8 + 10) * mag + 1e-30);
  }
}

TEST(KernelsQ8F32, EveryIsaIsBitIdenticalToTheReference) {
  Rng rng(12);
  for (Isa isa : kernels::available_isas()) {
    const kernels::KernelTable* t = kernels::table_for(isa);
    ASSERT_NE(t, nullptr);
    SCOPED_TRACE(kernels::isa_name(isa));
    ASSERT_EQ(t->q8_0_f32.act, ActFormat::kF32);
    ASSERT_NE(t->q8_0_f32.vec_dot, nullptr);
    for (size_t nb : block_counts()) {
      for (size_t off : {0, 1, 2, 3}) {
        const size_t n = nb * 32;
        SCOPED_TRACE("blocks " + std::to_string(nb) + " offset " + std::to_string(off));
        const std::vector<uint8_t> row = q8_row(rng, n);
        const std::vector<float> x = act_row(rng, n);
        const Buffer w(row.data(), row.size(), off), a(x.data(), n * 4, 3 - off);
        const float want = kernels::reference().q8_0_f32.vec_dot(row.data(), x.data(), n);
        const float got = t->q8_0_f32.vec_dot(w.data(), a.data(), n);
        EXPECT_EQ(f32_to_bits(got), f32_to_bits(want)) << got << " vs " << want;
      }
    }
  }
}

TEST(KernelsQ8F32, MatmulUsesItDeterministicallyAndIsCloserToTheFloatProduct) {
  // 96 columns = 3 blocks; 515 rows do not divide evenly over 2 or 3 threads.
  const size_t cols = 96, rows = 515, n_tok = 7;
  Rng rng(13);
  std::vector<uint8_t> bytes;
  for (size_t r = 0; r < rows; ++r) {
    std::vector<float> src(cols);
    for (float& v : src) v = rng.uniform();
    std::vector<uint8_t> row(cols / 32 * 34);
    ASSERT_TRUE(quantize_row(TensorType::kQ8_0, src.data(), row.data(), cols).is_ok());
    bytes.insert(bytes.end(), row.begin(), row.end());
  }
  const kernels::MatrixView w{TensorType::kQ8_0, cols, rows, cols / 32 * 34, bytes.data(), "w"};
  std::vector<float> x(cols * n_tok);
  for (float& v : x) v = rng.uniform();

  const kernels::TypeKernels& tk = kernels::active().q8_0_f32;
  std::vector<float> want(rows * n_tok);
  for (size_t t = 0; t < n_tok; ++t) {
    for (size_t r = 0; r < rows; ++r)
      want[t * rows + r] = tk.vec_dot(w.row(r), x.data() + t * cols, cols);
  }
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    std::vector<float> all(rows * n_tok), split(rows * n_tok);
    kernels::matmul(w, x.data(), n_tok, all.data(), pool, kernels::Q8_0Act::kF32);
    for (size_t t0 = 0; t0 < n_tok; t0 += 3) {
      const size_t n = std::min<size_t>(3, n_tok - t0);
      kernels::matmul(w, x.data() + t0 * cols, n, split.data() + t0 * rows, pool,
                      kernels::Q8_0Act::kF32);
    }
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(f32_to_bits(all[i]), f32_to_bits(want[i])) << "threads " << threads << " i " << i;
      ASSERT_EQ(f32_to_bits(split[i]), f32_to_bits(want[i])) << "threads " << threads << " i " << i;
    }
  }

  // Against the exact product of the dequantized weights: the 8-bit activation path carries
  // the activation rounding error, the F32 path only float rounding.
  ThreadPool pool(1);
  std::vector<float> q8(rows * n_tok);
  kernels::matmul(w, x.data(), n_tok, q8.data(), pool);  // default: Q8_0Act::kQ8
  std::vector<float> wd(cols);
  double err_f32 = 0, err_q8 = 0;
  for (size_t r = 0; r < rows; ++r) {
    ASSERT_TRUE(dequantize_row(TensorType::kQ8_0, w.row(r), wd.data(), cols).is_ok());
    for (size_t t = 0; t < n_tok; ++t) {
      double exact = 0;
      for (size_t j = 0; j < cols; ++j) exact += static_cast<double>(wd[j]) * x[t * cols + j];
      err_f32 += std::pow(want[t * rows + r] - exact, 2);
      err_q8 += std::pow(q8[t * rows + r] - exact, 2);
    }
  }
  EXPECT_LT(err_f32 * 1e6, err_q8);
}

}  // namespace
}  // namespace slim
