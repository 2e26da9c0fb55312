// Tensor binding and metadata reads shared by every architecture's loader.
#include "model/weights.hpp"

#include "model/w8a8_bind.hpp"

#include "format/gguf.hpp"
#include "kernels/kernels.hpp"
#include "quant/quantize.hpp"

namespace slim {

Result<kernels::MatrixView> bind_matrix(const TensorLookup& lookup, const std::string& name,
                                        uint64_t cols, uint64_t rows) {
  const TensorRef* t = lookup(name);
  if (t == nullptr) return not_found("model has no tensor '" + name + "'");
  if (t->n_dims != 2 || t->ne[0] != cols || t->ne[1] != rows) {
    return corrupt("tensor '" + name + "' has shape [" + std::to_string(t->ne[0]) + ", " +
                   std::to_string(t->ne[1]) + "], expected [" + std::to_string(cols) + ", " +
                   std::to_string(rows) + "]");
  }
  if (kernels::vec_dot_for(t->type) == nullptr || kernels::dequantize_for(t->type) == nullptr) {
    return unsupported("tensor '" + name + "' has type " + std::string(type_name(t->type)) +
                       ", which this build cannot compute with yet");
  }
  kernels::MatrixView m;
  m.type = t->type;
  m.cols = cols;
  m.rows = rows;
  if (!row_bytes(t->type, cols, &m.row_bytes))
    return corrupt("tensor '" + name + "' rows do not fit its type");
  m.data = t->data;
  m.name = t->name;
  SLIM_TRY(bind_w8a8(lookup, &m));  // W8A8: activation scale and row-scale checks
  return m;
}

Result<std::vector<float>> bind_vector(const TensorLookup& lookup, const std::string& name,
                                       uint64_t n, bool optional) {
  const TensorRef* t = lookup(name);
  if (t == nullptr) {
    if (optional) return std::vector<float>{};
    return not_found("model has no tensor '" + name + "'");
  }
  if (t->n_dims != 1 || t->ne[0] != n) {
    return corrupt("tensor '" + name + "' must be 1-D of length " + std::to_string(n));
  }
  std::vector<float> v(static_cast<size_t>(n));
  Status st = dequantize_row(t->type, t->data, v.data(), v.size());
  if (!st) return st.with_context("tensor '" + name + "'");
  return v;
}

Result<Linear> bind_linear(const TensorLookup& lookup, const std::string& prefix, uint64_t cols,
                           uint64_t rows, Bias bias) {
  Linear l;
  SLIM_ASSIGN_OR_RETURN(l.w, bind_matrix(lookup, prefix + ".weight", cols, rows));
  if (bias != Bias::kNone) {
    SLIM_ASSIGN_OR_RETURN(l.b,
                          bind_vector(lookup, prefix + ".bias", rows, bias == Bias::kOptional));
  }
  return l;
}

Result<NormWeights> bind_layer_norm(const TensorLookup& lookup, const std::string& prefix,
                                    uint64_t n) {
  NormWeights nw;
  SLIM_ASSIGN_OR_RETURN(nw.weight, bind_vector(lookup, prefix + ".weight", n, false));
  SLIM_ASSIGN_OR_RETURN(nw.bias, bind_vector(lookup, prefix + ".bias", n, false));
  return nw;
}

Result<int32_t> gguf_i32(const gguf::GgufFile& f, const std::string& key, int64_t max) {
  auto v = f.get_uint(key, static_cast<uint64_t>(max));
  if (!v) return v.status();
  return static_cast<int32_t>(*v);
}

Result<int32_t> gguf_vocab_rows(const gguf::GgufFile& f) {
  const gguf::TensorInfo* emb = f.find_tensor("token_embd.weight");
  if (emb == nullptr && f.tensors().empty()) {
    // A metadata-only header (a Hugging Face folder, whose tensors stay in their own files):
    // {arch}.vocab_size, checked against the embedding's shape when it is bound.
    SLIM_ASSIGN_OR_RETURN(std::string_view arch, f.get_string("general.architecture"));
    return gguf_i32(f, std::string(arch) + ".vocab_size", kMaxModelVocab);
  }
  if (emb == nullptr) return not_found("model has no tensor 'token_embd.weight'");
  if (emb->n_dims != 2 || emb->ne[1] == 0 || emb->ne[1] > static_cast<uint64_t>(kMaxModelVocab)) {
    return corrupt("token_embd.weight must be 2-D with 1 to 4M rows");
  }
  return static_cast<int32_t>(emb->ne[1]);
}

}  // namespace slim
