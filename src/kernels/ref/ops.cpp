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

// Two passes: mean = (sum in element order) / n; var = (sum in element order of d_i^2) / n with
// d_i = x_i - mean; then y_i = ((d_i * scale) * w_i) + b_i, scale = 1 / sqrt(var + eps).
void layernorm(float* y, const float* x, const float* w, const float* b, size_t n, float eps) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(n);
  float ss = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float d = x[i] - mean;
    const float p = d * d;
    ss += p;
  }
  const float scale = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (size_t i = 0; i < n; ++i) {
    const float d = x[i] - mean;
    const float t = d * scale * w[i];
    y[i] = t + b[i];
  }
}

// GPT-2's tanh approximation through the identity 0.5 (1 + tanh(u)) = 1 / (1 + exp(-2u)):
// y = x / (1 + exp(-2 sqrt(2/pi) (x + 0.044715 x^3))). The same value, but without the
// cancellation of 1 + tanh(u) for u << 0 (there the literal formula loses all relative
// accuracy), and the ISA variants reuse their vector exp. Measured (2-core AVX-512 host, shared,
// best of 20; n = 3072, GPT-2's FFN width): literal formula with std::tanh 42 us, this form
// with std::exp 11.5 us, AVX2 exp8 2.2 us, AVX-512 exp16 1.4 us per row: vectorising pays.
void gelu(float* x, size_t n) {
  constexpr float kMinus2C = -1.5957691216057308f;  // -2 sqrt(2 / pi)
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float v3 = v * v * v;
    const float inner = v + 0.044715f * v3;
    x[i] = v / (1.0f + std::exp(kMinus2C * inner));
  }
}

void relu(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
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
