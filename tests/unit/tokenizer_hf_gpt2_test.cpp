// GPT-2 from Hugging Face files: ../shared/tokenizers/gpt2 (vocab.json + merges.txt) must
// give exactly the ids of ../shared/tokenizer-vectors/ggml-vocab-gpt-2.gguf (and of the
// published .out vectors) on every vector string and on the whole WikiText-2 test file; a
// tokenizer.json written from the same two files (both merges spellings) must too.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_writer.hpp"
#include "slim/tokenizer.hpp"

#include "tokenizer_vectors.hpp"

namespace slim {
namespace {

const std::string kShared = SLIM_SHARED_DIR;
const std::string kGpt2Dir = kShared + "/tokenizers/gpt2";
const std::string kGpt2Gguf = kShared + "/tokenizer-vectors/ggml-vocab-gpt-2.gguf";

using test::load_vectors;
using test::read_text;
using test::Vectors;

bool have_shared() {
  return std::ifstream(kGpt2Dir + "/vocab.json").good() && std::ifstream(kGpt2Gguf).good();
}

std::shared_ptr<const StandaloneTokenizer> must(
    Result<std::shared_ptr<const StandaloneTokenizer>> r) {
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : nullptr;
}

std::vector<int32_t> enc(const StandaloneTokenizer& t, const std::string& text) {
  auto r = t.encode(text, false, false);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : std::vector<int32_t>{};
}

// Every vector string gives the published ids, the same as the GGUF, and decodes back.
void expect_same_as_gguf(const StandaloneTokenizer& hf, const StandaloneTokenizer& gguf) {
  const Vectors v = load_vectors(kGpt2Gguf);
  ASSERT_GT(v.inputs.size(), 10u);
  ASSERT_EQ(v.inputs.size(), v.ids.size());
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    SCOPED_TRACE("vector " + std::to_string(i));
    const auto got = enc(hf, v.inputs[i]);
    EXPECT_EQ(got, v.ids[i]);
    EXPECT_EQ(got, enc(gguf, v.inputs[i]));
    EXPECT_EQ(hf.decode(got), v.inputs[i]);
  }
}

TEST(TokenizerHfGpt2, VocabMergesMatchesGgufOnVectors) {
  if (!have_shared()) FAIL() << "../shared not found";
  auto hf = must(StandaloneTokenizer::load(kGpt2Dir));
  auto gguf = must(StandaloneTokenizer::load(kGpt2Gguf));
  ASSERT_TRUE(hf && gguf);
  EXPECT_EQ(hf->info().source, "vocab.json+merges.txt");
  EXPECT_EQ(hf->info().model, "gpt2");
  ASSERT_EQ(hf->vocab_size(), gguf->vocab_size());
  for (int32_t id = 0; id < hf->vocab_size(); ++id) {
    ASSERT_EQ(hf->token_text(id), gguf->token_text(id)) << id;
    ASSERT_EQ(hf->token_kind(id), gguf->token_kind(id)) << id;
  }
  // GPT-2 adds no BOS; <|endoftext|> is BOS and EOS.
  EXPECT_FALSE(hf->info().add_bos);
  EXPECT_EQ(hf->info().bos_id, 50256);
  EXPECT_EQ(hf->info().eos_id, 50256);
  EXPECT_TRUE(hf->is_end_of_generation(50256));
  auto with_bos = hf->encode("Hello", true, false);
  ASSERT_TRUE(with_bos.is_ok());
  EXPECT_EQ(*with_bos, (std::vector<int32_t>{15496}));
  // The control token is only matched with parse_special.
  auto special = hf->encode("a<|endoftext|>", false, true);
  ASSERT_TRUE(special.is_ok());
  EXPECT_EQ(special->back(), 50256);
  auto plain = hf->encode("a<|endoftext|>", false, false);
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(std::count(plain->begin(), plain->end(), 50256), 0);
  expect_same_as_gguf(*hf, *gguf);
}

TEST(TokenizerHfGpt2, VocabMergesMatchesGgufOnWikiText) {
  if (!have_shared()) FAIL() << "../shared not found";
  const std::string text = read_text(kShared + "/eval/wikitext-2/wiki.test.raw");
  ASSERT_GT(text.size(), 1000000u);
  auto hf = must(StandaloneTokenizer::load(kGpt2Dir + "/vocab.json"));
  auto gguf = must(StandaloneTokenizer::load(kGpt2Gguf));
  ASSERT_TRUE(hf && gguf);
  const auto a = enc(*hf, text);
  const auto b = enc(*gguf, text);
  ASSERT_GT(a.size(), 200000u);
  ASSERT_EQ(a.size(), b.size());
  size_t first_diff = a.size();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) {
      first_diff = i;
      break;
    }
  }
  EXPECT_EQ(first_diff, a.size()) << "first difference at token " << first_diff;
  EXPECT_EQ(hf->decode(a), text);
}

