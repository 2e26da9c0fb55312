// Weight-matrix products built on the kernel table, threaded over output rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/thread_pool.hpp"
#include "quant/types.hpp"

namespace slim::kernels {

// A 2-D weight in GGUF orientation: `rows` rows (outputs) of `cols` elements (inputs),
// each row `row_bytes` bytes of `type`. The bytes are not owned.
struct MatrixView {
  TensorType type = TensorType::kF32;
  uint64_t cols = 0;
  uint64_t rows = 0;
  uint64_t row_bytes = 0;
  const uint8_t* data = nullptr;
  std::string_view name;   // the tensor's name in the model file (for calibration and messages)
  float act_scale = 0.0f;  // W8A8 only: the calibrated static activation scale s_x (> 0)

  const uint8_t* row(uint64_t r) const { return data + r * row_bytes; }
};

// Sees the input of every weight-matrix product of a forward pass (calibration: importance
// matrices, activation ranges). Called on the thread that runs the forward pass.
class MatmulObserver {
 public:
  virtual ~MatmulObserver() = default;
  // x: n_tok rows of w.cols floats, about to be multiplied by w.
  virtual void observe(const MatrixView& w, const float* x, size_t n_tok) = 0;
};

// y[t * w.rows + r] = dot(w.row(r), x + t * w.cols) for every token t < n_tok.
// Each token's activation row is first prepared in the format the weight type's kernel
// consumes (for Q8_0/Q4_0: quantized to a Q8 activation row, once per token), then rows are
// split across threads; with several tokens, each row uses the table's vec_dot_multi (when the
// type has one) for groups of up to kMaxMultiTok tokens, bit-identical to vec_dot per token.
// Each element is reduced by one thread in the kernel's fixed order, so
// the result is identical for any thread count and any split of the tokens into calls.
// Not re-entrant on one thread (the Q8 scratch is per thread).
void matmul(const MatrixView& w, const float* x, size_t n_tok, float* y, ThreadPool& pool);

// The same for several matrices that share the input x (all of x's width): y_i = W_i x for
// i < n_w, in one pass of the thread pool (one wake-up and one barrier instead of n_w) with the
// activation prepared once. Each y_i is bit-identical to matmul(*ws[i], x, n_tok, ys[i]).
void matmul_group(const MatrixView* const* ws, float* const* ys, size_t n_w, const float* x,
                  size_t n_tok, ThreadPool& pool);

// Copies row r of w (e.g. a token embedding) into out as floats.
void get_row(const MatrixView& w, uint64_t r, float* out);

}  // namespace slim::kernels
