// Q8_0 with a searched, least-squares block scale (see q8_0_search.hpp for the exact rule).
#include "quant/q8_0_search.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "core/fp16.hpp"
#include "quant/blocks.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

namespace {

constexpr size_t kBlock = kQ8_0Elems;

float fp16_round(float v) {
  return fp16_to_f32(f32_to_fp16(v));
}

int8_t level(float v) {
  if (std::isnan(v)) v = 0.0f;  // only when the scale's reciprocal overflows
  v = std::fmin(127.0f, std::fmax(-127.0f, v));
  return static_cast<int8_t>(std::round(v));
}

// q = levels of x for the (fp16-exact) scale d; returns the weighted squared error.
double levels_and_error(const float* x, const float* w, float d, int8_t* q) {
  double err = 0.0;
  for (size_t j = 0; j < kBlock; ++j) {
    q[j] = level(x[j] / d);
    const double e = static_cast<double>(x[j]) - static_cast<double>(d) * q[j];
    err += static_cast<double>(w[j]) * e * e;
  }
  return err;
}

void search_block(const float* x, const float* w, uint8_t* out) {
  float amax = 0.0f;
  for (size_t j = 0; j < kBlock; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  int8_t best_q[kBlock] = {};
  float best_d = 0.0f;
  if (amax > 0.0f) {
    // Candidate 0: ggml's quantize_row_q8_0_ref block, scored with the stored scale.
    const float d0 = amax / 127.0f;
    const float id0 = 1.0f / d0;
    double best_err = 0.0;
    best_d = fp16_round(d0);
    for (size_t j = 0; j < kBlock; ++j) {
      best_q[j] = level(x[j] * id0);
      const double e = static_cast<double>(x[j]) - static_cast<double>(best_d) * best_q[j];
      best_err += static_cast<double>(w[j]) * e * e;
    }
    int8_t q[kBlock];
    for (int k = 1; k <= kQ8SearchSteps; ++k) {
      const float nmax =
          127.0f - kQ8SearchSpan + static_cast<float>(k) * (2.0f * kQ8SearchSpan / kQ8SearchSteps);
      const float s = nmax / amax;
      double num = 0.0, den = 0.0;
      for (size_t j = 0; j < kBlock; ++j) {
        q[j] = level(x[j] * s);
        num += static_cast<double>(w[j]) * x[j] * q[j];
        den += static_cast<double>(w[j]) * q[j] * q[j];
      }
      if (den <= 0.0) continue;
      const float d = fp16_round(static_cast<float>(num / den));
      if (!(d > 0.0f) || !std::isfinite(d)) continue;
      const double err = levels_and_error(x, w, d, q);
      if (err < best_err) {
        best_err = err;
        best_d = d;
        std::memcpy(best_q, q, kBlock);
      }
    }
  }
  store_block_scale(out, best_d);
  std::memcpy(out + 2, best_q, kBlock);
}

}  // namespace

Status quantize_q8_0_search(const float* src, uint8_t* dst, size_t n, const float* qw) {
  if (n % kBlock != 0) {
    return invalid_argument("Q8_0 search: row of " + std::to_string(n) +
                            " elements is not a multiple of 32");
  }
  SLIM_TRY(check_finite("Q8_0", src, n));
  if (qw != nullptr) {
    for (size_t j = 0; j < n; ++j) {
      if (!std::isfinite(qw[j]) || qw[j] < 0.0f) {
        return invalid_argument("Q8_0 search: importance weight " + std::to_string(j) +
                                " is negative or not finite");
      }
    }
  }
  const float ones[kBlock] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  for (size_t b = 0; b < n / kBlock; ++b) {
    search_block(src + b * kBlock, qw != nullptr ? qw + b * kBlock : ones, dst + b * kQ8_0Bytes);
  }
  return Status::ok();
}

}  // namespace slim::quant
