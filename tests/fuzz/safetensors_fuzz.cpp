// libFuzzer target for the safetensors reader: File::from_memory on arbitrary bytes (an exact
// heap copy, so ASan sees any read past the end). A failure must be a clean Status; a success
// must hand out only views inside the input that tile the byte buffer, each of the size its
// shape and dtype imply (checked here independently of the reader), and every byte is read.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "format/safetensors.hpp"

namespace {

volatile uint64_t g_sink;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size == 0 ? 1 : size]);
  if (size != 0) std::memcpy(copy.get(), data, size);
  auto f = slim::safetensors::File::from_memory(copy.get(), size);
  if (!f.is_ok()) {
    const auto c = f.status().code();
    require(c == slim::StatusCode::kCorruptFile || c == slim::StatusCode::kUnsupported);
    require(!f.status().message().empty());
    return 0;
  }
  const uint8_t* end = copy.get() + size;
  uint64_t covered = 0;
  for (const auto& t : f->tensors()) {
    require(t.info != nullptr);
    unsigned __int128 elems = 1;
    for (uint64_t d : t.shape) elems *= d;
    require(elems * t.info->bytes == t.n_bytes);
    require(t.data >= copy.get() + 8 + f->header_bytes() && t.data <= end);
    require(t.n_bytes <= static_cast<uint64_t>(end - t.data));
    covered += t.n_bytes;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < t.n_bytes; ++i) sum += t.data[i];
    g_sink = g_sink + sum;
  }
  require(covered == size - 8 - f->header_bytes());
  return 0;
}
