#include "hf/transform.hpp"

#include <cstring>

namespace slim::hf {

Status transform_tensor(const TensorPlan& plan, size_t elem_bytes, const uint8_t* src, uint8_t* dst,
                        size_t n_bytes) {
  uint64_t n = 1;
  for (uint64_t d : plan.gguf_dims) n *= d;
  if (elem_bytes == 0 || n * elem_bytes != n_bytes) {
    return internal_error("tensor '" + plan.source_name + "': size does not match its plan");
  }
  const uint64_t cols = plan.gguf_dims.empty() ? 1 : plan.gguf_dims[0];
  const uint64_t rows = n / cols;
  switch (plan.transform) {
    case Transform::kNone:
      std::memcpy(dst, src, n_bytes);
      return Status::ok();
    case Transform::kTranspose: {
      // Source [cols][rows] (Conv1D [in, out]) -> GGUF rows of `cols`: dst[r][c] = src[c][r].
      if (plan.gguf_dims.size() != 2) return internal_error("transpose needs a 2-D tensor");
      for (uint64_t r = 0; r < rows; ++r) {
        for (uint64_t c = 0; c < cols; ++c) {
          std::memcpy(dst + (r * cols + c) * elem_bytes, src + (c * rows + r) * elem_bytes,
                      elem_bytes);
        }
      }
      return Status::ok();
    }
    case Transform::kPermuteQK: {
      // Weights: rows of `cols` elements; biases (1-D): rows of one element.
      const uint64_t row_elems = plan.gguf_dims.size() == 1 ? 1 : cols;
      const uint64_t n_rows = n / row_elems;
      if (plan.heads <= 0 || n_rows % static_cast<uint64_t>(plan.heads) != 0 ||
          (n_rows / static_cast<uint64_t>(plan.heads)) % 2 != 0) {
        return corrupt("tensor '" + plan.source_name + "': " + std::to_string(n_rows) +
                       " rows do not split into " + std::to_string(plan.heads) +
                       " heads of an even size");
      }
      const uint64_t per_head = n_rows / static_cast<uint64_t>(plan.heads);
      const size_t row_bytes = row_elems * elem_bytes;
      for (uint64_t r = 0; r < n_rows; ++r) {
        std::memcpy(dst + r * row_bytes, src + permute_qk_row(r, per_head) * row_bytes, row_bytes);
      }
      return Status::ok();
    }
  }
  return internal_error("unknown transform");
}

}  // namespace slim::hf
