// NEON element-wise ops and attention (baseline aarch64; see arm.hpp).
//   add: the reference's per-element operation, bit-identical.
//   rmsnorm: sum of squares in 4 lanes with FMA (tail zero-padded), (l0 + l2) + (l1 + l3); then
//            the reference's scale and per-element (x * scale) * w.
//   softmax, swiglu: exp from exp4 below (the polynomial of the x86 versions); softmax sums in
//            4 lanes (tail padded with exp(-inf) = 0).
//   layernorm: mean and sum of squared deviations each in 4 lanes (FMA for the squares; tail
//            handled by the scalar loop order below), (l0 + l2) + (l1 + l3); then the
//            reference's per-element ((x - mean) * scale) * w + b.
//   gelu: the reference's x / (1 + exp(-2c (x + 0.044715 x^3))) with exp4.
//   relu: x > 0 ? x : +0 by compare and select, bit-identical to the reference.
//   attention: each score is a dot over hd in 4 lanes with FMA (hd % 4 tail zero-padded), lanes
//            summed (l0 + l2) + (l1 + l3), times scale; softmax as above; the weighted sum of
//            values is the reference's (mul then add, j in order), bit-identical given the same
//            scores.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/arm.hpp"

namespace slim::kernels::neon {

namespace {

float hsum4(float32x4_t v) {
  const float32x2_t t = vadd_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(t, 0) + vget_lane_f32(t, 1);
}

float32x4_t pow2i(int32x4_t k) {
  return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k, vdupq_n_s32(127)), 23));
}

// e^x: Cephes polynomial, 2^n applied in two factors (as exp8 in x86/ops_avx2.cpp).
float32x4_t exp4(float32x4_t x) {
  // Clamp with compare + select so that a nan stays a nan.
  const float32x4_t lo = vdupq_n_f32(-104.0f), hi = vdupq_n_f32(88.8f);
  x = vbslq_f32(vcgtq_f32(x, hi), hi, x);
  x = vbslq_f32(vcltq_f32(x, lo), lo, x);
  const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  const int32x4_t ni = vcvtq_s32_f32(n);
  const int32x4_t n1 = vshrq_n_s32(ni, 1);
  const int32x4_t n2 = vsubq_s32(ni, n1);
  return vmulq_f32(vmulq_f32(p, pow2i(n1)), pow2i(n2));
}

// The last `count` (< 4) floats, padded with `pad`.
float32x4_t load_tail(const float* src, size_t count, float pad) {
  float t[4] = {pad, pad, pad, pad};
  std::memcpy(t, src, count * sizeof(float));
  return vld1q_f32(t);
}

void store_tail(float* dst, float32x4_t v, size_t count) {
  float t[4];
  vst1q_f32(t, v);
  std::memcpy(dst, t, count * sizeof(float));
}

float dot(const float* a, const float* b, size_t n) {
  float32x4_t acc = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) acc = vfmaq_f32(acc, vld1q_f32(a + i), vld1q_f32(b + i));
  if (i < n) acc = vfmaq_f32(acc, load_tail(a + i, n - i, 0.0f), load_tail(b + i, n - i, 0.0f));
  return hsum4(acc);
}

}  // namespace

void add(float* y, const float* x, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vaddq_f32(vld1q_f32(y + i), vld1q_f32(x + i)));
  for (; i < n; ++i) y[i] += x[i];
}

void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps) {
  float32x4_t acc = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    acc = vfmaq_f32(acc, v, v);
  }
  if (i < n) {
    const float32x4_t v = load_tail(x + i, n - i, 0.0f);
    acc = vfmaq_f32(acc, v, v);
  }
  const float mean = hsum4(acc) / static_cast<float>(n) + eps;
  const float scale = 1.0f / vgetq_lane_f32(vsqrtq_f32(vdupq_n_f32(mean)), 0);
  for (i = 0; i + 4 <= n; i += 4) {
    vst1q_f32(y + i, vmulq_f32(vmulq_n_f32(vld1q_f32(x + i), scale), vld1q_f32(w + i)));
  }
  for (; i < n; ++i) y[i] = x[i] * scale * w[i];
}

void softmax(float* x, size_t n) {
  if (n == 0) return;
  float mx = x[0];
  for (size_t i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  const float32x4_t vmx = vdupq_n_f32(mx);
  float32x4_t acc = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t e = exp4(vsubq_f32(vld1q_f32(x + i), vmx));
    vst1q_f32(x + i, e);
    acc = vaddq_f32(acc, e);
  }
  if (i < n) {
    const float32x4_t e = exp4(vsubq_f32(load_tail(x + i, n - i, -__builtin_inff()), vmx));
    store_tail(x + i, e, n - i);
    acc = vaddq_f32(acc, e);
  }
  const float inv = 1.0f / hsum4(acc);
  for (i = 0; i + 4 <= n; i += 4) vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), inv));
  for (; i < n; ++i) x[i] *= inv;
}

