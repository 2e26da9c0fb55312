#include "kernels/matmul.hpp"

#include "kernels/kernels.hpp"

namespace slim::kernels {

namespace {
constexpr size_t kMinParallelWork = 32 * 1024;  // multiply-adds
}  // namespace

void matmul(const MatrixView& w, const float* x, size_t n_tok, float* y, ThreadPool& pool) {
  const VecDotFn dot = vec_dot_for(w.type);
  const size_t rows = static_cast<size_t>(w.rows);
  const size_t cols = static_cast<size_t>(w.cols);
  auto job = [&](int index, int count) {
    size_t begin = 0, end = 0;
    split_range(rows, index, count, &begin, &end);
    for (size_t r = begin; r < end; ++r) {
      const uint8_t* row = w.row(r);
      for (size_t t = 0; t < n_tok; ++t) y[t * rows + r] = dot(row, x + t * cols, cols);
    }
  };
  // Waking threads costs more than tiny products; the split never changes the results.
  if (rows * cols * n_tok < kMinParallelWork) {
    ThreadPool::run_inline(job);
  } else {
    pool.run(job);
  }
}

void get_row(const MatrixView& w, uint64_t r, float* out) {
  dequantize_for(w.type)(w.row(r), out, static_cast<size_t>(w.cols));
}

}  // namespace slim::kernels
