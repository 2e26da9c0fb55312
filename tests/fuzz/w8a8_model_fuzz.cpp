// libFuzzer target for loading a model from GGUF bytes, aimed at SlimLLM's W8A8 binding
// (seeded with tests/data/corrupt/w8a8): Model::load_from_memory on arbitrary bytes must fail
// cleanly or give a model that evaluates a token to finite-or-not logits without touching memory
// outside the input (ASan) or dividing by a zero scale (UBSan).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "slim/model.hpp"
#include "slim/session.hpp"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The model keeps pointers into the buffer: an exact-size copy so ASan sees overreads.
  std::unique_ptr<uint8_t[]> buf(new uint8_t[size > 0 ? size : 1]);
  for (size_t i = 0; i < size; ++i) buf[i] = data[i];
  auto model = slim::Model::load_from_memory(buf.get(), size);
  if (!model.is_ok()) {
    require(!model.status().message().empty());
    return 0;
  }
  const slim::ModelInfo& info = (*model)->info();
  // Keep the fuzzer's memory bounded: only small models are run.
  if (static_cast<uint64_t>(info.n_embd) * static_cast<uint64_t>(info.n_layer) > (1u << 16) ||
      info.n_ff > 4096 || info.n_vocab > 4096) {
    return 0;
  }
  slim::SessionParams sp;
  sp.n_ctx = 4;
  sp.n_threads = 1;
  sp.n_batch = 2;
  auto session = slim::Session::create(*model, sp);
  if (!session.is_ok()) return 0;
  const int32_t bos = info.bos_id >= 0 && info.bos_id < info.n_vocab ? info.bos_id : 0;
  require((*session)->eval({bos, 0}).is_ok());
  require((*session)->logits() != nullptr);
  return 0;
}
