// The GGUF reader on a real file: ../shared/models/stories260K/stories260K.gguf.
// References: the listing written by the independent stdlib parser in
// tests/ref/make_corrupt_gguf.py (tests/data/corrupt/gguf/shared/stories260K.gguf.expect), the
// llama2.c header of the same model (../shared/models/llama2c-stories260K/stories260K.bin), and
// that checkpoint's raw float tables.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "format/gguf.hpp"
#include "format/llama2c.hpp"

#include "test_util.hpp"

namespace slim::gguf {
namespace {

using test::shared_dir;
std::string gguf_path() {
  return shared_dir() + "/models/stories260K/stories260K.gguf";
}
std::string llama2c_path() {
  return shared_dir() + "/models/llama2c-stories260K/stories260K.bin";
}

using test::read_bytes_checked;

#define REQUIRE_SHARED_MODELS()                                                              \
  do {                                                                                       \
    if (!std::filesystem::exists(gguf_path()) || !std::filesystem::exists(llama2c_path())) { \
      FAIL() << "shared models not found under " << shared_dir();                      \
    }                                                                                        \
  } while (0)

// The llama2.c header, read directly: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab,
// seq_len.
struct Header {
  int32_t dim, hidden, layers, heads, kv_heads, vocab, seq_len;
};
Header llama2c_header(const std::vector<uint8_t>& bin) {
  Header h{};
  EXPECT_GE(bin.size(), sizeof(h));
  std::memcpy(&h, bin.data(), sizeof(h));
  return h;
}

uint64_t fnv1a64(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hex64(uint64_t x, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*llx", digits, static_cast<unsigned long long>(x));
  return buf;
}

// Canonical value text as defined in tests/ref/make_corrupt_gguf.py.
std::string canon_full(const Value& v) {
  const std::string tn = value_type_name(v.type);
  switch (v.type) {
    case ValueType::kU8:
    case ValueType::kU16:
    case ValueType::kU32:
    case ValueType::kU64:
    case ValueType::kBool:
      return tn + ":" + std::to_string(v.num.u);
    case ValueType::kI8:
    case ValueType::kI16:
    case ValueType::kI32:
    case ValueType::kI64:
      return tn + ":" + std::to_string(v.num.i);
    case ValueType::kF32: {
      const float f = static_cast<float>(v.num.f);
      uint32_t bits = 0;
      std::memcpy(&bits, &f, 4);
      return "f32:0x" + hex64(bits, 8);
    }
    case ValueType::kF64: {
      uint64_t bits = 0;
      std::memcpy(&bits, &v.num.f, 8);
      return "f64:0x" + hex64(bits, 16);
    }
    case ValueType::kString: {
      std::string out = "str:";
      for (unsigned char c : v.str) out += hex64(c, 2);
      return out;
    }
    case ValueType::kArray: {
      std::string out = std::string("arr:") + value_type_name(v.elem_type) + "[";
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i != 0) out += ",";
        out += canon_full(v.items[i]);
      }
      return out + "]";
    }
  }
  return "?";
}

std::string canon(const Value& v) {
  const std::string s = canon_full(v);
  if (s.size() <= 256) return s;
  return "fnv:" + hex64(fnv1a64(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 16);
}

TEST(GgufReader, Stories260KMetadata) {
  REQUIRE_SHARED_MODELS();
  const Header h = llama2c_header(read_bytes_checked(llama2c_path()));
  ASSERT_EQ(h.dim, 64);  // the brief's numbers, as a sanity check of the reference itself
  ASSERT_EQ(h.hidden, 172);
  ASSERT_EQ(h.layers, 5);
  ASSERT_EQ(h.heads, 8);
  ASSERT_EQ(h.kv_heads, 4);
  ASSERT_EQ(h.vocab, 512);

  auto f = GgufFile::open(gguf_path());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->file_size(), std::filesystem::file_size(gguf_path()));
  auto arch = f->get_string("general.architecture");
  ASSERT_TRUE(arch.is_ok()) << arch.status().to_string();
  EXPECT_EQ(*arch, "llama");

  auto u = [&](const char* key) {
    auto r = f->get_uint(key, UINT32_MAX);
    EXPECT_TRUE(r.is_ok()) << key << ": " << r.status().to_string();
    return r.is_ok() ? static_cast<int64_t>(*r) : -1;
  };
  EXPECT_EQ(u("llama.embedding_length"), h.dim);
  EXPECT_EQ(u("llama.feed_forward_length"), h.hidden);
  EXPECT_EQ(u("llama.block_count"), h.layers);
  EXPECT_EQ(u("llama.attention.head_count"), h.heads);
  EXPECT_EQ(u("llama.attention.head_count_kv"), h.kv_heads);
  EXPECT_EQ(u("llama.rope.dimension_count"), h.dim / h.heads);
  EXPECT_EQ(u("tokenizer.ggml.bos_token_id"), 1);
  EXPECT_EQ(u("tokenizer.ggml.eos_token_id"), 2);
  auto eps = f->get_float("llama.attention.layer_norm_rms_epsilon");
  ASSERT_TRUE(eps.is_ok());
  EXPECT_GT(*eps, 0.0);
  EXPECT_LT(*eps, 1e-3);

  auto tokens = f->get_array("tokenizer.ggml.tokens", ValueType::kString);
  ASSERT_TRUE(tokens.is_ok()) << tokens.status().to_string();
  EXPECT_EQ((*tokens)->items.size(), static_cast<size_t>(h.vocab));
  auto scores = f->get_array("tokenizer.ggml.scores", ValueType::kF32);
  ASSERT_TRUE(scores.is_ok()) << scores.status().to_string();
  EXPECT_EQ((*scores)->items.size(), static_cast<size_t>(h.vocab));
  auto types = f->get_array("tokenizer.ggml.token_type", ValueType::kI32);
  ASSERT_TRUE(types.is_ok()) << types.status().to_string();
  EXPECT_EQ((*types)->items.size(), static_cast<size_t>(h.vocab));
}

// Everything the reader reports agrees with the independent Python parser's listing.
TEST(GgufReader, Stories260KMatchesIndependentParser) {
  REQUIRE_SHARED_MODELS();
  const std::string expect_path =
      std::string(SLIM_TEST_DATA_DIR) + "/corrupt/gguf/shared/stories260K.gguf.expect";
  std::ifstream in(expect_path);
  ASSERT_TRUE(in.good()) << expect_path;
  std::vector<std::string> expect;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) expect.push_back(line);
  }
  ASSERT_GT(expect.size(), 60u);

  auto f = GgufFile::open(gguf_path());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  std::vector<std::string> got;
  got.push_back("version " + std::to_string(f->version()));
  got.push_back("alignment " + std::to_string(f->alignment()));
  got.push_back("data_offset " + std::to_string(f->data_offset()));
  got.push_back("n_kv " + std::to_string(f->metadata().size()));
  got.push_back("n_tensors " + std::to_string(f->tensors().size()));
  for (const KeyValue& kv : f->metadata())
    got.push_back("kv " + std::string(kv.key) + " " + canon(kv.value));
  for (const TensorInfo& t : f->tensors()) {
    std::string line = "tensor " + std::string(t.name) + " " +
                       std::to_string(static_cast<uint32_t>(t.type)) + " " +
                       std::to_string(t.n_dims);
    for (uint64_t ne : t.ne) line += " " + std::to_string(ne);
    line += " " + std::to_string(t.offset) + " " + std::to_string(t.n_bytes) + " " +
            hex64(fnv1a64(f->tensor_data(t), t.n_bytes), 16);
    got.push_back(line);
  }
  EXPECT_EQ(got, expect);
}

