// AVX2 + FMA element-wise ops (compiled with -mavx2 -mfma -mf16c; see x86.hpp).
//   add: the reference's per-element operation, bit-identical.
//   rmsnorm: sum of squares in 8 lanes with FMA (tail zero-padded), 8-lane tree; then the
//            reference's scale and per-element (x * scale) * w.
//   softmax, swiglu: exp from exp8 below (within 2 ulp of the correctly rounded value on its
//            range); softmax sums in 8 lanes (tail padded with exp(-inf) = 0), 8-lane tree.
//   layernorm: mean and sum of squared deviations each in 8 lanes (FMA for the squares; tail
//            zero-padded, deviations of the padding masked to 0), 8-lane tree; then the
//            reference's per-element ((x - mean) * scale) * w + b.
//   gelu: the reference's x / (1 + exp(-2c (x + 0.044715 x^3))) with exp8 (inner terms as the
//            reference: separate mul and add, no FMA).
//   relu: max(x, +0) = the reference's x > 0 ? x : +0 bit for bit (maxps returns the second
//            operand for nan and for x = -0).
//   attention: each score is a dot over hd in 8 lanes with FMA (hd % 8 tail masked), lanes
//            summed by an add tree, times scale; softmax as above; the weighted sum of values
//            is the reference's (out[i] = 0, then += scores[j] * v_j[i], mul then add, j in
//            order), bit-identical given the same scores.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/x86/x86.hpp"

namespace slim::kernels::avx2 {

namespace {

float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

float hmax8(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 2^k for integer lanes k in [-126, 127].
__m256 pow2i(__m256i k) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

// e^x (Cephes expf): n = round(x / ln2), r = x - n ln2 in two steps, e^r by a degree-7 polynomial,
// times 2^n applied as 2^(n/2) * 2^(n - n/2) so that results down to the subnormal range and up
// to overflow come out right. x >= 88.8 gives inf, x <= -104 gives 0, nan stays nan.
__m256 exp8(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-104.0f), _mm256_min_ps(_mm256_set1_ps(88.8f), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  const __m256i n2 = _mm256_sub_epi32(ni, n1);
  return _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(n2));
}

// Copies of the last n % 8 elements, padded with `pad`.
struct Tail {
  alignas(32) float v[8];
  Tail(const float* src, size_t count, float pad) {
    for (float& f : v) f = pad;
    std::memcpy(v, src, count * sizeof(float));
  }
};

// Mask for the first `count` (0..8) lanes of an 8-float load.
__m256i lane_mask(size_t count) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), iota);
}

// 8 lanes of partial sums of q . kj over hd (the last hd % 8 elements masked).
__m256 dot_lanes(const float* q, const float* kj, size_t hd, __m256i tail) {
  __m256 acc = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= hd; i += 8)
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(kj + i), acc);
  if (i < hd) {
    acc = _mm256_fmadd_ps(_mm256_maskload_ps(q + i, tail), _mm256_maskload_ps(kj + i, tail), acc);
  }
  return acc;
}

// [sum(d0), ..., sum(d7)].
__m256 transpose_sum8(const __m256* d) {
  const __m256 t0 = _mm256_hadd_ps(_mm256_hadd_ps(d[0], d[1]), _mm256_hadd_ps(d[2], d[3]));
  const __m256 t1 = _mm256_hadd_ps(_mm256_hadd_ps(d[4], d[5]), _mm256_hadd_ps(d[6], d[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(t0, t1, 0x20), _mm256_permute2f128_ps(t0, t1, 0x31));
}

// out[c .. c + 8 * NV) (the last vector masked by `last`) = sum_j scores[j] * v_j, j in order.
template <int NV>
void weighted_sum(const float* scores, const float* v, size_t stride, size_t n_keys, float* out,
                  __m256i last) {
  __m256 acc[NV];
  for (int m = 0; m < NV; ++m) acc[m] = _mm256_setzero_ps();
  for (size_t j = 0; j < n_keys; ++j) {
    const __m256 a = _mm256_broadcast_ss(scores + j);
    const float* vj = v + j * stride;
    for (int m = 0; m + 1 < NV; ++m) {
      acc[m] = _mm256_add_ps(acc[m], _mm256_mul_ps(a, _mm256_loadu_ps(vj + 8 * m)));
    }
    acc[NV - 1] =
        _mm256_add_ps(acc[NV - 1], _mm256_mul_ps(a, _mm256_maskload_ps(vj + 8 * (NV - 1), last)));
  }
  for (int m = 0; m + 1 < NV; ++m) _mm256_storeu_ps(out + 8 * m, acc[m]);
  _mm256_maskstore_ps(out + 8 * (NV - 1), last, acc[NV - 1]);
}

}  // namespace

void add(float* y, const float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
  }
  for (; i < n; ++i) y[i] += x[i];
}

