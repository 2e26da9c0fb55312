// The kernel table: the only way model code reaches compute kernels.
// dispatch.cpp fills it once, at first use, from the CPU's features (or SLIM_ISA).
// Every entry has a scalar reference in kernels/ref/; ISA files only add faster versions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "quant/types.hpp"

namespace slim::kernels {

inline constexpr uint32_t kMaxTypeId = 32;

// dot(row, x) for one weight row of `n` elements stored as some TensorType
// (n is a multiple of the type's block size). Reduction order is fixed.
using VecDotFn = float (*)(const void* row, const float* x, size_t n);
// Expands one row of `n` elements to floats.
using DequantFn = void (*)(const void* row, float* y, size_t n);

struct KernelTable {
  const char* isa = "scalar";
  VecDotFn vec_dot[kMaxTypeId] = {};      // indexed by TensorType id; nullptr = unsupported
  DequantFn dequantize[kMaxTypeId] = {};  // indexed by TensorType id; nullptr = unsupported

  // y = x / rms(x) * w (y may alias x)
  void (*rmsnorm)(float* y, const float* x, const float* w, size_t n, float eps) = nullptr;
  // In-place numerically stable softmax.
  void (*softmax)(float* x, size_t n) = nullptr;
  // gate = silu(gate) * up
  void (*swiglu)(float* gate, const float* up, size_t n) = nullptr;
  // y += x
  void (*add)(float* y, const float* x, size_t n) = nullptr;
};

// The table for this process (selected once; thread-safe).
const KernelTable& active();
// The scalar reference table (ground truth for tests).
const KernelTable& reference();

inline VecDotFn vec_dot_for(TensorType t) {
  const auto id = static_cast<uint32_t>(t);
  return id < kMaxTypeId ? active().vec_dot[id] : nullptr;
}
inline DequantFn dequantize_for(TensorType t) {
  const auto id = static_cast<uint32_t>(t);
  return id < kMaxTypeId ? active().dequantize[id] : nullptr;
}

}  // namespace slim::kernels
