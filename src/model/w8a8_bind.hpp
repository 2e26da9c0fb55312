// Load-time binding of SlimLLM's W8A8 weights (docs/formats.md, ADR 0004): the matrix's static
// activation scale comes from the 1-element F32 tensor `<name>.act_scale`, and every row's
// weight scale is checked, so a hostile file fails at load with a message, never computes.
#pragma once

#include <string>

#include "kernels/matmul.hpp"
#include "model/tensor_ref.hpp"
#include "slim/status.hpp"

namespace slim {

// Name of the activation-scale tensor of W8A8 weight `name`.
std::string w8a8_act_scale_name(std::string_view name);

// For a W8A8 matrix `m` (already shape-checked, m->data holding m->rows rows of m->row_bytes):
// checks its width (<= kernels::kW8A8MaxCols), that every row scale is finite and >= 0, and sets
// m->act_scale from `<name>.act_scale` (F32, 1 element, finite and > 0). Other types: no-op.
Status bind_w8a8(const TensorLookup& lookup, kernels::MatrixView* m);

}  // namespace slim