// Names, shapes and types follow from the llama2.c header of the same model.
TEST(GgufReader, Stories260KTensorShapesFollowFromTheLlama2cHeader) {
  REQUIRE_SHARED_MODELS();
  const Header h = llama2c_header(read_bytes_checked(llama2c_path()));
  const uint64_t dim = static_cast<uint64_t>(h.dim), hidden = static_cast<uint64_t>(h.hidden);
  const uint64_t kv_dim = dim / static_cast<uint64_t>(h.heads) * static_cast<uint64_t>(h.kv_heads);
  const uint64_t vocab = static_cast<uint64_t>(h.vocab);
  std::map<std::string, std::vector<uint64_t>> want = {{"token_embd.weight", {dim, vocab}},
                                                       {"output_norm.weight", {dim}},
                                                       {"output.weight", {dim, vocab}}};
  for (int l = 0; l < h.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    want[p + "attn_norm.weight"] = {dim};
    want[p + "attn_q.weight"] = {dim, dim};
    want[p + "attn_k.weight"] = {dim, kv_dim};
    want[p + "attn_v.weight"] = {dim, kv_dim};
    want[p + "attn_output.weight"] = {dim, dim};
    want[p + "ffn_norm.weight"] = {dim};
    want[p + "ffn_gate.weight"] = {dim, hidden};
    want[p + "ffn_down.weight"] = {hidden, dim};
    want[p + "ffn_up.weight"] = {dim, hidden};
  }
  auto f = GgufFile::open(gguf_path());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->tensors().size(), want.size());
  ASSERT_EQ(want.size(), 48u);
  for (const TensorInfo& t : f->tensors()) {
    SCOPED_TRACE(std::string(t.name));
    auto it = want.find(std::string(t.name));
    ASSERT_NE(it, want.end()) << "unexpected tensor";
    const std::vector<uint64_t>& shape = it->second;
    ASSERT_EQ(t.n_dims, shape.size());
    uint64_t n = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      EXPECT_EQ(t.ne[d], shape[d]);
      n *= shape[d];
    }
    EXPECT_EQ(t.type, TensorType::kF32);
    EXPECT_EQ(t.n_elements, n);
    EXPECT_EQ(t.n_bytes, n * 4);
    EXPECT_EQ(f->find_tensor(t.name), &t);
  }
}

