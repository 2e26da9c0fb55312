#include "convert_hf.hpp"

#include <cstdio>
#include <filesystem>
#include <map>

#include "convert_types.hpp"
#include "format/gguf_writer.hpp"
#include "hf/folder.hpp"
#include "hf/tokenizer_gguf.hpp"
#include "hf/transform.hpp"

namespace slim::toolkit {

namespace {

// Removes a file when it goes out of scope.
struct TempFile {
  std::string path;
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

Result<FileType> resolve_type(const std::string& name, const hf::Folder& f) {
  if (name != "auto") return parse_convert_type(name);
  std::map<TensorType, uint64_t> bytes;
  for (const hf::TensorPlan& t : f.plan.tensors) {
    const hf::WeightTensor& s = hf::source_of(f, t);
    bytes[s.type] += s.n_bytes;
  }
  const bool bf16 = bytes[TensorType::kBF16] > bytes[TensorType::kF16] &&
                    bytes[TensorType::kBF16] > bytes[TensorType::kF32];
  return parse_convert_type(bf16 ? "BF16" : "F16");
}

}  // namespace

Status convert_hf_folder(const std::string& dir, const std::string& out_path,
                         const HfConvertOptions& options,
                         const std::function<void(int stage, size_t done, size_t total)>& progress,
                         std::vector<std::string>* notes) {
  SLIM_ASSIGN_OR_RETURN(std::unique_ptr<hf::Folder> f, hf::open_folder(dir));
  SLIM_ASSIGN_OR_RETURN(FileType type, resolve_type(options.type, *f));
  if (notes != nullptr) notes->insert(notes->end(), f->plan.notes.begin(), f->plan.notes.end());

  gguf::GgufWriter w;
  hf::put_model_metadata(*f, w);
  SLIM_TRY(hf::put_tokenizer_metadata(f->tokenizer, w, notes).with_context(dir));
  const size_t total = f->plan.tensors.size();
  size_t done = 0;
  for (const hf::TensorPlan& t : f->plan.tensors) {
    const hf::WeightTensor& src = hf::source_of(*f, t);
    const size_t elem = type_traits(src.type)->block_bytes;  // F32, F16 or BF16: one element
    auto fill = [&t, &src, elem, &done, total, &progress](uint8_t* dst, size_t n) {
      SLIM_TRY(hf::transform_tensor(t, elem, src.data, dst, n));
      ++done;
      if (progress) progress(1, done, total);
      return Status::ok();
    };
    SLIM_TRY(w.add_tensor_fill(t.gguf_name, src.type, t.gguf_dims, fill));
  }
  TempFile tmp{out_path + ".hf.tmp"};
  SLIM_TRY(w.write(tmp.path));
  ConvertOptions co;
  co.pure = options.pure;
  auto stage2 = [&progress](size_t d, size_t n) {
    if (progress) progress(2, d, n);
  };
  return convert_gguf_types(tmp.path, out_path, type, stage2, notes, co);
}

}  // namespace slim::toolkit
