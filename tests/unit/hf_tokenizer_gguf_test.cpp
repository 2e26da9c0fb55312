// HF tokenizer -> GGUF tokenizer metadata (src/hf/tokenizer_gguf.cpp). The reference is
// llama.cpp's own conversion of the same GPT-2 files: ../shared/tokenizer-vectors/
// ggml-vocab-gpt-2.gguf. Our export of ../shared/tokenizers/gpt2 must hold the same tokens,
// types, merges and special ids, and tokenize every published vector the same way.
#include <gtest/gtest.h>

#include <fstream>

#include "format/gguf.hpp"
#include "format/gguf_writer.hpp"
#include "hf/tokenizer_gguf.hpp"
#include "tokenizer_vectors.hpp"

namespace slim::hf {
namespace {

const std::string kShared = SLIM_SHARED_DIR;

std::vector<std::string> strings(const gguf::GgufFile& f, const std::string& key) {
  std::vector<std::string> out;
  auto a = f.get_array(key, gguf::ValueType::kString);
  EXPECT_TRUE(a.is_ok()) << key;
  if (!a.is_ok()) return out;
  for (const gguf::Value v : (*a)->items) out.emplace_back(v.str);
  return out;
}

TEST(HfTokenizerGguf, Gpt2MatchesLlamaCppConversion) {
  auto loaded = tok::load_hf_tokenizer_path(kShared + "/tokenizers/gpt2");
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  gguf::GgufWriter w;
  w.set_string("general.architecture", "gpt2");
  std::vector<std::string> notes;
  ASSERT_TRUE(put_tokenizer_metadata(*loaded, w, &notes).is_ok());
  auto bytes = w.write_to_memory();
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  auto ours = gguf::GgufFile::from_memory(bytes->data(), bytes->size());
  ASSERT_TRUE(ours.is_ok()) << ours.status().to_string();
  auto ref = gguf::GgufFile::open(kShared + "/tokenizer-vectors/ggml-vocab-gpt-2.gguf");
  ASSERT_TRUE(ref.is_ok());

  EXPECT_EQ(*ours->get_string("tokenizer.ggml.model"), *ref->get_string("tokenizer.ggml.model"));
  EXPECT_EQ(*ours->get_string("tokenizer.ggml.pre"), "gpt-2");
  EXPECT_EQ(*ref->get_string("tokenizer.ggml.pre"), "gpt-2");
  EXPECT_EQ(strings(*ours, "tokenizer.ggml.tokens"), strings(*ref, "tokenizer.ggml.tokens"));
  EXPECT_EQ(strings(*ours, "tokenizer.ggml.merges"), strings(*ref, "tokenizer.ggml.merges"));
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"}) {
    auto a = ours->get_uint(key, 1u << 30), b = ref->get_uint(key, 1u << 30);
    ASSERT_TRUE(a.is_ok() && b.is_ok()) << key;
    EXPECT_EQ(*a, *b) << key;
  }
  auto types_ours = ours->get_array("tokenizer.ggml.token_type", gguf::ValueType::kI32);
  auto types_ref = ref->get_array("tokenizer.ggml.token_type", gguf::ValueType::kI32);
  ASSERT_TRUE(types_ours.is_ok() && types_ref.is_ok());
  ASSERT_EQ((*types_ours)->items.size(), (*types_ref)->items.size());
  for (size_t i = 0; i < (*types_ref)->items.size(); ++i) {
    ASSERT_EQ((*types_ours)->items[i].num.i, (*types_ref)->items[i].num.i) << "token " << i;
  }

  // Same ids on every published vector, through the GGUF tokenizer loader.
  auto tok = Tokenizer::from_gguf(*ours);
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  const test::Vectors v = test::load_vectors(kShared + "/tokenizer-vectors/ggml-vocab-gpt-2.gguf");
  ASSERT_GT(v.inputs.size(), 10u);
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    auto ids = (*tok)->encode(v.inputs[i], false, false);
    ASSERT_TRUE(ids.is_ok());
    EXPECT_EQ(*ids, v.ids[i]) << "vector " << i;
  }
}

TEST(HfTokenizerGguf, RefusesWhatGgufCannotExpress) {
  // A tokenizer.json with ByteLevel(add_prefix_space = true).
  const std::string json = R"({"version": "1.0", "added_tokens": [],
    "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
                      "use_regex": true},
    "post_processor": null, "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})";
  auto loaded = tok::load_hf_tokenizer_json(json, "tokenizer.json");
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  gguf::GgufWriter w;
  Status st = put_tokenizer_metadata(*loaded, w, nullptr);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("prefix space"), std::string::npos) << st.to_string();
}

}  // namespace
}  // namespace slim::hf
