// libFuzzer target for the llama2.c checkpoint reader: llama2c::parse on arbitrary bytes.
// A failure must be a clean corrupt_file Status; a success must describe a consistent model whose
// tensor views lie inside the input (every float is read, so ASan sees stray views).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "format/llama2c.hpp"

namespace {

volatile float g_sink;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check(const uint8_t* data, size_t size) {
  auto r = slim::llama2c::parse(data, size);
  if (!r.is_ok()) {
    require(r.status().code() == slim::StatusCode::kCorruptFile);
    require(!r.status().message().empty());
    return;
  }
  const slim::llama2c::Config& c = r->config;
  require(c.dim > 0 && c.hidden_dim > 0 && c.n_layers > 0 && c.n_heads > 0 && c.n_kv_heads > 0 &&
          c.vocab_size > 0 && c.seq_len > 0);
  require(c.dim % c.n_heads == 0 && c.n_heads % c.n_kv_heads == 0);
  require(r->tensors.size() == 9 * static_cast<size_t>(c.n_layers) + 3);
  const uint8_t* lo = data + slim::llama2c::kHeaderBytes;
  const uint8_t* hi = data + size;
  float sum = 0;
  for (const slim::llama2c::Tensor& t : r->tensors) {
    require(!t.name.empty() && t.ne[0] >= 1 && t.ne[1] >= 1);
    const uint64_t n = t.ne[0] * t.ne[1];
    const auto* p = reinterpret_cast<const uint8_t*>(t.data);
    require(p >= lo && p <= hi && n <= static_cast<uint64_t>(hi - p) / sizeof(float));
    for (uint64_t i = 0; i < n; ++i) sum += t.data[i];
  }
  g_sink = sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader needs 4-byte aligned input (a checkpoint is an array of int32 / f32); libFuzzer's
  // buffer normally is, but copy to an exact-size heap block if not.
  if (reinterpret_cast<uintptr_t>(data) % alignof(float) != 0) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[size == 0 ? 1 : size]);
    if (size != 0) std::memcpy(copy.get(), data, size);
    check(copy.get(), size);
    return 0;
  }
  check(data, size);
  return 0;
}
