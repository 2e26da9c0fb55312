// The memory probe's reference: a plain sum of 64-bit words (kernels.hpp, read_sum).
#include <cstring>

#include "kernels/ref/ref.hpp"

namespace slim::kernels::ref {

uint64_t read_sum(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, b + i, 32);
    s0 += w[0];
    s1 += w[1];
    s2 += w[2];
    s3 += w[3];
  }
  return (s0 + s1) + (s2 + s3);
}

}  // namespace slim::kernels::ref
