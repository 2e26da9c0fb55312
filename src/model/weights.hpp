// Binding a model's tensors for a forward pass: presence, shape and type checks with messages
// that name the tensor, and validated reads of `{arch}.*` GGUF metadata.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/matmul.hpp"
#include "model/forward_pass.hpp"
#include "model/tensor_ref.hpp"
#include "slim/status.hpp"

namespace slim {

namespace gguf {
class GgufFile;
}

// Limits on hyper-parameters (hostile metadata must not make us allocate absurd amounts).
inline constexpr int64_t kMaxModelWidth = 1 << 17;
inline constexpr int64_t kMaxModelLayers = 1024;
inline constexpr int64_t kMaxModelVocab = 1 << 22;
inline constexpr int64_t kMaxModelCtx = 1 << 24;

// A 2-D weight of `rows` rows of `cols` elements (GGUF ne = [cols, rows]) of a type this build
// can compute with.
Result<kernels::MatrixView> bind_matrix(const TensorLookup& lookup, const std::string& name,
                                        uint64_t cols, uint64_t rows);
// A 1-D tensor (norm weight or bias) of length n, as floats; empty if optional and absent.
Result<std::vector<float>> bind_vector(const TensorLookup& lookup, const std::string& name,
                                       uint64_t n, bool optional);
// `prefix`.weight [cols, rows] and, if `bias` says so, `prefix`.bias [rows] (optional or required).
enum class Bias { kNone, kOptional, kRequired };
Result<Linear> bind_linear(const TensorLookup& lookup, const std::string& prefix, uint64_t cols,
                           uint64_t rows, Bias bias);
// `prefix`.weight and `prefix`.bias, both [n] (LayerNorm).
Result<NormWeights> bind_layer_norm(const TensorLookup& lookup, const std::string& prefix,
                                    uint64_t n);

// An unsigned metadata value in [0, max] as int32.
Result<int32_t> gguf_i32(const gguf::GgufFile& f, const std::string& key, int64_t max);
// The vocabulary size: rows of token_embd.weight (2-D, at most kMaxModelVocab rows).
Result<int32_t> gguf_vocab_rows(const gguf::GgufFile& f);

}  // namespace slim