void swiglu(float* gate, const float* up, size_t n) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  auto silu_mul = [&](float32x4_t g, float32x4_t u) {
    return vmulq_f32(vdivq_f32(g, vaddq_f32(one, exp4(vnegq_f32(g)))), u);
  };
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(gate + i, silu_mul(vld1q_f32(gate + i), vld1q_f32(up + i)));
  if (i < n) {
    store_tail(gate + i, silu_mul(load_tail(gate + i, n - i, 0.0f), load_tail(up + i, n - i, 0.0f)),
               n - i);
  }
}

void layernorm(float* y, const float* x, const float* w, const float* b, size_t n, float eps) {
  float32x4_t acc = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) acc = vaddq_f32(acc, vld1q_f32(x + i));
  if (i < n) acc = vaddq_f32(acc, load_tail(x + i, n - i, 0.0f));
  const float mean = hsum4(acc) / static_cast<float>(n);
  const float32x4_t vmean = vdupq_n_f32(mean);
  acc = vdupq_n_f32(0.0f);
  for (i = 0; i + 4 <= n; i += 4) {
    const float32x4_t d = vsubq_f32(vld1q_f32(x + i), vmean);
    acc = vfmaq_f32(acc, d, d);
  }
  if (i < n) {
    // Padding with the mean makes the padded deviations exactly 0.
    const float32x4_t d = vsubq_f32(load_tail(x + i, n - i, mean), vmean);
    acc = vfmaq_f32(acc, d, d);
  }
  const float var = hsum4(acc) / static_cast<float>(n) + eps;
  const float scale = 1.0f / vgetq_lane_f32(vsqrtq_f32(vdupq_n_f32(var)), 0);
  for (i = 0; i + 4 <= n; i += 4) {
    const float32x4_t t =
        vmulq_f32(vmulq_n_f32(vsubq_f32(vld1q_f32(x + i), vmean), scale), vld1q_f32(w + i));
    vst1q_f32(y + i, vaddq_f32(t, vld1q_f32(b + i)));
  }
  for (; i < n; ++i) {
    const float d = x[i] - mean;
    const float t = d * scale * w[i];
    y[i] = t + b[i];
  }
}

void gelu(float* x, size_t n) {
  auto gelu4 = [](float32x4_t v) {
    const float32x4_t v3 = vmulq_f32(vmulq_f32(v, v), v);
    const float32x4_t inner = vaddq_f32(v, vmulq_n_f32(v3, 0.044715f));
    const float32x4_t e = exp4(vmulq_n_f32(inner, -1.5957691216057308f));
    return vdivq_f32(v, vaddq_f32(vdupq_n_f32(1.0f), e));
  };
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(x + i, gelu4(vld1q_f32(x + i)));
  if (i < n) store_tail(x + i, gelu4(load_tail(x + i, n - i, 0.0f)), n - i);
}

void relu(float* x, size_t n) {
  const float32x4_t zero = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    vst1q_f32(x + i, vbslq_f32(vcgtq_f32(v, zero), v, zero));
  }
  for (; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void attention(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
               size_t hd, float scale, float* scores, float* out) {
  for (size_t j = 0; j < n_keys; ++j) scores[j] = dot(q, k + j * stride, hd) * scale;
  softmax(scores, n_keys);
  // Chunks of 16 values per pass over the keys (4 accumulators), then the hd % 16 rest.
  size_t c = 0;
  for (; c + 16 <= hd; c += 16) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    for (size_t j = 0; j < n_keys; ++j) {
      const float* vj = v + j * stride + c;
      const float s = scores[j];
      a0 = vaddq_f32(a0, vmulq_n_f32(vld1q_f32(vj), s));
      a1 = vaddq_f32(a1, vmulq_n_f32(vld1q_f32(vj + 4), s));
      a2 = vaddq_f32(a2, vmulq_n_f32(vld1q_f32(vj + 8), s));
      a3 = vaddq_f32(a3, vmulq_n_f32(vld1q_f32(vj + 12), s));
    }
    vst1q_f32(out + c, a0);
    vst1q_f32(out + c + 4, a1);
    vst1q_f32(out + c + 8, a2);
    vst1q_f32(out + c + 12, a3);
  }
  for (; c + 4 <= hd; c += 4) {
    float32x4_t a = vdupq_n_f32(0.0f);
    for (size_t j = 0; j < n_keys; ++j) {
      a = vaddq_f32(a, vmulq_n_f32(vld1q_f32(v + j * stride + c), scores[j]));
    }
    vst1q_f32(out + c, a);
  }
  for (; c < hd; ++c) {
    float a = 0.0f;
    for (size_t j = 0; j < n_keys; ++j) {
      const float p = scores[j] * v[j * stride + c];
      a += p;
    }
    out[c] = a;
  }
}

}  // namespace slim::kernels::neon
