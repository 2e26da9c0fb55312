// AVX2 memory probe (kernels.hpp, read_sum): four 256-bit accumulators, prefetch 4 KiB ahead.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx2 {

uint64_t read_sum(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  constexpr size_t kAhead = 4096;
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 128 <= n; i += 128) {
    if (i + kAhead < n) {
      _mm_prefetch(reinterpret_cast<const char*>(b + i + kAhead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(b + i + kAhead + 64), _MM_HINT_T0);
    }
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i + 96)));
  }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) uint64_t l[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(l), s);
  return (l[0] + l[1]) + (l[2] + l[3]);
}

}  // namespace slim::kernels::avx2
