// NEON memory probe (kernels.hpp, read_sum): four 128-bit accumulators, prefetch 4 KiB ahead.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon {

uint64_t read_sum(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  constexpr size_t kAhead = 4096;
  uint64x2_t a0 = vdupq_n_u64(0), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 64 <= n; i += 64) {
    if (i + kAhead < n) __builtin_prefetch(b + i + kAhead, 0, 3);
    a0 = vaddq_u64(a0, vreinterpretq_u64_u8(vld1q_u8(b + i)));
    a1 = vaddq_u64(a1, vreinterpretq_u64_u8(vld1q_u8(b + i + 16)));
    a2 = vaddq_u64(a2, vreinterpretq_u64_u8(vld1q_u8(b + i + 32)));
    a3 = vaddq_u64(a3, vreinterpretq_u64_u8(vld1q_u8(b + i + 48)));
  }
  const uint64x2_t s = vaddq_u64(vaddq_u64(a0, a1), vaddq_u64(a2, a3));
  return vgetq_lane_u64(s, 0) + vgetq_lane_u64(s, 1);
}

}  // namespace slim::kernels::neon
