// Importance-weighted quantization: ggml's quantize_row_*_impl with quant_weights (the
// llama-quantize --imatrix path), bit-exact with ggml.
//
// For a row x of n elements and per-column importances qw (the imatrix: mean x^2 of the
// matrix's input, one value per column):
//   sigma2 = sum(x^2) / n over the whole row;  w_j = qw_j * sqrt(sigma2 + x_j^2)
//   Q4_0 / Q5_0: per 32 elements make_qx_quants(nmax 8 / 16) with weights w: weighted least
//                squares for the scale over 19 trial inverse scales (symmetric levels);
//   Q4_1 / Q5_1: per 32 elements make_qkx3_quants(nmax 15 / 31, rmin -0.9, rdelta 0.05,
//                37 steps): weighted least squares for scale and min (asymmetric levels).
//   K-quants (per super-block of 256; sigma2 = mean x^2 there, x2 for Q3_K..Q5_K):
//   Q2_K: make_qkx3_quants per 16 (nmax 3), then 4-bit scales and mins by make_qp_quants
//         weighted by each sub-block's total weight;
//   Q3_K: make_qx_quants per 16 (nmax 4), then 6-bit scales by make_qx_quants (nmax 32)
//         weighted by the sub-block totals;
//   Q4_K / Q5_K: make_qkx3_quants per 32 (nmax 15 / 31), 6-bit scales and mins by
//         make_qp_quants weighted by the sub-block totals;
//   Q6_K: make_qx_quants per 16 (nmax 32) with the raw importances as weights.
// Q8_0 and the float types ignore the weights, as ggml does.
#pragma once

#include <cstddef>

#include "quant/types.hpp"
#include "slim/status.hpp"

namespace slim {

// True when quantize_row_weighted uses the weights for this type.
bool has_weighted_quantizer(TensorType type);

// quantize_row with importance weights qw[n] (nullptr: exactly quantize_row). Fails like
// quantize_row, and on a non-finite or negative weight.
Status quantize_row_weighted(TensorType type, const float* src, void* dst, size_t n,
                             const float* qw);

}  // namespace slim
