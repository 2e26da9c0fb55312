#include "tokenizer/tokenizer.hpp"

#include "format/gguf.hpp"
#include "tokenizer/bpe.hpp"
#include "tokenizer/spm.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer/vocab.hpp"
#include "tokenizer/wordpiece.hpp"

namespace slim {

Result<std::shared_ptr<const Tokenizer>> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  const gguf::Value* model = file.find("tokenizer.ggml.model");
  if (model == nullptr)
    return not_found("tokenizer: GGUF has no tokenizer (tokenizer.ggml.model is missing)");
  if (model->type != gguf::ValueType::kString) {
    return corrupt(std::string("tokenizer: tokenizer.ggml.model is ") +
                   gguf::value_type_name(model->type) + ", expected string");
  }
  if (model->str == "gpt2") return tok::load_bpe_tokenizer_gguf(file);  // byte-level BPE
  if (model->str == "bert") {                                           // WordPiece
    SLIM_ASSIGN_OR_RETURN(auto wp, tok::load_wordpiece_tokenizer_gguf(file));
    return std::shared_ptr<const Tokenizer>(std::move(wp));
  }
  if (model->str != "llama") {
    std::string name(model->str.substr(0, 64));
    return unsupported("tokenizer: tokenizer.ggml.model '" + name +
                       "' is not supported (only 'llama', SentencePiece, 'gpt2', " +
                       "byte-level BPE, and 'bert', WordPiece, so far)");
  }
  SLIM_ASSIGN_OR_RETURN(tok::Vocab vocab, tok::load_spm_vocab_gguf(file));
  return std::shared_ptr<const Tokenizer>(std::make_shared<tok::SpmTokenizer>(std::move(vocab)));
}

Result<std::shared_ptr<const Tokenizer>> Tokenizer::from_llama2c(const uint8_t* data, size_t size,
                                                                 int32_t vocab_size) {
  SLIM_ASSIGN_OR_RETURN(tok::Vocab vocab, tok::load_spm_vocab_llama2c(data, size, vocab_size));
  return std::shared_ptr<const Tokenizer>(std::make_shared<tok::SpmTokenizer>(std::move(vocab)));
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  StreamDecoder d(*this);
  std::string out;
  for (const int32_t id : ids) out += d.push(id);
  out += d.flush();
  return out;
}

std::string StreamDecoder::push(int32_t id) {
  if (id >= 0 && id == tok_.bos_id()) {
    at_start_ = true;  // the text after BOS starts a new sequence
    return {};
  }
  std::string piece = tok_.piece(id);
  if (piece.empty()) return {};
  size_t skip = 0;
  if (at_start_ && tok_.strips_leading_space() && piece[0] == ' ') skip = 1;
  at_start_ = false;
  pending_.append(piece, skip, std::string::npos);

  // Emit everything up to a trailing incomplete (but so far well-formed) sequence. Invalid
  // bytes are passed through one at a time rather than held.
  const auto* p = reinterpret_cast<const uint8_t*>(pending_.data());
  const size_t n = pending_.size();
  size_t i = 0;
  while (i < n) {
    const utf8::SeqInfo info = utf8::inspect(p + i, n - i);
    if (info.incomplete) break;
    i += info.len;
  }
  std::string out = pending_.substr(0, i);
  pending_.erase(0, i);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace slim
