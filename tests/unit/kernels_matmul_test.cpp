// kernels::matmul: every output equals the active table's vec_dot of the row with the token's
// prepared activation (Q8-quantized for every block type), and the result is bit-identical for any
// thread count and any split of the tokens into calls (determinism, ADR 0003).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "core/thread_pool.hpp"
#include "kernels/kernels.hpp"
#include "kernels/matmul.hpp"
#include "quant/quantize.hpp"

namespace slim {
namespace {

struct Weights {
  kernels::MatrixView view;
  std::vector<uint8_t> bytes;
};

Weights make_weights(TensorType type, uint64_t rows, uint64_t cols) {
  Weights w;
  uint64_t rb = 0;
  EXPECT_TRUE(row_bytes(type, cols, &rb));
  w.bytes.resize(rb * rows);
  std::vector<float> src(cols);
  uint32_t state = 12345u + static_cast<uint32_t>(type);
  for (uint64_t r = 0; r < rows; ++r) {
    for (float& v : src) {
      state = state * 1664525u + 1013904223u;
      v = static_cast<float>(static_cast<int32_t>(state >> 8) % 2001) / 1000.0f - 1.0f;
    }
    EXPECT_TRUE(quantize_row(type, src.data(), w.bytes.data() + r * rb, cols).is_ok());
  }
  w.view = {type, cols, rows, rb, w.bytes.data(), "w"};
  return w;
}

std::vector<float> inputs(size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 37) % 101) / 50.0f - 1.0f;
  return x;
}

class Matmul : public ::testing::TestWithParam<TensorType> {};

TEST_P(Matmul, EqualsVecDotAndIsIndependentOfThreadsAndSplits) {
  const TensorType type = GetParam();
  // 96 columns = 3 blocks (a partial group of 8); 515 rows do not divide by 2 or 3 threads.
  // K-quants: 768 columns = 3 super-blocks.
  const size_t cols = type_traits(type)->block_elems == 256 ? 768 : 96, rows = 515, n_tok = 7;
  const Weights w = make_weights(type, rows, cols);
  const std::vector<float> x = inputs(cols * n_tok);

  // Expected: the active table's kernel, one token at a time.
  const kernels::TypeKernels& tk = kernels::active().of(type);
  std::vector<float> want(rows * n_tok);
  std::vector<uint8_t> act(kernels::act_row_bytes(tk.act, cols));
  for (size_t t = 0; t < n_tok; ++t) {
    const void* a = x.data() + t * cols;
    if (tk.act == kernels::ActFormat::kQ8) {
      kernels::active().quantize_q8(x.data() + t * cols, act.data(), cols);
      a = act.data();
    }
    for (size_t r = 0; r < rows; ++r) want[t * rows + r] = tk.vec_dot(w.view.row(r), a, cols);
  }

  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    std::vector<float> all(rows * n_tok);
    kernels::matmul(w.view, x.data(), n_tok, all.data(), pool);
    EXPECT_EQ(std::memcmp(all.data(), want.data(), all.size() * 4), 0) << threads << " threads";
    // Tokens in chunks of 1, 2 and 4 (the last chunk shorter).
    for (size_t chunk : {1, 2, 4}) {
      std::vector<float> split(rows * n_tok);
      for (size_t t0 = 0; t0 < n_tok; t0 += chunk) {
        const size_t n = std::min(chunk, n_tok - t0);
        kernels::matmul(w.view, x.data() + t0 * cols, n, split.data() + t0 * rows, pool);
      }
      EXPECT_EQ(std::memcmp(split.data(), want.data(), split.size() * 4), 0)
          << threads << " threads, chunks of " << chunk;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, Matmul,
                         ::testing::Values(TensorType::kF32, TensorType::kF16, TensorType::kBF16,
                                           TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_1,
                                           TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ2_K,
                                           TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K,
                                           TensorType::kQ6_K),
                         [](const auto& p) { return std::string(type_name(p.param)); });

// Matrix level, against an independent computation: dequantize the weights, quantize-dequantize
// the activations (the Q8 row as the kernel sees it), and take double-precision dots. The kernel's
// only error is float rounding of the per-block terms and their sum: within
// gamma_{nb/8 + 8} * (2 sum_i |w_i x_i| + 3 max|w| sum_i |x_i|) of the double dot. Loose check
// against F32 activations as well: the 8-bit activations move each output by at most about sum
// |w_i| * dx_i / 2.
TEST_P(Matmul, MatchesDequantizedProduct) {
  const TensorType type = GetParam();
  const size_t cols = 512, rows = 37, n_tok = 3;  // 2 super-blocks, 16 blocks of 32
  const Weights w = make_weights(type, rows, cols);
  const std::vector<float> x = inputs(cols * n_tok);
  ThreadPool pool(2);
  std::vector<float> y(rows * n_tok);
  kernels::matmul(w.view, x.data(), n_tok, y.data(), pool);
  const kernels::TypeKernels& tk = kernels::active().of(type);
  std::vector<float> wd(cols);
  std::vector<uint8_t> act(kernels::act_row_bytes(kernels::ActFormat::kQ8, cols));
  for (size_t t = 0; t < n_tok; ++t) {
    const float* xt = x.data() + t * cols;
    std::vector<double> xs(xt, xt + cols);
    std::vector<double> half_step(cols, 0.0);
    if (tk.act == kernels::ActFormat::kQ8) {
      kernels::reference().quantize_q8(xt, act.data(), cols);
      for (size_t i = 0; i < cols; ++i) {
        float d;
        std::memcpy(&d, act.data() + cols + 4 * (i / 32), 4);
        xs[i] = static_cast<double>(static_cast<int8_t>(act[i])) * d;
        half_step[i] = 0.5 * d;
      }
    }
    for (size_t r = 0; r < rows; ++r) {
      ASSERT_TRUE(dequantize_row(type, w.view.row(r), wd.data(), cols).is_ok());
      double exact = 0, mag = 0, f32 = 0, act_err = 0;
      for (size_t i = 0; i < cols; ++i) {
        exact += static_cast<double>(wd[i]) * xs[i];
        mag += std::fabs(static_cast<double>(wd[i]) * xs[i]);
        f32 += static_cast<double>(wd[i]) * xt[i];
        act_err += std::fabs(static_cast<double>(wd[i])) * half_step[i];
      }
      // The kernel's terms (A * d - M * dmin per block) can cancel: their rounding is bounded by
      // |a q| + |b| <= 3 max|w| per element (the fits keep the min within the block's range).
      double wmax = 0, xabs = 0;
      for (size_t i = 0; i < cols; ++i) {
        wmax = std::max(wmax, std::fabs(static_cast<double>(wd[i])));
        xabs += std::fabs(xs[i]);
      }
      const double k = static_cast<double>(cols) / 32 / 8 + 8;
      const double u = std::ldexp(1.0, -24);
      const double tol = k * u / (1 - k * u) * (2 * mag + 3 * wmax * xabs) + 1e-30;
      const float got = y[t * rows + r];
      EXPECT_NEAR(got, exact, tol) << type_name(type) << " token " << t << " row " << r;
      EXPECT_NEAR(got, f32, act_err * 1.01 + tol)
          << type_name(type) << " token " << t << " row " << r;
    }
  }
}

}  // namespace
}  // namespace slim

