#include "w8a8_quantize.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/checked.hpp"
#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "kernels/w8a8.hpp"
#include "model/w8a8_bind.hpp"
#include "quant/quantize.hpp"
#include "slim/model.hpp"

namespace slim::toolkit {

float w8a8_act_scale(float clip) {
  const float s = clip / 127.0f;
  return std::isfinite(s) && s > 0.0f ? s : 1.0f;
}

namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return not_found("w8a8: cannot read calibration text '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool is_head(const std::string& name) {
  return name == "token_embd.weight" || name == "output.weight";
}

}  // namespace

Status quantize_w8a8_file(const std::string& in_path, const std::string& out_path,
                          const W8A8Options& o,
                          const std::function<void(size_t done, size_t total)>& progress,
                          std::vector<std::string>* notes, W8A8Report* report) {
  if (o.calib_path.empty()) {
    return invalid_argument("W8A8 needs calibration text: --calib FILE (ADR 0004)");
  }
  if (!(o.percentile > 0.0 && o.percentile <= 100.0)) {
    return invalid_argument("w8a8: --calib-percentile must be in (0, 100]");
  }
  if (!can_quantize(o.head_type)) {
    return invalid_argument("w8a8: cannot write the head as " +
                            std::string(type_name(o.head_type)));
  }
  SLIM_ASSIGN_OR_RETURN(std::string text, read_text(o.calib_path));
  SLIM_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, Model::load(in_path));
  if (model->info().format != "gguf") return invalid_argument("w8a8: input must be a GGUF model");
  SLIM_ASSIGN_OR_RETURN(std::vector<int32_t> tokens,
                        model->tokenize(text, model->add_bos_default()));
  SLIM_ASSIGN_OR_RETURN(W8A8Calibration cal, calibrate_w8a8(model, tokens, o.calib));
  if (report) report->calib_tokens = cal.n_tokens;

  SLIM_ASSIGN_OR_RETURN(gguf::GgufFile in, gguf::GgufFile::open(in_path));
  gguf::GgufWriter out;
  for (const gguf::KeyValue& kv : in.metadata()) {
    if (kv.key == "general.file_type") continue;  // llama.cpp's numbers have no W8A8
    Status st = out.copy_value(kv.key, kv.value);
    if (!st) return st.with_context("w8a8 " + in_path);
  }
  out.set_string("slim.file_type", "W8A8");
  out.set_f32("slim.w8a8.calib_percentile", static_cast<float>(o.percentile));
  out.set_u32("slim.w8a8.calib_tokens", static_cast<uint32_t>(cal.n_tokens));

  const size_t total = in.tensors().size();
  auto done = std::make_shared<size_t>(0);
  auto tick = [progress, total, done]() {
    ++*done;
    if (progress) progress(*done, total);
  };
  // The scale tensors are small: owned here until write().
  std::vector<std::unique_ptr<float>> scales;

  for (const gguf::TensorInfo& t : in.tensors()) {
    const std::string name(t.name);
    const std::vector<uint64_t> dims(t.ne, t.ne + t.n_dims);
    const uint8_t* src = in.tensor_data(t);
    const uint64_t row = t.ne[0];
    const uint64_t rows = t.n_elements / row;
    TensorType to = t.n_dims >= 2 ? t.type : TensorType::kF32;
    const auto it = cal.inputs.find(name);
    if (t.n_dims == 2 && is_head(name)) {
      to = row % 32 == 0 ? o.head_type : t.type;
    } else if (t.n_dims == 2 && it != cal.inputs.end()) {
      if (row % 32 == 0 && row <= kernels::kW8A8MaxCols) {
        to = TensorType::kW8A8;
      } else {
        // As llama.cpp's converter does for blocks that do not fit: F16 (from F32 sources).
        if (t.type == TensorType::kF32) to = TensorType::kF16;
        if (notes) {
          notes->push_back("tensor '" + name + "': rows of " + std::to_string(row) +
                           " do not fit W8A8 (a multiple of 32 up to " +
                           std::to_string(kernels::kW8A8MaxCols) + "); stored as " +
                           std::string(type_name(to)));
        }
      }
    }
    if (to == TensorType::kW8A8) {
      const ActHistogram& h = it->second;
      const float clip = h.percentile(o.percentile);
      auto s = std::make_unique<float>(w8a8_act_scale(clip));
      if (report) {
        report->tensors.push_back(
            {name, h.absmax(), clip, *s,
             h.count() ? static_cast<double>(h.count_above(clip)) / static_cast<double>(h.count())
                       : 0.0});
      }
      SLIM_TRY(out.add_tensor(w8a8_act_scale_name(name), TensorType::kF32, {1}, s.get(), 4));
      scales.push_back(std::move(s));
    }
    if (to == t.type) {
      const auto bytes = static_cast<size_t>(t.n_bytes);
      SLIM_TRY(out.add_tensor_fill(name, to, dims, [src, bytes, tick](uint8_t* dst, size_t n) {
        if (n != bytes) return internal_error("w8a8: size mismatch");
        std::memcpy(dst, src, n);
        tick();
        return Status::ok();
      }));
      continue;
    }
    if (!can_dequantize(t.type)) {
      return unsupported("w8a8 " + in_path + ": tensor '" + name + "' is stored as " +
                         std::string(type_name(t.type)) + ", which cannot be converted from");
    }
    uint64_t src_rb = 0, dst_rb = 0;
    if (!row_bytes(t.type, row, &src_rb) || !row_bytes(to, row, &dst_rb)) {
      return internal_error("w8a8: row size of tensor '" + name + "'");
    }
    const TensorType from = t.type;
    auto convert = [=](uint8_t* dst, size_t n) -> Status {
      uint64_t need = 0;
      if (!checked_mul(rows, dst_rb, &need) || need != n)
        return internal_error("w8a8: output size mismatch");
      std::vector<float> buf(static_cast<size_t>(row));
      for (uint64_t r = 0; r < rows; ++r) {
        SLIM_TRY(dequantize_row(from, src + r * src_rb, buf.data(), buf.size()));
        Status st = quantize_row(to, buf.data(), dst + r * dst_rb, buf.size());
        if (!st) return st.with_context("tensor '" + name + "' row " + std::to_string(r));
      }
      tick();
      return Status::ok();
    };
    SLIM_TRY(out.add_tensor_fill(name, to, dims, std::move(convert)));
  }
  Status st = out.write(out_path);
  if (!st) return st.with_context("w8a8 " + in_path + " -> " + out_path);
  return Status::ok();
}

}  // namespace slim::toolkit
