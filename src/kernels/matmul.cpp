#include "kernels/matmul.hpp"

#include <vector>

#include "kernels/kernels.hpp"

namespace slim::kernels {

namespace {
constexpr size_t kMinParallelWork = 32 * 1024;  // multiply-adds
}  // namespace

void matmul(const MatrixView& w, const float* x, size_t n_tok, float* y, ThreadPool& pool) {
  const KernelTable& K = active();
  const TypeKernels& tk = K.of(w.type);
  const VecDotFn dot = tk.vec_dot;
  const size_t rows = static_cast<size_t>(w.rows);
  const size_t cols = static_cast<size_t>(w.cols);
  // Prepare every token's activation row once, before the rows are split across threads: the
  // prepared bytes depend only on x, so each output is the same for any split.
  const auto* act = reinterpret_cast<const uint8_t*>(x);
  size_t act_stride = cols * sizeof(float);
  if (tk.act == ActFormat::kQ8) {
    thread_local std::vector<uint8_t> scratch;  // grows to the largest product seen
    act_stride = act_row_bytes(ActFormat::kQ8, cols);
    if (scratch.size() < n_tok * act_stride) scratch.resize(n_tok * act_stride);
    for (size_t t = 0; t < n_tok; ++t) K.quantize_q8(x + t * cols, &scratch[t * act_stride], cols);
    act = scratch.data();
  }
  // Several tokens: the multi-token kernel (when the table has one for the type) unpacks each
  // weight block once for up to kMaxMultiTok tokens; it is bit-identical to `dot` per token, so
  // the grouping of tokens never changes a result.
  const VecDotMultiFn multi = n_tok > 1 ? tk.vec_dot_multi : nullptr;
  auto job = [&](int index, int count) {
    size_t begin = 0, end = 0;
    split_range(rows, index, count, &begin, &end);
    if (multi != nullptr) {
      float out[kMaxMultiTok];
      for (size_t r = begin; r < end; ++r) {
        const uint8_t* row = w.row(r);
        for (size_t t0 = 0; t0 < n_tok; t0 += kMaxMultiTok) {
          const size_t m = n_tok - t0 < kMaxMultiTok ? n_tok - t0 : kMaxMultiTok;
          multi(row, act + t0 * act_stride, act_stride, m, cols, out);
          for (size_t t = 0; t < m; ++t) y[(t0 + t) * rows + r] = out[t];
        }
      }
      return;
    }
    for (size_t r = begin; r < end; ++r) {
      const uint8_t* row = w.row(r);
      for (size_t t = 0; t < n_tok; ++t) y[t * rows + r] = dot(row, act + t * act_stride, cols);
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
