// AVX-512 element-wise ops (compiled with the AVX-512 flags; see x86.hpp). Tails use masked
// loads and stores, never reading or writing past n.
//   add: the reference's per-element operation, bit-identical.
//   rmsnorm: sum of squares in 16 lanes with FMA, halves added, 8-lane tree; then the
//            reference's scale and per-element (x * scale) * w.
//   softmax, swiglu: exp from exp16 below (the polynomial of the AVX2 version); softmax sums in
//            16 lanes (masked tail adds nothing), halves added, 8-lane tree.
//   layernorm: mean and sum of squared deviations each in 16 lanes (FMA for the squares; masked
//            tail), halves added, 8-lane tree; then the reference's per-element
//            ((x - mean) * scale) * w + b.
//   gelu: the reference's x / (1 + exp(-2c (x + 0.044715 x^3))) with exp16 (inner terms as the
//            reference: separate mul and add, no FMA).
//   relu: max(x, +0) = the reference's x > 0 ? x : +0 bit for bit.
//   attention: each score is a dot over hd in 16 lanes with FMA (hd % 16 tail masked), halves
//            added and lanes summed by an add tree, times scale; softmax as above; the
//            weighted sum of values is the reference's (out[i] = 0, then += scores[j] * v_j[i],
//            mul then add, j in order), bit-identical given the same scores.
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

namespace {

float hsum16(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__mmask16 tail_mask(size_t count) {
  return static_cast<__mmask16>((1u << count) - 1u);
}

__m512 pow2i(__m512i k) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
}

// e^x: as exp8 in ops_avx2.cpp (Cephes polynomial, 2^n split in two factors).
__m512 exp16(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(88.8f), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512i ni = _mm512_cvtps_epi32(n);
  const __m512i n1 = _mm512_srai_epi32(ni, 1);
  const __m512i n2 = _mm512_sub_epi32(ni, n1);
  return _mm512_mul_ps(_mm512_mul_ps(p, pow2i(n1)), pow2i(n2));
}

// 16 lanes of partial sums of q . kj over hd (the last hd % 16 elements masked).
__m512 dot_lanes(const float* q, const float* kj, size_t hd, __mmask16 tail) {
  __m512 acc = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= hd; i += 16)
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_loadu_ps(kj + i), acc);
  if (i < hd) {
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, q + i), _mm512_maskz_loadu_ps(tail, kj + i),
                          acc);
  }
  return acc;
}

// [sum(d0), ..., sum(d7)] of 16-lane vectors.
__m256 transpose_sum8(const __m512* d) {
  __m256 h[8];
  for (int t = 0; t < 8; ++t)
    h[t] = _mm256_add_ps(_mm512_castps512_ps256(d[t]), _mm512_extractf32x8_ps(d[t], 1));
  const __m256 t0 = _mm256_hadd_ps(_mm256_hadd_ps(h[0], h[1]), _mm256_hadd_ps(h[2], h[3]));
  const __m256 t1 = _mm256_hadd_ps(_mm256_hadd_ps(h[4], h[5]), _mm256_hadd_ps(h[6], h[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(t0, t1, 0x20), _mm256_permute2f128_ps(t0, t1, 0x31));
}

// out[0 .. 16 * NV) (the last vector masked by `last`) = sum_j scores[j] * v_j, j in order.
template <int NV>
void weighted_sum(const float* scores, const float* v, size_t stride, size_t n_keys, float* out,
                  __mmask16 last) {
  __m512 acc[NV];
  for (int m = 0; m < NV; ++m) acc[m] = _mm512_setzero_ps();
  for (size_t j = 0; j < n_keys; ++j) {
    const __m512 a = _mm512_set1_ps(scores[j]);
    const float* vj = v + j * stride;
    for (int m = 0; m + 1 < NV; ++m) {
      acc[m] = _mm512_add_ps(acc[m], _mm512_mul_ps(a, _mm512_loadu_ps(vj + 16 * m)));
    }
    acc[NV - 1] = _mm512_add_ps(acc[NV - 1],
                                _mm512_mul_ps(a, _mm512_maskz_loadu_ps(last, vj + 16 * (NV - 1))));
  }
  for (int m = 0; m + 1 < NV; ++m) _mm512_storeu_ps(out + 16 * m, acc[m]);
  _mm512_mask_storeu_ps(out + 16 * (NV - 1), last, acc[NV - 1]);
}

}  // namespace

void add(float* y, const float* x, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), _mm512_loadu_ps(x + i)));
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(
        y + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + i), _mm512_maskz_loadu_ps(m, x + i)));
  }
}

void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps) {
  __m512 acc = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    acc = _mm512_fmadd_ps(v, v, acc);
  }
  if (i < n) {
    const __m512 v = _mm512_maskz_loadu_ps(tail_mask(n - i), x + i);
    acc = _mm512_fmadd_ps(v, v, acc);
  }
  const float ss = hsum16(acc);
  const float mean = ss / static_cast<float>(n) + eps;
  const float scale = 1.0f / _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(mean)));
  const __m512 vs = _mm512_set1_ps(scale);
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(x + i), vs);
    _mm512_storeu_ps(y + i, _mm512_mul_ps(v, _mm512_loadu_ps(w + i)));
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, w + i)));
  }
}

