// HfWeights folder logic: which file a folder resolves to (safetensors preferred, as
// transformers does), single-file sniffing, and the errors for empty or missing folders.

#include "format/hf_weights.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "hf_expected.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

namespace fs = std::filesystem;

std::string data(const std::string& rel) {
  return std::string(SLIM_TEST_DATA_DIR) + "/" + rel;
}

TEST(HfWeights, PrefersSafetensorsOverPytorch) {
  test::TempDir dir("slim_hfw_");
  fs::copy_file(data("torch/valid/tiny.bin"), dir.file("pytorch_model.bin"));
  auto pt = hf::HfWeights::open_dir(dir.file(""));
  ASSERT_TRUE(pt.is_ok()) << pt.status().to_string();
  EXPECT_EQ(pt->format(), "pytorch");
  test::expect_weights(*pt, test::load_expected(data("torch/valid/tiny.expected")));

  fs::copy_file(data("safetensors/valid/small.safetensors"), dir.file("model.safetensors"));
  auto st = hf::HfWeights::open_dir(dir.file(""));
  ASSERT_TRUE(st.is_ok()) << st.status().to_string();
  EXPECT_EQ(st->format(), "safetensors");
  test::expect_weights(*st, test::load_expected(data("safetensors/valid/small.expected")));
}

TEST(HfWeights, ShardedSafetensorsPreferredOverSinglePytorch) {
  test::TempDir dir("slim_hfw_");
  for (const auto& e : fs::directory_iterator(data("safetensors/valid/sharded")))
    fs::copy_file(e.path(), dir.file(e.path().filename().string()));
  fs::copy_file(data("torch/valid/tiny.bin"), dir.file("pytorch_model.bin"));
  auto w = hf::HfWeights::open_dir(dir.file(""));
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w->format(), "safetensors");
  EXPECT_EQ(w->tensors().size(), 4u);
}

TEST(HfWeights, EmptyOrMissingFolder) {
  test::TempDir dir("slim_hfw_");
  auto w = hf::HfWeights::open_dir(dir.file(""));
  ASSERT_FALSE(w.is_ok());
  EXPECT_EQ(w.status().code(), StatusCode::kNotFound);
  EXPECT_NE(w.status().message().find("holds no model.safetensors"), std::string::npos);
  auto m = hf::HfWeights::open_dir(dir.file("nope"));
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  auto f = hf::HfWeights::open_file(dir.file("nope.bin"));
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
}

TEST(HfWeights, OpenFileSniffsTheFormat) {
  test::TempDir dir("slim_hfw_");
  // A torch zip under a .safetensors-looking name is still read as a torch checkpoint.
  fs::copy_file(data("torch/valid/tiny.bin"), dir.file("weights.safetensors"));
  auto w = hf::HfWeights::open_file(dir.file("weights.safetensors"));
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w->format(), "pytorch");
}

TEST(HfWeights, MovesKeepViewsValid) {
  auto w = hf::HfWeights::open_file(data("safetensors/valid/small.safetensors"));
  ASSERT_TRUE(w.is_ok());
  const uint8_t* p = w->tensors()[0].data;
  hf::HfWeights moved = std::move(w.value());
  ASSERT_NE(moved.find("model.embed_tokens.weight"), nullptr);
  EXPECT_EQ(moved.find("model.embed_tokens.weight")->data, p);
  test::expect_weights(moved, test::load_expected(data("safetensors/valid/small.expected")));
}

}  // namespace
}  // namespace slim
