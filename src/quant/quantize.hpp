// Scalar quantize / dequantize of rows in GGUF's exact block layouts.
#pragma once

#include <cstddef>

#include "quant/types.hpp"
#include "slim/status.hpp"

namespace slim {

// True for the types this build can produce with quantize_row.
bool can_quantize(TensorType type);
// True for the types this build can expand with dequantize_row.
bool can_dequantize(TensorType type);

// Encodes n floats into dst, which holds row_bytes(type, n) bytes.
// Fails (invalid_argument) if n is not a multiple of the block size or the type is unsupported.
Status quantize_row(TensorType type, const float* src, void* dst, size_t n);
// Decodes a row of n elements.
Status dequantize_row(TensorType type, const void* src, float* dst, size_t n);

}  // namespace slim
