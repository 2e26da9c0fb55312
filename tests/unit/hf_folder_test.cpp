// Hugging Face folders end to end, for every architecture (random checkpoints written by
// tests/ref/make_hf_checkpoint.py):
//  - `Model::load(HF_DIR)` runs the folder directly: logits after every position match the
//    independent numpy reference (tests/ref/hf_forward_ref.py, Hugging Face equations) within
//    1e-4 relative error, and the greedy chain follows the reference's argmaxes;
//  - `slim convert` (toolkit::convert_hf_folder, F32) writes a GGUF whose tensors are byte for byte
//    those of the independent Python converter tests/ref/make_gguf.py (same names, shapes and
//    layouts: GPT-2's transposes, Llama's q/k permutation, OPT's position table), whose
//    architecture metadata agrees with it, and which gives bit-identical logits to the folder;
//  - corrupt folders fail with messages naming the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "arch_ref_util.hpp"
#include "convert_hf.hpp"
#include "format/gguf.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim {
namespace {

constexpr size_t kVocab = 320;
constexpr double kTolerance = 1e-4;
const std::vector<int32_t> kPrompt = {2, 40, 117, 300, 5, 260, 263, 99, 200, 7};

class HfFolder : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>("slim_hffolder_");
    ASSERT_TRUE(test::make_checkpoint_and_gguf(GetParam(), *dir_, dir_->file("py.gguf")));
  }
  std::string hf() const { return dir_->file("hf"); }

  static std::vector<std::vector<float>> run(const std::shared_ptr<const Model>& m,
                                             const std::vector<int32_t>& toks) {
    SessionParams p;
    p.n_threads = 1;
    auto s = Session::create(m, p);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    std::vector<std::vector<float>> out;
    if (!s.is_ok()) return out;
    for (int32_t t : toks) {
      EXPECT_TRUE((*s)->eval({t}).is_ok());
      out.emplace_back((*s)->logits(), (*s)->logits() + kVocab);
    }
    return out;
  }

  std::unique_ptr<test::TempDir> dir_;
};

std::shared_ptr<const Model> load(const std::string& path) {
  auto m = Model::load(path);
  EXPECT_TRUE(m.is_ok()) << path << ": " << m.status().to_string();
  return m.is_ok() ? *m : nullptr;
}

TEST_P(HfFolder, FolderRunsAndMatchesTheNumpyReference) {
  const test::RefLogits ref = test::run_hf_reference(*dir_, kPrompt, 6, kVocab);
  ASSERT_EQ(ref.tokens.size(), kPrompt.size() + 6);
  auto m = load(hf());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->info().format, "hf-safetensors");
  const auto got = run(m, ref.tokens);
  ASSERT_EQ(got.size(), ref.tokens.size());
  double worst = 0;
  for (size_t p = 0; p < got.size(); ++p) {
    const double e = test::relative_error(got[p].data(), ref.row(p), kVocab);
    worst = std::max(worst, e);
    EXPECT_LE(e, kTolerance) << "position " << p;
  }
  std::printf("[ report ] %-6s HF folder: max relative logit error vs numpy %.3g\n", GetParam(),
              worst);
  // The reference's greedy chain: the argmax after each prompt-and-chain position.
  for (size_t p = kPrompt.size() - 1; p + 1 < ref.tokens.size(); ++p) {
    const int32_t a = test::argmax(got[p].data(), kVocab);
    if (a != ref.tokens[p + 1]) {
      const float* r = ref.row(p);
      EXPECT_LE(std::fabs(r[a] - r[ref.tokens[p + 1]]), 2 * kTolerance * std::fabs(r[a]));
      break;
    }
  }
}

