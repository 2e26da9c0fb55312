// slim::StandaloneTokenizer: the tokenizers of src/tokenizer behind the public API.
#include <cstring>

#include "core/mapped_file.hpp"
#include "format/gguf.hpp"
#include "slim/tokenizer.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/wordpiece.hpp"

namespace slim {

class StandaloneTokenizer::Impl {
 public:
  std::shared_ptr<const Tokenizer> tok;
  TokenizerInfo info;
};

namespace {

Result<std::shared_ptr<const StandaloneTokenizer>> wrap(std::shared_ptr<const Tokenizer> tok,
                                                        bool add_eos, std::string source,
                                                        std::string path) {
  auto impl = std::make_unique<StandaloneTokenizer::Impl>();
  TokenizerInfo& i = impl->info;
  i.model = std::string(tok->model_name());
  i.source = std::move(source);
  i.path = std::move(path);
  i.n_vocab = tok->vocab_size();
  i.bos_id = tok->bos_id();
  i.eos_id = tok->eos_id();
  i.add_bos = tok->add_bos_default() && i.bos_id >= 0;
  i.add_eos = add_eos && i.eos_id >= 0;
  impl->tok = std::move(tok);
  return std::make_shared<const StandaloneTokenizer>(std::move(impl));
}

Result<std::shared_ptr<const StandaloneTokenizer>> from_gguf(const gguf::GgufFile& f,
                                                             std::string path) {
  SLIM_ASSIGN_OR_RETURN(std::shared_ptr<const Tokenizer> tok, Tokenizer::from_gguf(f));
  // Whether EOS follows the text: WordPiece keeps its own flag ([SEP]); the others follow
  // tokenizer.ggml.add_eos_token (false when absent or not a bool, as the loaders read it).
  bool add_eos = false;
  if (const auto* wp = dynamic_cast<const tok::WordPieceTokenizer*>(tok.get())) {
    add_eos = wp->add_sep_default();
  } else if (const gguf::Value* v = f.find("tokenizer.ggml.add_eos_token");
             v != nullptr && v->type == gguf::ValueType::kBool) {
    add_eos = v->num.u != 0;
  }
  return wrap(std::move(tok), add_eos, "gguf", std::move(path));
}

bool has_gguf_magic(const std::string& path) {
  auto f = MappedFile::open(path);
  if (!f.is_ok() || f->size() < 4) return false;
  uint32_t magic = 0;
  std::memcpy(&magic, f->data(), 4);
  return magic == gguf::kMagic;
}

}  // namespace

StandaloneTokenizer::StandaloneTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StandaloneTokenizer::~StandaloneTokenizer() = default;

Result<std::shared_ptr<const StandaloneTokenizer>> StandaloneTokenizer::load(
    const std::string& path) {
  if (path.empty()) return invalid_argument("tokenizer: empty path");
  if (has_gguf_magic(path)) {
    auto f = gguf::GgufFile::open(path);
    if (!f.is_ok()) return f.status();
    auto t = from_gguf(*f, path);
    if (!t.is_ok()) return t.status().with_context(path);
    return t;
  }
  SLIM_ASSIGN_OR_RETURN(tok::LoadedTokenizer lt, tok::load_hf_tokenizer_path(path));
  return wrap(std::move(lt.tokenizer), lt.add_eos, std::move(lt.source), path);
}

Result<std::shared_ptr<const StandaloneTokenizer>> StandaloneTokenizer::from_gguf_memory(
    const uint8_t* data, size_t size) {
  SLIM_ASSIGN_OR_RETURN(gguf::GgufFile f, gguf::GgufFile::from_memory(data, size));
  return from_gguf(f, "");
}

Result<std::shared_ptr<const StandaloneTokenizer>> StandaloneTokenizer::from_tokenizer_json(
    std::string_view json, std::string_view tokenizer_config_json) {
  tok::HfConfigText config;
  config.text = tokenizer_config_json;
  SLIM_ASSIGN_OR_RETURN(tok::LoadedTokenizer lt,
                        tok::load_hf_tokenizer_json(json, "tokenizer.json", config));
  return wrap(std::move(lt.tokenizer), lt.add_eos, std::move(lt.source), "");
}

Result<std::shared_ptr<const StandaloneTokenizer>> StandaloneTokenizer::from_vocab_merges(
    std::string_view vocab_json, std::string_view merges_txt) {
  SLIM_ASSIGN_OR_RETURN(
      tok::LoadedTokenizer lt,
      tok::load_hf_vocab_merges(vocab_json, "vocab.json", merges_txt, "merges.txt"));
  return wrap(std::move(lt.tokenizer), lt.add_eos, std::move(lt.source), "");
}

Result<std::vector<int32_t>> StandaloneTokenizer::encode(std::string_view text, bool add_bos,
                                                         bool parse_special) const {
  const TokenizerInfo& i = impl_->info;
  SLIM_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                        impl_->tok->encode(text, add_bos && i.add_bos, parse_special));
  if (add_bos && i.add_eos) ids.push_back(i.eos_id);
  return ids;
}

std::string StandaloneTokenizer::decode(const std::vector<int32_t>& ids) const {
  return impl_->tok->decode(ids);
}

std::string StandaloneTokenizer::token_piece(int32_t id) const {
  return impl_->tok->piece(id);
}

std::string StandaloneTokenizer::token_text(int32_t id) const {
  return std::string(impl_->tok->token_text(id));
}

TokenKind StandaloneTokenizer::token_kind(int32_t id) const {
  return static_cast<TokenKind>(impl_->tok->token_type(id));
}

bool StandaloneTokenizer::is_end_of_generation(int32_t id) const {
  return impl_->tok->is_eog(id);
}

const TokenizerInfo& StandaloneTokenizer::info() const {
  return impl_->info;
}

}  // namespace slim
