#include "convert_types.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/checked.hpp"
#include "core/thread_pool.hpp"
#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "quant/quantize.hpp"
#include "quant/weighted.hpp"

namespace slim::toolkit {

namespace {

constexpr uint32_t kQuantizationVersion = 2;  // ggml's GGML_QNT_VERSION

// The hyper-parameters the mix rules use, from {arch}.* metadata (0 when absent or not a number,
// e.g. per-layer head-count arrays).
MixModel mix_model_of(const gguf::GgufFile& f) {
  MixModel m;
  auto arch = f.get_string("general.architecture");
  if (!arch) return m;
  const std::string a(*arch);
  auto get = [&](const std::string& key) -> uint32_t {
    auto v = f.get_uint(a + "." + key, 1u << 20);
    return v ? static_cast<uint32_t>(*v) : 0u;
  };
  m.n_layer = get("block_count");
  m.n_head = get("attention.head_count");
  m.n_head_kv = get("attention.head_count_kv");
  if (m.n_head_kv == 0) m.n_head_kv = m.n_head;  // llama.cpp's default: no grouping
  return m;
}

}  // namespace

Result<FileType> parse_convert_type(std::string_view name) {
  return parse_file_type(name);
}

Status convert_gguf_types(const std::string& in_path, const std::string& out_path, FileType target,
                          const std::function<void(size_t done, size_t total)>& progress,
                          std::vector<std::string>* notes, const ConvertOptions& options) {
  bool known = false;
  for (const FileTypeInfo& f : file_types()) known = known || f.ftype == target;
  if (!known) {
    return invalid_argument("convert: unknown file type " +
                            std::to_string(static_cast<uint32_t>(target)) +
                            " (supported: " + file_type_names(", ") + ")");
  }
  if (in_path.empty() || out_path.empty()) return invalid_argument("convert: empty file path");
  SLIM_ASSIGN_OR_RETURN(gguf::GgufFile in, gguf::GgufFile::open(in_path));

  std::vector<MixTensor> plan;
  plan.reserve(in.tensors().size());
  for (const gguf::TensorInfo& t : in.tensors())
    plan.push_back({std::string(t.name), t.n_dims, t.ne[0], t.type});
  std::vector<TensorType> types =
      choose_tensor_types(target, mix_model_of(in), plan, options.pure, notes);
  for (size_t i = 0; i < plan.size(); ++i) {
    const std::optional<TensorType>& over = plan[i].name == "output.weight" ? options.output_type
                                            : plan[i].name == "token_embd.weight"
                                                ? options.embedding_type
                                                : std::nullopt;
    if (!over) continue;
    uint64_t unused = 0;
    if (!can_quantize(*over) || !row_bytes(*over, plan[i].ne0, &unused)) {
      return invalid_argument("convert: cannot store '" + plan[i].name + "' (rows of " +
                              std::to_string(plan[i].ne0) + ") as " +
                              std::string(type_name(*over)));
    }
    types[i] = *over;
  }
  size_t weighted_tensors = 0;
  if (options.imatrix != nullptr) {
    for (size_t i = 0; i < plan.size(); ++i) {
      if (types[i] == plan[i].type || !has_weighted_quantizer(types[i])) continue;
      const std::vector<float>* w = options.imatrix->find(plan[i].name);
      if (w == nullptr) continue;
      if (w->size() != plan[i].ne0) {
        return invalid_argument("convert: imatrix entry '" + plan[i].name + "' has " +
                                std::to_string(w->size()) + " values, the tensor's rows have " +
                                std::to_string(plan[i].ne0) + " (imatrix of another model?)");
      }
      ++weighted_tensors;
    }
    if (notes != nullptr) {
      notes->push_back("imatrix: " + std::to_string(weighted_tensors) +
                       " tensors quantized with importance weights (Q8_0 and float tensors ignore "
                       "the imatrix)");
    }
  }
  const int n_threads = options.n_threads > 0 ? options.n_threads : ThreadPool::default_threads();
  auto pool = std::make_shared<ThreadPool>(std::max(1, std::min(n_threads, 256)));

  gguf::GgufWriter out;
  for (const gguf::KeyValue& kv : in.metadata()) {
    Status st = out.copy_value(kv.key, kv.value);
    if (!st) return st.with_context("convert " + in_path);
  }
  out.set_u32("general.file_type", llama_file_type(target));
  if (type_traits(file_type_info(target).base)->block_elems > 1) {
    out.set_u32("general.quantization_version", kQuantizationVersion);
  }

  const size_t total = in.tensors().size();
  auto done = std::make_shared<size_t>(0);
  auto report = [progress, total, done]() {
    ++*done;
    if (progress) progress(*done, total);
  };

  for (size_t i = 0; i < in.tensors().size(); ++i) {
    const gguf::TensorInfo& t = in.tensors()[i];
    const TensorType to = types[i];
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
    const uint64_t rows = row == 0 ? 0 : t.n_elements / row;  // no division by an empty row
    const TensorType from = t.type;
    const std::vector<float>* qw = options.imatrix != nullptr && has_weighted_quantizer(to)
                                       ? options.imatrix->find(name)
                                       : nullptr;
    // Rows are split statically across threads; each row's bytes depend only on the row.
    auto convert = [=](uint8_t* dst, size_t n) -> Status {
      uint64_t need = 0;
      if (!checked_mul(rows, dst_row_bytes, &need) || need != n) {
        return internal_error("convert: output size mismatch");
      }
      const int nt =
          static_cast<int>(std::min<uint64_t>(rows, static_cast<uint64_t>(pool->size())));
      std::vector<Status> status(static_cast<size_t>(std::max(nt, 1)));
      auto job = [&](int ti, int tn) {
        if (ti >= nt) return;
        size_t r0 = 0, r1 = 0;
        split_range(static_cast<size_t>(rows), ti, tn < nt ? tn : nt, &r0, &r1);
        std::vector<float> buf(static_cast<size_t>(row));
        for (size_t r = r0; r < r1; ++r) {
          Status st = dequantize_row(from, src + r * src_row_bytes, buf.data(), buf.size());
          if (st) {
            st = quantize_row_weighted(to, buf.data(), dst + r * dst_row_bytes, buf.size(),
                                       qw != nullptr ? qw->data() : nullptr);
          }
          if (!st) {
            status[static_cast<size_t>(ti)] = st.with_context("row " + std::to_string(r));
            return;
          }
        }
      };
      if (nt > 1) {
        pool->run(job);
      } else {
        ThreadPool::run_inline(job);
      }
      for (const Status& st : status) SLIM_TRY(st);
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
