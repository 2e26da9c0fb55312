// Helpers shared by the kernel tests: deterministic generators, a byte buffer at a chosen offset
// from a 64-byte boundary (misaligned on purpose), and float rounding-error bounds.
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

// Deterministic, platform-independent values (splitmix64): next() 64 bits, uniform() in
// [-1, 1) with 24 random bits.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    s_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = s_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  float uniform() {
    return static_cast<float>(static_cast<double>(next() >> 40) / 8388608.0 - 1.0);
  }

 private:
  uint64_t s_;
};

// The unit roundoff of float and Higham's gamma_k = k u / (1 - k u): the bound on the relative
// error of k float roundings.
inline constexpr double kF32Unit = 1.0 / 16777216.0;  // 2^-24
inline double gamma_f32(double k) {
  return k * kF32Unit / (1.0 - k * kF32Unit);
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
  float* floats() { return reinterpret_cast<float*>(data()); }
  std::vector<uint8_t> raw;
  size_t start = 0;
};

}  // namespace slim::test