TEST_P(HfFolder, ConvertMatchesThePythonConverterAndTheFolder) {
  const std::string out = dir_->file("slim.gguf");
  toolkit::HfConvertOptions o;
  o.type = "F32";
  std::vector<std::string> notes;
  Status st = toolkit::convert_hf_folder(hf(), out, o, nullptr, &notes);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_FALSE(std::filesystem::exists(out + ".hf.tmp"));

  auto ours = gguf::GgufFile::open(out);
  auto py = gguf::GgufFile::open(dir_->file("py.gguf"));
  ASSERT_TRUE(ours.is_ok()) << ours.status().to_string();
  ASSERT_TRUE(py.is_ok()) << py.status().to_string();
  // Same tensor set, shapes and bytes (1-D tensors are F32 in both).
  ASSERT_EQ(ours->tensors().size(), py->tensors().size());
  for (const gguf::TensorInfo& p : py->tensors()) {
    const gguf::TensorInfo* o2 = ours->find_tensor(p.name);
    ASSERT_NE(o2, nullptr) << p.name;
    EXPECT_EQ(o2->type, p.type) << p.name;
    EXPECT_EQ(o2->n_dims, p.n_dims) << p.name;
    for (int d = 0; d < 4; ++d) EXPECT_EQ(o2->ne[d], p.ne[d]) << p.name << " dim " << d;
    ASSERT_EQ(o2->n_bytes, p.n_bytes) << p.name;
    EXPECT_EQ(std::memcmp(ours->tensor_data(*o2), py->tensor_data(p), p.n_bytes), 0) << p.name;
  }
  // Every {arch}.* and tokenizer key the Python converter wrote, with the same value.
  for (const gguf::KeyValue& kv : py->metadata()) {
    const std::string key(kv.key);
    if (key.rfind("general.", 0) == 0) continue;
    const gguf::Value* v = ours->find(key);
    ASSERT_NE(v, nullptr) << key;
    if (kv.value.type == gguf::ValueType::kArray) {
      EXPECT_EQ(v->items.size(), kv.value.items.size()) << key;
      continue;
    }
    double a = 0, b = 0;
    if (kv.value.as_float(&a)) {
      ASSERT_TRUE(v->as_float(&b)) << key;
      EXPECT_FLOAT_EQ(static_cast<float>(a), static_cast<float>(b)) << key;
    } else if (kv.value.type == gguf::ValueType::kString) {
      EXPECT_EQ(v->str, kv.value.str) << key;
    }
  }
  EXPECT_EQ(*ours->get_string("general.architecture"), *py->get_string("general.architecture"));

  // The folder, our GGUF and the Python GGUF give bit-identical logits.
  std::vector<int32_t> toks = kPrompt;
  const auto a = run(load(hf()), toks);
  const auto b = run(load(out), toks);
  const auto c = run(load(dir_->file("py.gguf")), toks);
  ASSERT_EQ(a.size(), toks.size());
  ASSERT_EQ(b.size(), toks.size());
  ASSERT_EQ(c.size(), toks.size());
  for (size_t p = 0; p < toks.size(); ++p) {
    EXPECT_EQ(std::memcmp(a[p].data(), b[p].data(), kVocab * 4), 0) << "position " << p;
    EXPECT_EQ(std::memcmp(b[p].data(), c[p].data(), kVocab * 4), 0) << "position " << p;
  }
  // Tokenizer: the folder's and the converted file's agree on text.
  const std::string text = "Once upon a time there was a little girl. 123 <|x|> \xc3\xa9t\xc3\xa9";
  auto ta = load(hf())->tokenize(text, false, false);
  auto tb = load(out)->tokenize(text, false, false);
  ASSERT_TRUE(ta.is_ok() && tb.is_ok());
  EXPECT_EQ(*ta, *tb);
}

// The same weights as pytorch_model.bin (torch.save's zip + pickle, tests/ref/hf_to_torch.py)
// give bit-identical logits.
TEST_P(HfFolder, PytorchFolderGivesTheSameLogits) {
  const std::vector<int32_t> toks = kPrompt;
  const auto want = run(load(hf()), toks);
  ASSERT_TRUE(test::run_ref("hf_to_torch.py", "'" + hf() + "'"));
  ASSERT_FALSE(std::filesystem::exists(hf() + "/model.safetensors"));
  auto m = load(hf());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->info().format, "hf-pytorch");
  const auto got = run(m, toks);
  ASSERT_EQ(got.size(), want.size());
  for (size_t p = 0; p < got.size(); ++p) {
    EXPECT_EQ(std::memcmp(got[p].data(), want[p].data(), kVocab * 4), 0) << "position " << p;
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, HfFolder,
                         ::testing::Values("llama", "qwen2", "gpt2", "opt", "opt350"));

TEST(HfFolderErrors, CorruptFoldersNameTheProblem) {
  test::TempDir dir("slim_hfbad_");
  ASSERT_TRUE(test::run_ref("make_hf_checkpoint.py", "gpt2 '" + dir.file("hf") + "'"));
  const std::string cfg = dir.file("hf") + "/config.json";
  const std::string good = test::read_text(cfg);
  auto expect_error = [&](const std::string& config, const std::string& substring) {
    std::ofstream(cfg, std::ios::binary | std::ios::trunc) << config;
    auto m = Model::load(dir.file("hf"));
    ASSERT_FALSE(m.is_ok()) << substring;
    EXPECT_NE(m.status().message().find(substring), std::string::npos) << m.status().to_string();
  };
  std::string wrong_layers = good;
  const size_t at = wrong_layers.find("\"n_layer\"");
  ASSERT_NE(at, std::string::npos);
  wrong_layers.replace(at, 9, "\"n_layer\": 7, \"x_layer\"");
  expect_error(wrong_layers, "h.3.ln_1.weight");  // the first missing layer is named
  expect_error("{\"architectures\": [\"T5ForConditionalGeneration\"]}",
               "T5ForConditionalGeneration");
  expect_error("not json", "config.json");
  std::ofstream(cfg, std::ios::binary | std::ios::trunc) << good;
  std::filesystem::remove(dir.file("hf") + "/model.safetensors");
  auto m = Model::load(dir.file("hf"));
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("model.safetensors"), std::string::npos);
}

}  // namespace
}  // namespace slim
