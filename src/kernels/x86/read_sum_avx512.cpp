// AVX-512 memory probe (kernels.hpp, read_sum): four 512-bit accumulators, prefetch 4 KiB ahead.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers build some results from _mm*_undefined_*() and then warn about the
// "uninitialized" value once inlined (GCC bug 105593); nothing here reads undefined lanes.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx512 {

uint64_t read_sum(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  constexpr size_t kAhead = 4096;
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 256 <= n; i += 256) {
    if (i + kAhead < n) {
      for (size_t o = 0; o < 256; o += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(b + i + kAhead + o), _MM_HINT_T0);
      }
    }
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(b + i));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(b + i + 64));
    a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(b + i + 128));
    a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(b + i + 192));
  }
  const __m512i s = _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3));
  // Not _mm512_reduce_add_epi64: GCC's version adds as signed long long (overflow is UB).
  alignas(64) uint64_t l[8];
  _mm512_store_si512(l, s);
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

}  // namespace slim::kernels::avx512
