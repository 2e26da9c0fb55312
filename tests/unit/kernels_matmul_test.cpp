// kernels::matmul: every output equals the active table's vec_dot of the row with the token's
// prepared activation (Q8-quantized for Q8_0 / Q4_0), and the result is bit-identical for any
// thread count and any split of the tokens into calls (determinism, ADR 0003).
#include <gtest/gtest.h>

#include <algorithm>
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
  w.view = {type, cols, rows, rb, w.bytes.data()};
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
  const size_t cols = 96, rows = 515, n_tok = 7;
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
                                           TensorType::kQ8_0, TensorType::kQ4_0),
                         [](const auto& p) { return std::string(type_name(p.param)); });

}  // namespace
}  // namespace slim
