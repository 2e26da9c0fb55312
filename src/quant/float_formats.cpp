// F32, F16 and BF16 rows: plain little-endian element arrays (F16/BF16 round to nearest even).
#include <cmath>
#include <cstring>
#include <string>

#include "core/fp16.hpp"
#include "quant/formats.hpp"

namespace slim::quant {

void quantize_f32(const float* src, uint8_t* dst, size_t n) {
  if (n != 0) std::memcpy(dst, src, n * sizeof(float));
}

void dequantize_f32(const uint8_t* src, float* dst, size_t n) {
  if (n != 0) std::memcpy(dst, src, n * sizeof(float));
}

void quantize_f16(const float* src, uint8_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const uint16_t h = f32_to_fp16(src[i]);
    std::memcpy(dst + 2 * i, &h, 2);
  }
}

void dequantize_f16(const uint8_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    dst[i] = fp16_to_f32(h);
  }
}

void quantize_bf16(const float* src, uint8_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const uint16_t h = f32_to_bf16(src[i]);
    std::memcpy(dst + 2 * i, &h, 2);
  }
}

void dequantize_bf16(const uint8_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    dst[i] = bf16_to_f32(h);
  }
}

Status check_finite(const char* type, const float* src, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(src[i])) {
      return invalid_argument(std::string("quantize ") + type + ": element " + std::to_string(i) +
                              " is " + (std::isnan(src[i]) ? "nan" : "inf") +
                              " (block formats need finite values)");
    }
  }
  return Status::ok();
}

}  // namespace slim::quant
