// Rearranges one checkpoint tensor's bytes as its TensorPlan says (transpose / q-k permute).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hf/plan.hpp"
#include "slim/status.hpp"

namespace slim::hf {

// Writes the GGUF layout of `plan`'s tensor to dst (same element type and byte count as src:
// elements of `elem_bytes` bytes). src and dst must not overlap; neither needs alignment.
Status transform_tensor(const TensorPlan& plan, size_t elem_bytes, const uint8_t* src, uint8_t* dst,
                        size_t n_bytes);

}  // namespace slim::hf
