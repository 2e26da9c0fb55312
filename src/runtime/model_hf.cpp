// Running a Hugging Face folder directly: its config.json planned onto GGUF names
// (hf/plan.hpp), the metadata as an in-memory GGUF header for the architecture loaders, and
// the checkpoint's tensors used in place where their bytes are already in GGUF's layout and
// aligned; transposed / permuted (or misaligned) tensors are rearranged into owned buffers.
#include <cstring>

#include "format/gguf_writer.hpp"
#include "hf/folder.hpp"
#include "hf/transform.hpp"
#include "model/registry.hpp"
#include "runtime/model_impl.hpp"

namespace slim {

Result<std::unique_ptr<Model::Impl>> load_hf_folder(const std::string& dir) {
  auto m = std::make_unique<Model::Impl>();
  SLIM_ASSIGN_OR_RETURN(m->hf, hf::open_folder(dir));
  const hf::Folder& f = *m->hf;
  m->info.format = "hf-" + f.weights.format();
  m->info.name = f.name;

  gguf::GgufWriter w;
  hf::put_model_metadata(f, w);
  SLIM_ASSIGN_OR_RETURN(m->hf_header, w.write_to_memory());
  auto g = gguf::GgufFile::from_memory(m->hf_header.data(), m->hf_header.size());
  if (!g) return g.status();
  m->gguf = std::make_unique<gguf::GgufFile>(std::move(g).value());

  uint64_t total = 0;
  for (const hf::TensorPlan& t : f.plan.tensors) {
    const hf::WeightTensor& src = hf::source_of(f, t);
    const size_t elem = type_traits(src.type)->block_bytes;  // F32, F16 or BF16: one element
    TensorRef r;
    r.name = t.gguf_name;
    r.type = src.type;
    r.n_dims = static_cast<uint32_t>(t.gguf_dims.size());
    for (size_t d = 0; d < t.gguf_dims.size() && d < 4; ++d) r.ne[d] = t.gguf_dims[d];
    r.n_bytes = src.n_bytes;
    const bool aligned = reinterpret_cast<uintptr_t>(src.data) % elem == 0;
    if (t.transform == hf::Transform::kNone && aligned) {
      r.data = src.data;
    } else {
      auto buf = std::make_unique_for_overwrite<uint8_t[]>(src.n_bytes);
      SLIM_TRY(hf::transform_tensor(t, elem, src.data, buf.get(), src.n_bytes));
      r.data = buf.get();
      m->hf_owned.push_back(std::move(buf));
    }
    total += src.n_bytes;
    m->tensors.push_back(std::move(r));
  }
  m->info.file_bytes = total;
  const ArchLoader load_arch = find_arch_loader(f.plan.architecture);
  if (load_arch == nullptr) return internal_error("no loader for " + f.plan.architecture);
  SLIM_ASSIGN_OR_RETURN(m->arch, load_arch(*m->gguf, lookup_in(*m)));
  m->tokenizer = f.tokenizer.tokenizer;
  SLIM_TRY(finish_load(*m));
  return m;
}

}  // namespace slim