TEST(TokenizerHfGpt2, MergesTxtWithVersionLineAndFromMemory) {
  if (!have_shared()) FAIL() << "../shared not found";
  const std::string vocab = read_text(kGpt2Dir + "/vocab.json");
  const std::string merges = read_text(kGpt2Dir + "/merges.txt");
  auto plain = must(StandaloneTokenizer::from_vocab_merges(vocab, merges));
  auto versioned = must(StandaloneTokenizer::from_vocab_merges(vocab, "#version: 0.2\n" + merges));
  std::string crlf;
  for (const char c : merges) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto windows = must(StandaloneTokenizer::from_vocab_merges(vocab, crlf));
  ASSERT_TRUE(plain && versioned && windows);
  const std::string text = "The quick brown fox jumped over the lazy dog's 1234 tail!\n\n  ok";
  EXPECT_EQ(enc(*plain, text), enc(*versioned, text));
  EXPECT_EQ(enc(*plain, text), enc(*windows, text));
  // Without merges every byte stays its own token: the merges were really used.
  auto no_merges = must(StandaloneTokenizer::from_vocab_merges(vocab, ""));
  ASSERT_TRUE(no_merges);
  EXPECT_GT(enc(*no_merges, text).size(), enc(*plain, text).size());
}

// tokenizer.json for GPT-2 written from vocab.json + merges.txt, as Hugging Face saves it.
std::string gpt2_tokenizer_json(bool array_merges) {
  const std::string vocab = read_text(kGpt2Dir + "/vocab.json");
  const std::string merges = read_text(kGpt2Dir + "/merges.txt");
  JsonWriter w;
  w.begin_object();
  w.key("version").value("1.0");
  w.key("truncation").null();
  w.key("padding").null();
  w.key("added_tokens").begin_array().begin_object();
  w.key("id").value(int64_t{50256}).key("content").value("<|endoftext|>");
  w.key("single_word").value(false).key("lstrip").value(false).key("rstrip").value(false);
  w.key("normalized").value(true).key("special").value(true);
  w.end_object().end_array();
  w.key("normalizer").null();
  w.key("pre_tokenizer").begin_object();
  w.key("type").value("ByteLevel").key("add_prefix_space").value(false);
  w.key("trim_offsets").value(true).key("use_regex").value(true).end_object();
  w.key("post_processor").begin_object();
  w.key("type").value("ByteLevel").key("add_prefix_space").value(true);
  w.key("trim_offsets").value(false).key("use_regex").value(true).end_object();
  w.key("decoder").begin_object();
  w.key("type").value("ByteLevel").key("add_prefix_space").value(true);
  w.key("trim_offsets").value(true).key("use_regex").value(true).end_object();
  w.key("model").begin_object();
  w.key("type").value("BPE").key("dropout").null().key("unk_token").null();
  w.key("continuing_subword_prefix").value("").key("end_of_word_suffix").value("");
  w.key("fuse_unk").value(false).key("byte_fallback").value(false);
  w.key("vocab").value("@VOCAB@");
  w.key("merges").begin_array();
  std::istringstream lines(merges);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    if (array_merges) {
      const size_t sp = line.find(' ');
      w.begin_array().value(line.substr(0, sp)).value(line.substr(sp + 1)).end_array();
    } else {
      w.value(line);
    }
  }
  w.end_array().end_object().end_object();
  std::string out = w.str();
  const size_t at = out.find("\"@VOCAB@\"");
  out.replace(at, 9, vocab);  // vocab.json is already the right JSON object
  return out;
}

TEST(TokenizerHfGpt2, TokenizerJsonBothMergeFormsMatchGguf) {
  if (!have_shared()) FAIL() << "../shared not found";
  auto gguf = must(StandaloneTokenizer::load(kGpt2Gguf));
  ASSERT_TRUE(gguf);
  for (const bool array_merges : {false, true}) {
    SCOPED_TRACE(array_merges ? "[a, b] merges" : "\"a b\" merges");
    auto hf = must(StandaloneTokenizer::from_tokenizer_json(gpt2_tokenizer_json(array_merges)));
    ASSERT_TRUE(hf);
    EXPECT_EQ(hf->info().source, "tokenizer.json");
    EXPECT_EQ(hf->token_kind(50256), TokenKind::kControl);
    expect_same_as_gguf(*hf, *gguf);
  }
}

}  // namespace
}  // namespace slim
