// Model loading: format detection, hyper-parameters, weights, tokenizer.
#include <cstring>
#include <filesystem>
#include <map>

#include "format/llama2c.hpp"
#include "hf/folder.hpp"
#include "model/llama.hpp"
#include "model/registry.hpp"
#include "runtime/model_impl.hpp"

namespace slim {

namespace {

// Fills the parts of ModelInfo that come from hyper-parameters and tensors.
void fill_info(Model::Impl& m) {
  ModelInfo& i = m.info;
  m.arch->describe(i);
  i.tokenizer = std::string(m.tokenizer->model_name());
  i.bos_id = m.tokenizer->bos_id();
  i.eos_id = m.tokenizer->eos_id();
  // Dominant type = the one holding the most bytes among matrices.
  std::map<std::string, uint64_t> bytes_by_type;
  i.n_params = 0;
  for (const TensorRef& t : m.tensors) {
    i.n_params += t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3];
    if (t.n_dims >= 2) bytes_by_type[std::string(type_name(t.type))] += t.n_bytes;
  }
  uint64_t best = 0;
  for (const auto& [name, bytes] : bytes_by_type) {
    if (bytes > best) {
      best = bytes;
      i.file_type = name;
    }
  }
}

}  // namespace

// Checks the tokenizer against the bound model and fills ModelInfo.
Status finish_load(Model::Impl& m) {
  const int32_t n_vocab = m.arch->dims().n_vocab;
  if (m.tokenizer->vocab_size() != n_vocab) {
    return corrupt("tokenizer has " + std::to_string(m.tokenizer->vocab_size()) +
                   " tokens but the model's embedding has " + std::to_string(n_vocab) + " rows");
  }
  fill_info(m);
  return Status::ok();
}

TensorLookup lookup_in(const Model::Impl& m) {
  return [&m](std::string_view name) { return m.find_tensor(name); };
}

namespace {

Result<std::unique_ptr<Model::Impl>> load_gguf(std::unique_ptr<gguf::GgufFile> file) {
  auto m = std::make_unique<Model::Impl>();
  m->gguf = std::move(file);
  const gguf::GgufFile& f = *m->gguf;
  m->info.format = "gguf";
  m->info.file_bytes = f.file_size();
  SLIM_ASSIGN_OR_RETURN(std::string_view arch, f.get_string("general.architecture"));
  const ArchLoader load_arch = find_arch_loader(arch);
  if (load_arch == nullptr) {
    return unsupported("unknown architecture '" + std::string(arch) +
                       "' (supported: " + supported_architectures() + ")");
  }
  if (auto name = f.get_string("general.name")) m->info.name = std::string(*name);
  for (const gguf::TensorInfo& t : f.tensors()) {
    TensorRef r;
    r.name = std::string(t.name);
    r.type = t.type;
    r.n_dims = t.n_dims;
    std::memcpy(r.ne, t.ne, sizeof(r.ne));
    r.data = f.tensor_data(t);
    r.n_bytes = t.n_bytes;
    m->tensors.push_back(std::move(r));
  }
  SLIM_ASSIGN_OR_RETURN(m->arch, load_arch(f, lookup_in(*m)));
  SLIM_ASSIGN_OR_RETURN(m->tokenizer, Tokenizer::from_gguf(f));
  SLIM_TRY(finish_load(*m));
  return m;
}

// tokenizer.bin or tok<N>.bin beside the checkpoint.
std::string find_llama2c_tokenizer(const std::string& checkpoint, int32_t vocab) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(checkpoint).parent_path();
  for (const std::string& name :
       {"tok" + std::to_string(vocab) + ".bin", std::string("tokenizer.bin")}) {
    std::error_code ec;
    if (fs::is_regular_file(dir / name, ec)) return (dir / name).string();
  }
  return {};
}

