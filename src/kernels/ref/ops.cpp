// Scalar element-wise ops. Sums run in element order in one float accumulator; products and
// sums are separate statements (no FMA contraction), as in vec_dot.cpp.
#include <cmath>

#include "kernels/ref/ref.hpp"

namespace slim::kernels::ref {

void rmsnorm(float* y, const float* x, const float* w, size_t n, float eps) {
  float ss = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float p = x[i] * x[i];
    ss += p;
  }
  const float scale = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
}

void softmax(float* x, size_t n) {
  if (n == 0) return;
  float mx = x[0];
  for (size_t i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = 1.0f / sum;
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void add(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

// scores[j] = (sum over i in order of q[i] * k_j[i]) * scale; softmax; out[i] = 0, then
// out[i] += scores[j] * v_j[i] for j in order.
void attention(const float* q, const float* k, const float* v, size_t stride, size_t n_keys,
               size_t hd, float scale, float* scores, float* out) {
  for (size_t j = 0; j < n_keys; ++j) {
    const float* kj = k + j * stride;
    float dot = 0.0f;
    for (size_t i = 0; i < hd; ++i) {
      const float p = q[i] * kj[i];
      dot += p;
    }
    scores[j] = dot * scale;
  }
  softmax(scores, n_keys);
  for (size_t i = 0; i < hd; ++i) out[i] = 0.0f;
  for (size_t j = 0; j < n_keys; ++j) {
    const float* vj = v + j * stride;
    const float a = scores[j];
    for (size_t i = 0; i < hd; ++i) {
      const float p = a * vj[i];
      out[i] += p;
    }
  }
}

}  // namespace slim::kernels::ref
