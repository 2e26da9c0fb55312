// libFuzzer target for model loading: Model::load_from_memory on arbitrary bytes runs the GGUF
// reader and then every architecture's loader (registry -> hyper-parameters -> weight binding)
// and the tokenizer. A failure must be a clean Status; a model that loads must run a few
// tokens (every bound shape is then exercised by the forward pass) without touching memory
// outside the input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "slim/model.hpp"
#include "slim/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The model views the buffer: give it an exact-size copy so ASan sees any over-read.
  std::vector<uint8_t> buf(data, data + size);
  auto model = slim::Model::load_from_memory(buf.data(), buf.size());
  if (!model) return 0;
  const slim::ModelInfo& info = (*model)->info();
  // Keep the work bounded: fuzzed shapes may be large.
  if (static_cast<uint64_t>(info.n_embd) * static_cast<uint64_t>(info.n_layer) > (1u << 16) ||
      info.n_ff > (1 << 14) || info.n_vocab > (1 << 16)) {
    return 0;
  }
  slim::SessionParams p;
  p.n_ctx = info.n_ctx_train < 4 ? info.n_ctx_train : 4;
  p.n_threads = 1;
  p.n_batch = 2;
  auto session = slim::Session::create(*model, p);
  if (!session) return 0;
  std::vector<int32_t> toks;
  for (int32_t i = 0; i < p.n_ctx && i < 3; ++i) toks.push_back(i % info.n_vocab);
  (void)(*session)->eval(toks);
  return 0;
}