void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps) {
  __m256 acc = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    acc = _mm256_fmadd_ps(v, v, acc);
  }
  if (i < n) {
    const Tail t(x + i, n - i, 0.0f);
    const __m256 v = _mm256_load_ps(t.v);
    acc = _mm256_fmadd_ps(v, v, acc);
  }
  const float ss = hsum8(acc);
  const float mean = ss / static_cast<float>(n) + eps;
  const float scale = 1.0f / _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(mean)));
  const __m256 vs = _mm256_set1_ps(scale);
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(v, _mm256_loadu_ps(w + i)));
  }
  for (; i < n; ++i) y[i] = x[i] * scale * w[i];
}

void softmax(float* x, size_t n) {
  if (n == 0) return;
  const float neg_inf = -__builtin_inff();
  __m256 m = _mm256_set1_ps(neg_inf);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
  float mx = hmax8(m);
  for (; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 acc = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx));
    _mm256_storeu_ps(x + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  if (i < n) {
    const Tail t(x + i, n - i, neg_inf);
    alignas(32) float e[8];
    _mm256_store_ps(e, exp8(_mm256_sub_ps(_mm256_load_ps(t.v), vmx)));
    acc = _mm256_add_ps(acc, _mm256_load_ps(e));
    std::memcpy(x + i, e, (n - i) * sizeof(float));
  }
  const float inv = 1.0f / hsum8(acc);
  const __m256 vinv = _mm256_set1_ps(inv);
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
  for (; i < n; ++i) x[i] *= inv;
}

void swiglu(float* gate, const float* up, size_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = exp8(_mm256_xor_ps(g, sign));
    const __m256 s = _mm256_div_ps(g, _mm256_add_ps(one, e));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(s, _mm256_loadu_ps(up + i)));
  }
  if (i < n) {
    const Tail g(gate + i, n - i, 0.0f), u(up + i, n - i, 0.0f);
    const __m256 vg = _mm256_load_ps(g.v);
    const __m256 e = exp8(_mm256_xor_ps(vg, sign));
    alignas(32) float out[8];
    _mm256_store_ps(out,
                    _mm256_mul_ps(_mm256_div_ps(vg, _mm256_add_ps(one, e)), _mm256_load_ps(u.v)));
    std::memcpy(gate + i, out, (n - i) * sizeof(float));
  }
}

void layernorm(float* y, const float* x, const float* w, const float* b, size_t n, float eps) {
  __m256 acc = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
  const size_t rem = n - i;
  const __m256i tail = lane_mask(rem);
  if (rem > 0) acc = _mm256_add_ps(acc, _mm256_maskload_ps(x + i, tail));
  const float mean = hsum8(acc) / static_cast<float>(n);
  const __m256 vmean = _mm256_set1_ps(mean);
  acc = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vmean);
    acc = _mm256_fmadd_ps(d, d, acc);
  }
  if (rem > 0) {
    const __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, tail), vmean),
                                   _mm256_castsi256_ps(tail));
    acc = _mm256_fmadd_ps(d, d, acc);
  }
  const float var = hsum8(acc) / static_cast<float>(n) + eps;
  const float scale = 1.0f / _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(var)));
  const __m256 vs = _mm256_set1_ps(scale);
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmean), vs),
                                   _mm256_loadu_ps(w + i));
    _mm256_storeu_ps(y + i, _mm256_add_ps(t, _mm256_loadu_ps(b + i)));
  }
  for (; i < n; ++i) {
    const float d = x[i] - mean;
    const float t = d * scale * w[i];
    y[i] = t + b[i];
  }
}

namespace {
__m256 gelu8(__m256 v) {
  const __m256 v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
  const __m256 inner = _mm256_add_ps(v, _mm256_mul_ps(_mm256_set1_ps(0.044715f), v3));
  const __m256 e = exp8(_mm256_mul_ps(_mm256_set1_ps(-1.5957691216057308f), inner));
  return _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}
}  // namespace

void gelu(float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = lane_mask(n - i);
    _mm256_maskstore_ps(x + i, m, gelu8(_mm256_maskload_ps(x + i, m)));
  }
}

void relu(float* x, size_t n) {
  const __m256 zero = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_max_ps(_mm256_loadu_ps(x + i), zero));
  for (; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void attention(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
               size_t hd, float scale, float* scores, float* out) {
  const __m256i tail = lane_mask(hd % 8);
  const __m256 vscale = _mm256_set1_ps(scale);
  size_t j = 0;
  for (; j + 8 <= n_keys; j += 8) {
    __m256 d[8];
    for (size_t t = 0; t < 8; ++t) d[t] = dot_lanes(q, k + (j + t) * stride, hd, tail);
    _mm256_storeu_ps(scores + j, _mm256_mul_ps(transpose_sum8(d), vscale));
  }
  for (; j < n_keys; ++j) scores[j] = hsum8(dot_lanes(q, k + j * stride, hd, tail)) * scale;
  softmax(scores, n_keys);
  // Chunks of up to 32 values per pass over the keys (4 accumulators).
  for (size_t c = 0; c < hd; c += 32) {
    const size_t len = hd - c < 32 ? hd - c : 32;
    const __m256i last = lane_mask(len - 8 * ((len - 1) / 8));
    switch ((len + 7) / 8) {
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

}  // namespace slim::kernels::avx2