void softmax(float* x, size_t n) {
  if (n == 0) return;
  const __m512 neg_inf = _mm512_set1_ps(-__builtin_inff());
  __m512 m = neg_inf;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) m = _mm512_max_ps(_mm512_loadu_ps(x + i), m);
  if (i < n) m = _mm512_max_ps(_mm512_mask_loadu_ps(neg_inf, tail_mask(n - i), x + i), m);
  const __m512 vmx = _mm512_set1_ps(_mm512_reduce_max_ps(m));
  __m512 acc = _mm512_setzero_ps();
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmx));
    _mm512_storeu_ps(x + i, e);
    acc = _mm512_add_ps(acc, e);
  }
  if (i < n) {
    const __mmask16 mk = tail_mask(n - i);
    const __m512 e = exp16(_mm512_sub_ps(_mm512_mask_loadu_ps(neg_inf, mk, x + i), vmx));
    _mm512_mask_storeu_ps(x + i, mk, e);
    acc = _mm512_add_ps(acc, e);  // masked-off lanes hold exp(-inf) = 0
  }
  const __m512 vinv = _mm512_set1_ps(1.0f / hsum16(acc));
  for (i = 0; i + 16 <= n; i += 16)
    _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), vinv));
  if (i < n) {
    const __mmask16 mk = tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, mk, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, x + i), vinv));
  }
}

void swiglu(float* gate, const float* up, size_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  size_t i = 0;
  auto silu_mul = [&](__m512 g, __m512 u) {
    const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), g));
    return _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), u);
  };
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(gate + i, silu_mul(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(
        gate + i, m,
        silu_mul(_mm512_maskz_loadu_ps(m, gate + i), _mm512_maskz_loadu_ps(m, up + i)));
  }
}

void layernorm(float* y, const float* x, const float* w, const float* b, size_t n, float eps) {
  __m512 acc = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(x + i));
  const __mmask16 tail = tail_mask(n - i);
  if (i < n) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(tail, x + i));
  const float mean = hsum16(acc) / static_cast<float>(n);
  const __m512 vmean = _mm512_set1_ps(mean);
  acc = _mm512_setzero_ps();
  for (i = 0; i + 16 <= n; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), vmean);
    acc = _mm512_fmadd_ps(d, d, acc);
  }
  if (i < n) {
    const __m512 d = _mm512_maskz_sub_ps(tail, _mm512_maskz_loadu_ps(tail, x + i), vmean);
    acc = _mm512_fmadd_ps(d, d, acc);
  }
  const float var = hsum16(acc) / static_cast<float>(n) + eps;
  const float scale = 1.0f / _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(var)));
  const __m512 vs = _mm512_set1_ps(scale);
  auto row = [&](__m512 xv, __m512 wv, __m512 bv) {
    return _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(xv, vmean), vs), wv), bv);
  };
  for (i = 0; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(y + i,
                     row(_mm512_loadu_ps(x + i), _mm512_loadu_ps(w + i), _mm512_loadu_ps(b + i)));
  }
  if (i < n) {
    _mm512_mask_storeu_ps(
        y + i, tail,
        row(_mm512_maskz_loadu_ps(tail, x + i), _mm512_maskz_loadu_ps(tail, w + i),
            _mm512_maskz_loadu_ps(tail, b + i)));
  }
}

namespace {
__m512 gelu16(__m512 v) {
  const __m512 v3 = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
  const __m512 inner = _mm512_add_ps(v, _mm512_mul_ps(_mm512_set1_ps(0.044715f), v3));
  const __m512 e = exp16(_mm512_mul_ps(_mm512_set1_ps(-1.5957691216057308f), inner));
  return _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}
}  // namespace

void gelu(float* x, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, gelu16(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, m, gelu16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void relu(float* x, size_t n) {
  const __m512 zero = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_max_ps(_mm512_loadu_ps(x + i), zero));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, m, _mm512_max_ps(_mm512_maskz_loadu_ps(m, x + i), zero));
  }
}

void attention(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
               size_t hd, float scale, float* scores, float* out) {
  const __mmask16 tail = tail_mask(hd % 16);
  const __m256 vscale = _mm256_set1_ps(scale);
  size_t j = 0;
  for (; j + 8 <= n_keys; j += 8) {
    __m512 d[8];
    for (size_t t = 0; t < 8; ++t) d[t] = dot_lanes(q, k + (j + t) * stride, hd, tail);
    _mm256_storeu_ps(scores + j, _mm256_mul_ps(transpose_sum8(d), vscale));
  }
  for (; j < n_keys; ++j) scores[j] = hsum16(dot_lanes(q, k + j * stride, hd, tail)) * scale;
  softmax(scores, n_keys);
  // Chunks of up to 64 values per pass over the keys (4 accumulators).
  for (size_t c = 0; c < hd; c += 64) {
    const size_t len = hd - c < 64 ? hd - c : 64;
    const __mmask16 last = tail_mask(len - 16 * ((len - 1) / 16));
    switch ((len + 15) / 16) {
      case 1:
        weighted_sum<1>(scores, v + c, stride, n_keys, out + c, last);
        break;
      case 2:
        weighted_sum<2>(scores, v + c, stride, n_keys, out + c, last);
        break;
      case 3:
        weighted_sum<3>(scores, v + c, stride, n_keys, out + c, last);
        break;
      default:
        weighted_sum<4>(scores, v + c, stride, n_keys, out + c, last);
        break;
    }
  }
}

}  // namespace slim::kernels::avx512
