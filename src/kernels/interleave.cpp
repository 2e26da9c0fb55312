// Interleaving of Q8 activation rows for the tok16 kernels (layout: kernels.hpp).
#include <cstring>

#include "kernels/kernels.hpp"

namespace slim::kernels {

void interleave_q8(const uint8_t* rows, size_t stride, size_t n_tok, size_t n, uint8_t* out) {
  const size_t nb = n / kQ8ActBlock;
  if (n_tok < kTokGroup) std::memset(out, 0, tok16_bytes(n));  // absent tokens read as zero
  uint8_t* d = out + 16 * n;
  uint8_t* s = d + 64 * nb;
  for (size_t t = 0; t < n_tok && t < kTokGroup; ++t) {
    const uint8_t* row = rows + t * stride;
    for (size_t g = 0; g < n / 4; ++g) std::memcpy(out + 64 * g + 4 * t, row + 4 * g, 4);
    for (size_t b = 0; b < nb; ++b) {
      std::memcpy(d + 4 * (16 * b + t), row + n + 4 * b, 4);
      std::memcpy(s + 4 * (16 * b + t), row + n + 4 * nb + 4 * b, 4);
    }
  }
}

}  // namespace slim::kernels
