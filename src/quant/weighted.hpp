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
// Q8_0 and the float types ignore the weights, as ggml does. The K-quants are not weighted in
// this build (they use their reference quantizers; weighted_quantizer_for() says so).
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
