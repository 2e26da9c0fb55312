// libFuzzer target for the PyTorch checkpoint reader: the input is fed both to the restricted
// unpickler alone (pickle::load_state_dict) and to the whole zip + pickle reader
// (torch::Checkpoint::from_memory), each on an exact heap copy. Failures must be clean
// Status values; successes must hand out only views inside the input (every byte is read).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "format/pickle.hpp"
#include "format/torch_checkpoint.hpp"

namespace {

volatile uint64_t g_sink;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size == 0 ? 1 : size]);
  if (size != 0) std::memcpy(copy.get(), data, size);

  auto sd = slim::pickle::load_state_dict(copy.get(), size);
  if (sd.is_ok()) {
    for (const auto& t : sd->tensors) {
      require(t.storage < sd->storages.size());
      require(t.shape.size() == t.stride.size());
    }
  } else {
    require(sd.status().code() == slim::StatusCode::kCorruptFile);
  }

  auto ck = slim::torch::Checkpoint::from_memory(copy.get(), size);
  if (!ck.is_ok()) {
    const auto c = ck.status().code();
    require(c == slim::StatusCode::kCorruptFile || c == slim::StatusCode::kUnsupported);
    return 0;
  }
  const uint8_t* end = copy.get() + size;
  for (const auto& t : ck->tensors()) {
    require(t.data >= copy.get() && t.data <= end);
    require(t.n_bytes <= static_cast<uint64_t>(end - t.data));
    uint64_t sum = 0;
    for (uint64_t i = 0; i < t.n_bytes; ++i) sum += t.data[i];
    g_sink = g_sink + sum;
  }
  return 0;
}
