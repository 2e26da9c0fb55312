// Counter-based random numbers for sampling (Philox4x32-10, Salmon et al., "Parallel Random
// Numbers: As Easy as 1, 2, 3", SC'11; constants and round function as in Random123's philox.h).
//
// There is no hidden state: the value for draw k of a request is a pure function of
// (seed, k), so a given seed + prompt + parameters yields the same tokens on every machine,
// compiler and thread count. All functions are thread-safe (they only read their arguments).
#pragma once

#include <array>
#include <cstdint>

namespace slim {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// One Philox4x32 block with 10 rounds: a bijection of the 128-bit counter keyed by 64 bits.
PhiloxCounter philox4x32_10(PhiloxCounter counter, PhiloxKey key);

// Maps 32 random bits to a float in [0, 1) from the top 24 bits: (bits >> 8) * 2^-24.
// Every result is exactly representable; the largest is 1 - 2^-24.
inline float uniform_from_bits(uint32_t bits) {
  return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}

// The sampling generator: key = seed (low word first), counter = (draw low, draw high,
// stream, 0). uniform(k) uses word 0 of the block for counter k.
class CounterRng {
 public:
  explicit CounterRng(uint64_t seed, uint32_t stream = 0) : seed_(seed), stream_(stream) {}

  uint64_t seed() const { return seed_; }
  uint32_t stream() const { return stream_; }

  // The full 128-bit block for draw `draw`.
  PhiloxCounter block(uint64_t draw) const;
  // Uniform float in [0, 1) for draw `draw`.
  float uniform(uint64_t draw) const { return uniform_from_bits(block(draw)[0]); }

 private:
  uint64_t seed_;
  uint32_t stream_;
};

}  // namespace slim
