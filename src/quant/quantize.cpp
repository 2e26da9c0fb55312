// Row quantize/dequantize: argument checks, then the per-format codec (formats.hpp).
#include "quant/quantize.hpp"

#include <string>

#include "quant/formats.hpp"

namespace slim {

namespace {

bool supported(TensorType type) {
  switch (type) {
    case TensorType::kF32:
    case TensorType::kF16:
    case TensorType::kBF16:
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1:
    case TensorType::kQ2_K:
    case TensorType::kQ3_K:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K:
    case TensorType::kQ8_K:
    case TensorType::kW8A8:
      return true;
    default:
      return false;
  }
}

Status check_args(const char* op, TensorType type, const void* src, const void* dst, size_t n) {
  const std::string where = std::string(op) + " " + std::string(type_name(type));
  if (!supported(type)) {
    return invalid_argument(std::string(op) + ": tensor type " + std::string(type_name(type)) +
                            " (id " + std::to_string(static_cast<uint32_t>(type)) +
                            ") is not supported");
  }
  uint64_t bytes = 0;
  if (!row_bytes(type, n, &bytes)) {
    return invalid_argument(where + ": row of " + std::to_string(n) +
                            " elements is not a multiple of the block size " +
                            std::to_string(type_traits(type)->block_elems));
  }
  if (n != 0 && (src == nullptr || dst == nullptr)) {
    return invalid_argument(where + ": null buffer for a row of " + std::to_string(n) +
                            " elements");
  }
  return Status::ok();
}

}  // namespace

bool can_quantize(TensorType type) {
  return supported(type);
}
bool can_dequantize(TensorType type) {
  return supported(type);
}

Status quantize_row(TensorType type, const float* src, void* dst, size_t n) {
  SLIM_TRY(check_args("quantize_row", type, src, dst, n));
  auto* out = static_cast<uint8_t*>(dst);
  switch (type) {
    case TensorType::kF32:
      quant::quantize_f32(src, out, n);
      return Status::ok();
    case TensorType::kF16:
      quant::quantize_f16(src, out, n);
      return Status::ok();
    case TensorType::kBF16:
      quant::quantize_bf16(src, out, n);
      return Status::ok();
    case TensorType::kQ8_0:
      return quant::quantize_q8_0(src, out, n);
    case TensorType::kQ4_0:
      return quant::quantize_q4_0(src, out, n);
    case TensorType::kQ4_1:
      return quant::quantize_q4_1(src, out, n);
    case TensorType::kQ5_0:
      return quant::quantize_q5_0(src, out, n);
    case TensorType::kQ5_1:
      return quant::quantize_q5_1(src, out, n);
    case TensorType::kQ2_K:
      return quant::quantize_q2_k(src, out, n);
    case TensorType::kQ3_K:
      return quant::quantize_q3_k(src, out, n);
    case TensorType::kQ4_K:
      return quant::quantize_q4_k(src, out, n);
    case TensorType::kQ5_K:
      return quant::quantize_q5_k(src, out, n);
    case TensorType::kQ6_K:
      return quant::quantize_q6_k(src, out, n);
    case TensorType::kQ8_K:
      return quant::quantize_q8_k(src, out, n);
    case TensorType::kW8A8:
      return quant::quantize_w8a8(src, out, n);
    default:
      break;
  }
  return internal_error("quantize_row: unhandled type " + std::string(type_name(type)));
}

Status dequantize_row(TensorType type, const void* src, float* dst, size_t n) {
  SLIM_TRY(check_args("dequantize_row", type, src, dst, n));
  const auto* in = static_cast<const uint8_t*>(src);
  switch (type) {
    case TensorType::kF32:
      quant::dequantize_f32(in, dst, n);
      return Status::ok();
    case TensorType::kF16:
      quant::dequantize_f16(in, dst, n);
      return Status::ok();
    case TensorType::kBF16:
      quant::dequantize_bf16(in, dst, n);
      return Status::ok();
    case TensorType::kQ8_0:
      quant::dequantize_q8_0(in, dst, n);
      return Status::ok();
    case TensorType::kQ4_0:
      quant::dequantize_q4_0(in, dst, n);
      return Status::ok();
    case TensorType::kQ4_1:
      quant::dequantize_q4_1(in, dst, n);
      return Status::ok();
    case TensorType::kQ5_0:
      quant::dequantize_q5_0(in, dst, n);
      return Status::ok();
    case TensorType::kQ5_1:
      quant::dequantize_q5_1(in, dst, n);
      return Status::ok();
    case TensorType::kQ2_K:
      quant::dequantize_q2_k(in, dst, n);
      return Status::ok();
    case TensorType::kQ3_K:
      quant::dequantize_q3_k(in, dst, n);
      return Status::ok();
    case TensorType::kQ4_K:
      quant::dequantize_q4_k(in, dst, n);
      return Status::ok();
    case TensorType::kQ5_K:
      quant::dequantize_q5_k(in, dst, n);
      return Status::ok();
    case TensorType::kQ6_K:
      quant::dequantize_q6_k(in, dst, n);
      return Status::ok();
    case TensorType::kQ8_K:
      quant::dequantize_q8_k(in, dst, n);
      return Status::ok();
    case TensorType::kW8A8:
      quant::dequantize_w8a8(in, dst, n);
      return Status::ok();
    default:
      break;
  }
  return internal_error("dequantize_row: unhandled type " + std::string(type_name(type)));
}

}  // namespace slim
