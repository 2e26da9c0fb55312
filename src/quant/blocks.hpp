// GGUF/ggml block layouts of the formats SlimLLM quantizes itself (little-endian, packed):
//   Q8_0: 34 bytes = fp16 d, then int8 qs[32];                 x[j] = qs[j] * d
//   Q4_0: 18 bytes = fp16 d, then uint8 qs[16];                x[j]      = ((qs[j] & 15) - 8) * d
//                                                              x[j + 16] = ((qs[j] >> 4) - 8) * d
// Blocks are read byte-wise (memcpy), so rows need no particular alignment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/fp16.hpp"

namespace slim::quant {

inline constexpr size_t kQ8_0Elems = 32;
inline constexpr size_t kQ8_0Bytes = 2 + kQ8_0Elems;
inline constexpr size_t kQ4_0Elems = 32;
inline constexpr size_t kQ4_0Bytes = 2 + kQ4_0Elems / 2;

// The fp16 scale at the start of a block, as float.
inline float block_scale(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return fp16_to_f32(h);
}

inline void store_block_scale(uint8_t* block, float d) {
  const uint16_t h = f32_to_fp16(d);
  std::memcpy(block, &h, 2);
}

}  // namespace slim::quant