Result<std::unique_ptr<Model::Impl>> load_llama2c(MappedFile file, const std::string& path,
                                                  const ModelParams& params) {
  auto m = std::make_unique<Model::Impl>();
  m->checkpoint = std::move(file);
  m->info.format = "llama2c";
  m->info.file_bytes = m->checkpoint.size();
  auto ck = llama2c::parse(m->checkpoint.data(), m->checkpoint.size());
  if (!ck) {
    return Status(
        ck.status().code(),
        ck.status().message() + " (not a GGUF file either: GGUF files start with 'GGUF')");
  }
  for (const llama2c::Tensor& t : ck->tensors) {
    TensorRef r;
    r.name = t.name;
    r.type = TensorType::kF32;
    r.n_dims = t.n_dims;
    r.ne[0] = t.ne[0];
    r.ne[1] = t.ne[1];
    r.data = reinterpret_cast<const uint8_t*>(t.data);
    r.n_bytes = t.ne[0] * t.ne[1] * sizeof(float);
    if (r.name == "output.weight" && ck->config.shared_classifier) continue;  // tied head
    m->tensors.push_back(std::move(r));
  }
  SLIM_ASSIGN_OR_RETURN(m->arch, load_llama2c_model(ck->config, lookup_in(*m)));
  std::string tok_path = params.tokenizer_path.empty()
                             ? find_llama2c_tokenizer(path, ck->config.vocab_size)
                             : params.tokenizer_path;
  if (tok_path.empty()) {
    return not_found("llama2.c checkpoint '" + path +
                     "' needs a tokenizer: put tokenizer.bin (or tok" +
                     std::to_string(ck->config.vocab_size) + ".bin) beside it or pass its path");
  }
  auto tok_file = MappedFile::open(tok_path);
  if (!tok_file) return tok_file.status();
  auto tok = Tokenizer::from_llama2c(tok_file->data(), tok_file->size(), ck->config.vocab_size);
  if (!tok) return tok.status().with_context(tok_path);
  m->tokenizer = std::move(tok).value();
  SLIM_TRY(finish_load(*m));
  return m;
}

}  // namespace

const TensorRef* Model::Impl::find_tensor(std::string_view name) const {
  for (const TensorRef& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Model::Impl::~Impl() = default;

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

Result<std::shared_ptr<const Model>> Model::load(const std::string& path,
                                                 const ModelParams& params) {
  if (hf::is_hf_folder(path)) {
    auto impl = load_hf_folder(path);
    if (!impl) return impl.status().with_context(path);
    return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(impl).value()));
  }
  auto file = MappedFile::open(path);
  if (!file) return file.status();
  Result<std::unique_ptr<Impl>> impl = Status(StatusCode::kInternal, "unset");
  if (file->size() >= 4 && std::memcmp(file->data(), "GGUF", 4) == 0) {
    file = MappedFile();  // GgufFile maps it again and owns that mapping
    auto g = gguf::GgufFile::open(path);
    if (!g) return g.status();
    impl = load_gguf(std::make_unique<gguf::GgufFile>(std::move(g).value()));
  } else {
    impl = load_llama2c(std::move(file).value(), path, params);
  }
  if (!impl) return impl.status().with_context(path);
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(impl).value()));
}

Result<std::shared_ptr<const Model>> Model::load_from_memory(const uint8_t* data, size_t size) {
  auto g = gguf::GgufFile::from_memory(data, size);
  if (!g) return g.status();
  auto impl = load_gguf(std::make_unique<gguf::GgufFile>(std::move(g).value()));
  if (!impl) return impl.status();
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(impl).value()));
}

const ModelInfo& Model::info() const {
  return impl_->info;
}

std::vector<TensorSummary> Model::tensors() const {
  std::vector<TensorSummary> out;
  for (const TensorRef& t : impl_->tensors) {
    TensorSummary s;
    s.name = t.name;
    s.type = std::string(type_name(t.type));
    s.shape.assign(t.ne, t.ne + t.n_dims);
    s.bytes = t.n_bytes;
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<int32_t>> Model::tokenize(std::string_view text, bool add_bos,
                                             bool parse_special) const {
  return impl_->tokenizer->encode(text, add_bos, parse_special);
}

std::string Model::token_piece(int32_t id) const {
  return impl_->tokenizer->piece(id);
}
std::string Model::detokenize(const std::vector<int32_t>& ids) const {
  return impl_->tokenizer->decode(ids);
}
bool Model::is_end_of_generation(int32_t id) const {
  return impl_->tokenizer->is_eog(id);
}
bool Model::add_bos_default() const {
  return impl_->tokenizer->add_bos_default();
}

}  // namespace slim
