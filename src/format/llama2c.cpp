#include "format/llama2c.hpp"

#include <cstring>

#include "core/checked.hpp"

namespace slim::llama2c {

namespace {

constexpr int32_t kMaxDim = 1 << 16;
constexpr int32_t kMaxLayers = 1024;
constexpr int32_t kMaxVocab = 1 << 22;
constexpr int32_t kMaxSeq = 1 << 22;

Status bad(const std::string& m) {
  return corrupt("llama2.c checkpoint: " + m);
}

Status validate(const Config& c) {
  // "n_heads 16 out of range (must be 1..dim 8)": name the limit that was broken.
  auto check = [](const char* name, int32_t v, int32_t hi, const std::string& hi_name) {
    if (v > 0 && v <= hi) return Status::ok();
    return bad(std::string(name) + " " + std::to_string(v) + " out of range (must be 1.." +
               hi_name + std::to_string(hi) + ")");
  };
  SLIM_TRY(check("dim", c.dim, kMaxDim, ""));
  SLIM_TRY(check("hidden_dim", c.hidden_dim, kMaxDim * 8, ""));
  SLIM_TRY(check("n_layers", c.n_layers, kMaxLayers, ""));
  SLIM_TRY(check("n_heads", c.n_heads, c.dim, "dim "));
  SLIM_TRY(check("n_kv_heads", c.n_kv_heads, c.n_heads, "n_heads "));
  SLIM_TRY(check("vocab_size", c.vocab_size, kMaxVocab, ""));
  SLIM_TRY(check("seq_len", c.seq_len, kMaxSeq, ""));
  const std::string d = std::to_string(c.dim), h = std::to_string(c.n_heads);
  if (c.dim % c.n_heads != 0) return bad("dim " + d + " is not a multiple of n_heads " + h);
  if (c.n_heads % c.n_kv_heads != 0) {
    return bad("n_heads " + h + " is not a multiple of n_kv_heads " + std::to_string(c.n_kv_heads));
  }
  if ((c.dim / c.n_heads) % 2 != 0) {
    return bad("head size " + std::to_string(c.dim / c.n_heads) + " (dim " + d + " / n_heads " + h +
               ") must be even for RoPE");
  }
  return Status::ok();
}

}  // namespace

Result<Checkpoint> parse(const uint8_t* data, size_t size) {
  if (size < kHeaderBytes)
    return bad("file has " + std::to_string(size) + " bytes, smaller than the 28-byte header");
  if (reinterpret_cast<uintptr_t>(data) % alignof(float) != 0)
    return invalid_argument("llama2.c: buffer not 4-byte aligned");
  int32_t h[7];
  std::memcpy(h, data, sizeof(h));
  Checkpoint ck;
  Config& c = ck.config;
  c = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[5] > 0};
  if (h[5] == INT32_MIN) return bad("vocab_size out of range");
  c.vocab_size = h[5] < 0 ? -h[5] : h[5];
  SLIM_TRY(validate(c));

  const uint64_t dim = static_cast<uint64_t>(c.dim), hidden = static_cast<uint64_t>(c.hidden_dim);
  const uint64_t head_size = dim / static_cast<uint64_t>(c.n_heads);
  const uint64_t kv_dim = head_size * static_cast<uint64_t>(c.n_kv_heads);
  const uint64_t vocab = static_cast<uint64_t>(c.vocab_size);
  const uint64_t layers = static_cast<uint64_t>(c.n_layers);

  // Walk the file in run.c's order; `pos` counts floats after the header.
  uint64_t pos = 0;
  const uint64_t n_floats = (size - kHeaderBytes) / sizeof(float);
  const float* base = reinterpret_cast<const float*>(data + kHeaderBytes);
  bool overflow = false;
  auto take = [&](uint64_t count) {
    uint64_t start = pos;
    if (!checked_add(pos, count, &pos)) overflow = true;
    return start;
  };
  auto add = [&](std::string name, uint64_t ne0, uint64_t ne1, uint64_t start) {
    Tensor t;
    t.name = std::move(name);
    t.n_dims = ne1 == 1 ? 1 : 2;
    t.ne[0] = ne0;
    t.ne[1] = ne1;
    t.data = base + start;
    ck.tensors.push_back(std::move(t));
  };
  const uint64_t off_emb = take(vocab * dim);
  const uint64_t off_att_norm = take(layers * dim);
  const uint64_t off_wq = take(layers * dim * dim);
  const uint64_t off_wk = take(layers * dim * kv_dim);
  const uint64_t off_wv = take(layers * dim * kv_dim);
  const uint64_t off_wo = take(layers * dim * dim);
  const uint64_t off_ffn_norm = take(layers * dim);
  const uint64_t off_w1 = take(layers * dim * hidden);
  const uint64_t off_w2 = take(layers * hidden * dim);
  const uint64_t off_w3 = take(layers * dim * hidden);
  const uint64_t off_norm = take(dim);
  take(static_cast<uint64_t>(c.seq_len) *
       head_size);  // freq_cis_real + freq_cis_imag (unused: RoPE is computed)
  const uint64_t off_cls = c.shared_classifier ? off_emb : take(vocab * dim);
  uint64_t need_bytes = 0;
  if (overflow || !checked_mul(pos, sizeof(float), &need_bytes) ||
      !checked_add(need_bytes, kHeaderBytes, &need_bytes)) {
    return bad("header implies an impossible size");
  }
  if (pos != n_floats || (size - kHeaderBytes) % sizeof(float) != 0) {
    return bad("file has " + std::to_string(size) + " bytes but its header (dim " +
               std::to_string(c.dim) + ", layers " + std::to_string(c.n_layers) + ", vocab " +
               std::to_string(c.vocab_size) + (c.shared_classifier ? "" : ", separate classifier") +
               ") implies " + std::to_string(need_bytes));
  }

  add("token_embd.weight", dim, vocab, off_emb);
  for (uint64_t l = 0; l < layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", dim, 1, off_att_norm + l * dim);
    add(p + "attn_q.weight", dim, dim, off_wq + l * dim * dim);
    add(p + "attn_k.weight", dim, kv_dim, off_wk + l * dim * kv_dim);
    add(p + "attn_v.weight", dim, kv_dim, off_wv + l * dim * kv_dim);
    add(p + "attn_output.weight", dim, dim, off_wo + l * dim * dim);
    add(p + "ffn_norm.weight", dim, 1, off_ffn_norm + l * dim);
    add(p + "ffn_gate.weight", dim, hidden, off_w1 + l * dim * hidden);
    add(p + "ffn_down.weight", hidden, dim, off_w2 + l * hidden * dim);
    add(p + "ffn_up.weight", dim, hidden, off_w3 + l * dim * hidden);
  }
  add("output_norm.weight", dim, 1, off_norm);
  add("output.weight", dim, vocab, off_cls);
  return ck;
}

}  // namespace slim::llama2c
