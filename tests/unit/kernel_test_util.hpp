// Helpers shared by the kernel tests: a small deterministic generator and a byte buffer at a
// chosen offset from a 64-byte boundary (misaligned on purpose).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace slim::test {

// Linear congruential step (deterministic across platforms).
inline uint32_t lcg_next(uint32_t* s) {
  *s = *s * 1664525u + 1013904223u;
  return *s;
}

// Uniform in [-1, 1] with 4 decimal digits.
inline float lcg_uniform(uint32_t* s) {
  return static_cast<float>(static_cast<int32_t>(lcg_next(s) >> 8) % 20001) / 10000.0f - 1.0f;
}

// A byte buffer whose data() starts `offset` bytes past a 64-byte boundary, with `fill` bytes
// around what the test writes (0xff is nan in every float format: a read past a row shows).
struct OffsetBuffer {
  OffsetBuffer(size_t bytes, size_t offset, uint8_t fill = 0)
      : raw(bytes + 64 + offset + 64, fill) {
    const auto addr = reinterpret_cast<uintptr_t>(raw.data());
    start = static_cast<size_t>((64 - addr % 64) % 64) + offset;
  }
  uint8_t* data() { return raw.data() + start; }
  std::vector<uint8_t> raw;
  size_t start = 0;
};

}  // namespace slim::test