// Both files hold the same trained weights: the embedding table is byte-identical to the
// checkpoint's first table (read directly after the 28-byte header), and every other tensor is
// byte-identical to the llama2.c reader's view of the same-named tensor.
TEST(GgufReader, Stories260KTensorDataEqualsTheLlama2cCheckpoint) {
  REQUIRE_SHARED_MODELS();
  const std::vector<uint8_t> bin = read_bytes_checked(llama2c_path());
  const Header h = llama2c_header(bin);
  auto f = GgufFile::open(gguf_path());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();

  const TensorInfo* emb = f->find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  const size_t emb_bytes =
      static_cast<size_t>(h.vocab) * static_cast<size_t>(h.dim) * sizeof(float);
  ASSERT_EQ(emb->n_bytes, emb_bytes);
  ASSERT_GE(bin.size(), 28 + emb_bytes);
  EXPECT_EQ(std::memcmp(f->tensor_data(*emb), bin.data() + 28, emb_bytes), 0);
  // The checkpoint shares its classifier with the embedding; the GGUF stores a copy.
  const TensorInfo* out = f->find_tensor("output.weight");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(std::memcmp(f->tensor_data(*out), bin.data() + 28, emb_bytes), 0);

  auto ck = llama2c::parse(bin.data(), bin.size());
  ASSERT_TRUE(ck.is_ok()) << ck.status().to_string();
  ASSERT_EQ(ck->tensors.size(), f->tensors().size());
  for (const llama2c::Tensor& t : ck->tensors) {
    SCOPED_TRACE(t.name);
    const TensorInfo* g = f->find_tensor(t.name);
    ASSERT_NE(g, nullptr);
    ASSERT_EQ(g->ne[0], t.ne[0]);
    ASSERT_EQ(g->ne[1], t.ne[1]);
    ASSERT_EQ(g->n_bytes, t.ne[0] * t.ne[1] * sizeof(float));
    EXPECT_EQ(std::memcmp(f->tensor_data(*g), t.data, static_cast<size_t>(g->n_bytes)), 0);
  }
}

// open() (mmap) and from_memory() see the same file.
TEST(GgufReader, Stories260KOpenAndFromMemoryAgree) {
  REQUIRE_SHARED_MODELS();
  const std::vector<uint8_t> bytes = read_bytes_checked(gguf_path());
  auto a = GgufFile::open(gguf_path());
  auto b = GgufFile::from_memory(bytes.data(), bytes.size());
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(a->data_offset(), b->data_offset());
  ASSERT_EQ(a->metadata().size(), b->metadata().size());
  for (size_t i = 0; i < a->metadata().size(); ++i) {
    EXPECT_EQ(a->metadata()[i].key, b->metadata()[i].key);
    EXPECT_EQ(canon(a->metadata()[i].value), canon(b->metadata()[i].value));
  }
  ASSERT_EQ(a->tensors().size(), b->tensors().size());
  for (size_t i = 0; i < a->tensors().size(); ++i) {
    const TensorInfo& x = a->tensors()[i];
    const TensorInfo& y = b->tensors()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(b->tensor_data(y), bytes.data() + b->data_offset() + y.offset);
    EXPECT_EQ(std::memcmp(a->tensor_data(x), b->tensor_data(y), static_cast<size_t>(x.n_bytes)), 0);
  }
}

}  // namespace
}  // namespace slim::gguf
