#include "convert_types.hpp"

#include <cstring>
#include <memory>

#include "core/checked.hpp"
#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "quant/quantize.hpp"

namespace slim::toolkit {

namespace {

constexpr uint32_t kQuantizationVersion = 2;  // ggml's GGML_QNT_VERSION

bool is_target_type(TensorType t) {
  switch (t) {
    case TensorType::kF32:
    case TensorType::kF16:
    case TensorType::kBF16:
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
      return true;
    default:
      return false;
  }
}

bool is_float_type(TensorType t) {
  return t == TensorType::kF32 || t == TensorType::kF16 || t == TensorType::kBF16 ||
         t == TensorType::kQ8_0 || t == TensorType::kQ4_0;
}

// The output type for one tensor, with a note when a matrix falls back to F16.
TensorType output_type(const gguf::TensorInfo& t, TensorType target, std::string* note) {
  const bool matrix =
      t.n_dims == 2 && t.name.size() >= 7 && t.name.substr(t.name.size() - 7) == ".weight";
  if (matrix) {
    const uint32_t block = type_traits(target)->block_elems;
    if (t.ne[0] % block == 0) return target;
    *note = "tensor '" + std::string(t.name) + "': row length " + std::to_string(t.ne[0]) +
            " is not a multiple of the " + std::string(type_name(target)) + " block size " +
            std::to_string(block) + "; stored as F16";
    return TensorType::kF16;
  }
  if (t.n_dims == 1 && is_float_type(t.type)) return TensorType::kF32;
  return t.type;
}

}  // namespace

Result<TensorType> parse_convert_type(std::string_view name) {
  TensorType t = TensorType::kF32;
  if (!parse_type_name(name, &t) || !is_target_type(t)) {
    return invalid_argument("unknown conversion type '" + std::string(name) +
                            "' (expected one of f32, f16, bf16, q8_0, q4_0)");
  }
  return t;
}

Result<uint32_t> llama_file_type(TensorType type) {
  switch (type) {
    case TensorType::kF32:
      return 0u;
    case TensorType::kF16:
      return 1u;
    case TensorType::kQ4_0:
      return 2u;
    case TensorType::kQ8_0:
      return 7u;
    case TensorType::kBF16:
      return 32u;
    default:
      break;
  }
  return invalid_argument("no llama.cpp file type for " + std::string(type_name(type)));
}

Status convert_gguf_types(const std::string& in_path, const std::string& out_path,
                          TensorType target,
                          const std::function<void(size_t done, size_t total)>& progress,
                          std::vector<std::string>* notes) {
  if (!is_target_type(target)) {
    return invalid_argument("convert: cannot convert to " + std::string(type_name(target)) +
                            " (supported: F32, F16, BF16, Q8_0, Q4_0)");
  }
  if (in_path.empty() || out_path.empty()) return invalid_argument("convert: empty file path");
  SLIM_ASSIGN_OR_RETURN(const uint32_t ftype, llama_file_type(target));
  SLIM_ASSIGN_OR_RETURN(gguf::GgufFile in, gguf::GgufFile::open(in_path));

  gguf::GgufWriter out;
  for (const gguf::KeyValue& kv : in.metadata()) {
    Status st = out.copy_value(kv.key, kv.value);
    if (!st) return st.with_context("convert " + in_path);
  }
  out.set_u32("general.file_type", ftype);
  if (type_traits(target)->block_elems > 1) {
    out.set_u32("general.quantization_version", kQuantizationVersion);
  }

  const size_t total = in.tensors().size();
  auto done = std::make_shared<size_t>(0);
  auto report = [progress, total, done]() {
    ++*done;
    if (progress) progress(*done, total);
  };

  for (const gguf::TensorInfo& t : in.tensors()) {
    std::string note;
    const TensorType to = output_type(t, target, &note);
    if (!note.empty() && notes != nullptr) notes->push_back(note);
    const std::string name(t.name);
    const std::vector<uint64_t> dims(t.ne, t.ne + t.n_dims);
    const uint8_t* src = in.tensor_data(t);

    if (to == t.type) {
      const auto bytes = static_cast<size_t>(t.n_bytes);
      auto copy = [src, bytes, report](uint8_t* dst, size_t n) {
        if (n != bytes) return internal_error("convert: size mismatch");
        std::memcpy(dst, src, n);
        report();
        return Status::ok();
      };
      SLIM_TRY(out.add_tensor_fill(name, to, dims, std::move(copy)));
      continue;
    }
    if (!can_dequantize(t.type)) {
      return unsupported("convert " + in_path + ": tensor '" + name + "' is stored as " +
                         std::string(type_name(t.type)) + ", which cannot be converted from");
    }
    const uint64_t row = t.ne[0];
    uint64_t src_row_bytes = 0;
    uint64_t dst_row_bytes = 0;
    if (!row_bytes(t.type, row, &src_row_bytes) || !row_bytes(to, row, &dst_row_bytes)) {
      return internal_error("convert: row size of tensor '" + name + "'");
    }
    const uint64_t rows = t.n_elements / row;
    const TensorType from = t.type;
    auto convert = [=](uint8_t* dst, size_t n) -> Status {
      uint64_t need = 0;
      if (!checked_mul(rows, dst_row_bytes, &need) || need != n) {
        return internal_error("convert: output size mismatch");
      }
      std::vector<float> buf(static_cast<size_t>(row));
      for (uint64_t r = 0; r < rows; ++r) {
        SLIM_TRY(dequantize_row(from, src + r * src_row_bytes, buf.data(), buf.size()));
        Status st = quantize_row(to, buf.data(), dst + r * dst_row_bytes, buf.size());
        if (!st) return st.with_context("row " + std::to_string(r));
      }
      report();
      return Status::ok();
    };
    SLIM_TRY(out.add_tensor_fill(name, to, dims, std::move(convert)));
  }

  Status st = out.write(out_path);
  if (!st) return st.with_context("convert " + in_path + " -> " + out_path);
  return Status::ok();
}

}  // namespace slim::toolkit
