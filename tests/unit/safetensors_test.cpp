// safetensors reader: numpy-written files (tests/ref/make_safetensors_fixtures.py) read back
// bit-exactly, a sharded folder, the corrupt corpus and bad-index folders with their expected
// messages, and every truncation of a valid file failing cleanly.

#include "format/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "format/hf_weights.hpp"
#include "hf_expected.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

std::string data_dir() {
  return std::string(SLIM_TEST_DATA_DIR) + "/safetensors";
}

TEST(Safetensors, ReadsNumpyWrittenFile) {
  auto f = safetensors::File::open(data_dir() + "/valid/small.safetensors");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->tensors().size(), 6u);
  ASSERT_EQ(f->metadata().size(), 1u);
  EXPECT_EQ(f->metadata()[0].first, "format");
  EXPECT_EQ(f->metadata()[0].second, "pt");
  const safetensors::TensorInfo* pos = f->find("position_ids");
  ASSERT_NE(pos, nullptr);
  EXPECT_EQ(pos->dtype, "I64");  // listed, though the engine does not read it
  EXPECT_FALSE(pos->info->supported);
  EXPECT_EQ(pos->shape, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(pos->n_bytes, 24u);
  int64_t v[3];
  std::memcpy(v, pos->data, sizeof(v));
  EXPECT_EQ(v[0], 0);
  EXPECT_EQ(v[2], 2);

  auto w = hf::HfWeights::open_file(data_dir() + "/valid/small.safetensors");
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w->format(), "safetensors");
  test::expect_weights(*w, test::load_expected(data_dir() + "/valid/small.expected"));
  ASSERT_EQ(w->skipped().size(), 1u);
  EXPECT_EQ(w->skipped()[0].dtype, "I64");
  EXPECT_EQ(w->find("nope"), nullptr);
  EXPECT_EQ(w->get("nope").status().code(), StatusCode::kNotFound);
}

TEST(Safetensors, UnalignedDataReadWithMemcpy) {
  auto w = hf::HfWeights::open_file(data_dir() + "/valid/unaligned.safetensors");
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  ASSERT_EQ(w->tensors().size(), 2u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w->tensors()[0].data) % 2, 1u);  // really unaligned
  test::expect_weights(*w, test::load_expected(data_dir() + "/valid/unaligned.expected"));
}

TEST(Safetensors, ShardedFolderInWeightMapOrder) {
  const std::string dir = data_dir() + "/valid/sharded";
  auto w = hf::HfWeights::open_dir(dir);
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w->format(), "safetensors");
  EXPECT_EQ(w->files().size(), 2u);
  test::expect_weights(*w, test::load_expected(dir + "/expected.txt"));
}

TEST(Safetensors, CorruptCorpusGivesExpectedErrors) {
  const std::string dir = data_dir() + "/corrupt";
  const auto manifest = test::load_manifest(dir + "/MANIFEST.txt");
  EXPECT_GE(manifest.size(), 25u);
  for (const auto& m : manifest) {
    SCOPED_TRACE(m.file);
    const auto bytes = test::read_bytes(dir + "/" + m.file);
    test::ExactBuffer buf(bytes.data(), bytes.size());
    auto f = safetensors::File::from_memory(buf.data.get(), buf.size, m.file);
    ASSERT_FALSE(f.is_ok());
    EXPECT_EQ(status_code_name(f.status().code()), m.status);
    EXPECT_NE(f.status().message().find(m.substring), std::string::npos) << f.status().message();
    EXPECT_NE(f.status().message().find(m.file), std::string::npos) << "names the input";
    auto w = hf::HfWeights::open_file(dir + "/" + m.file);  // the same through the mapping
    ASSERT_FALSE(w.is_ok());
    EXPECT_NE(w.status().message().find(m.substring), std::string::npos);
  }
}

TEST(Safetensors, BadIndexFolders) {
  const std::string dir = data_dir() + "/bad_index";
  const auto manifest = test::load_manifest(dir + "/MANIFEST.txt");
  EXPECT_GE(manifest.size(), 10u);
  for (const auto& m : manifest) {
    SCOPED_TRACE(m.file);
    auto w = hf::HfWeights::open_dir(dir + "/" + m.file);
    ASSERT_FALSE(w.is_ok());
    EXPECT_EQ(status_code_name(w.status().code()), m.status);
    EXPECT_NE(w.status().message().find(m.substring), std::string::npos) << w.status().message();
  }
}

TEST(Safetensors, EveryTruncationFailsCleanly) {
  const auto bytes = test::read_bytes_checked(data_dir() + "/valid/small.safetensors");
  ASSERT_GT(bytes.size(), 100u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    test::ExactBuffer buf(bytes.data(), n);
    auto f = safetensors::File::from_memory(buf.data.get(), n);
    ASSERT_FALSE(f.is_ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(f.status().code(), StatusCode::kCorruptFile) << f.status().to_string();
  }
  test::ExactBuffer full(bytes.data(), bytes.size());
  EXPECT_TRUE(safetensors::File::from_memory(full.data.get(), full.size).is_ok());
}

TEST(Safetensors, ByteMutationsNeverCrash) {
  const auto bytes = test::read_bytes_checked(data_dir() + "/valid/small.safetensors");
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t x : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::vector<uint8_t> m = bytes;
      m[i] ^= x;
      test::ExactBuffer buf(m.data(), m.size());
      auto f = safetensors::File::from_memory(buf.data.get(), buf.size);
      if (f.is_ok()) {
        for (const auto& t : f->tensors()) {
          EXPECT_LE(t.data + t.n_bytes, buf.data.get() + buf.size);
        }
      }
    }
  }
}

}  // namespace
}  // namespace slim