namespace slim {
namespace {

// matmul_group (q/k/v or gate/up sharing one input in one pool pass) gives each matrix exactly
// what matmul of that matrix alone gives, for mixed types (Q8 and float activations) and any
// thread count, with one token and several.
TEST(MatmulGroup, BitIdenticalToSeparateProducts) {
  const size_t cols = 512;
  const std::vector<TensorType> types = {TensorType::kQ8_0, TensorType::kF16, TensorType::kQ4_K,
                                         TensorType::kQ6_K};
  const std::vector<size_t> rows = {67, 130, 3, 256};
  std::vector<Weights> ws;
  for (size_t i = 0; i < types.size(); ++i) ws.push_back(make_weights(types[i], rows[i], cols));
  for (size_t n_tok : {1u, 5u}) {
    const std::vector<float> x = inputs(cols * n_tok);
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      std::vector<std::vector<float>> alone(ws.size()), grouped(ws.size());
      std::vector<const kernels::MatrixView*> views;
      std::vector<float*> outs;
      for (size_t i = 0; i < ws.size(); ++i) {
        alone[i].resize(rows[i] * n_tok);
        grouped[i].assign(rows[i] * n_tok, -1.0f);
        kernels::matmul(ws[i].view, x.data(), n_tok, alone[i].data(), pool);
        views.push_back(&ws[i].view);
        outs.push_back(grouped[i].data());
      }
      kernels::matmul_group(views.data(), outs.data(), views.size(), x.data(), n_tok, pool);
      for (size_t i = 0; i < ws.size(); ++i) {
        EXPECT_EQ(std::memcmp(alone[i].data(), grouped[i].data(), alone[i].size() * 4), 0)
            << type_name(types[i]) << ", " << n_tok << " tokens, " << threads << " threads";
      }
    }
  }
}

}  // namespace
}  // namespace slim
