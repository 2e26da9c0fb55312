// PyTorch checkpoints: genuine-format torch.save zips written with the stdlib
// (tests/ref/make_torch_fixtures.py) read back bit-exactly (tied weights, storage offsets,
// protocol 4, ZIP64, _rebuild_parameter), and the restricted unpickler refusing every
// malicious or broken pickle with the expected message — without running any of them.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "format/hf_weights.hpp"
#include "format/pickle.hpp"
#include "format/torch_checkpoint.hpp"
#include "format/zip_reader.hpp"
#include "hf_expected.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

constexpr const char* kMarker = "/tmp/slim_pickle_pwned_marker";  // what the payloads touch

std::string data_dir() {
  return std::string(SLIM_TEST_DATA_DIR) + "/torch";
}

class TorchValid : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchValid, ReadsBackBitExactly) {
  const std::string base = data_dir() + "/valid/" + GetParam();
  auto w = hf::HfWeights::open_file(base + ".bin");
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w->format(), "pytorch");
  test::expect_weights(*w, test::load_expected(base + ".expected"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TorchValid,
                         ::testing::Values("small", "small_zip64", "small_proto4", "parameter",
                                           "tiny"));

TEST(TorchCheckpoint, TiedWeightsAndOffsetsViewOneStorage) {
  auto ck = torch::Checkpoint::open(data_dir() + "/valid/small.bin");
  ASSERT_TRUE(ck.is_ok()) << ck.status().to_string();
  EXPECT_EQ(ck->root(), "archive");
  const auto& t = ck->tensors();
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0].name, "transformer.wte.weight");
  EXPECT_EQ(t[1].name, "lm_head.weight");
  EXPECT_EQ(t[0].data, t[1].data);  // tied: the same bytes, not a copy
  EXPECT_EQ(t[0].storage_key, t[1].storage_key);
  EXPECT_EQ(t[5].name, "view");
  EXPECT_EQ(t[6].name, "head");
  EXPECT_EQ(t[5].storage_key, t[6].storage_key);
  EXPECT_EQ(t[5].data, t[6].data + 4 * 4);  // storage offset 4 floats
  EXPECT_EQ(t[4].dtype, "I64");
}

TEST(TorchCheckpoint, ShardedFolder) {
  const std::string dir = data_dir() + "/valid/sharded";
  auto w = hf::HfWeights::open_dir(dir);
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w->format(), "pytorch");
  EXPECT_EQ(w->files().size(), 2u);
  test::expect_weights(*w, test::load_expected(dir + "/expected.txt"));
}

TEST(TorchPickle, MaliciousAndBrokenPicklesRejected) {
  const std::string dir = data_dir() + "/pickle";
  const auto manifest = test::load_manifest(dir + "/MANIFEST.txt");
  EXPECT_GE(manifest.size(), 30u);
  for (const auto& m : manifest) {
    SCOPED_TRACE(m.file);
    const auto bytes = test::read_bytes(dir + "/" + m.file);
    test::ExactBuffer buf(bytes.data(), bytes.size());
    auto r = pickle::load_state_dict(buf.data.get(), buf.size, m.file);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(status_code_name(r.status().code()), m.status);
    EXPECT_NE(r.status().message().find(m.substring), std::string::npos) << r.status().message();
  }
}

TEST(TorchCheckpoint, CorruptCorpusGivesExpectedErrors) {
  const std::string dir = data_dir() + "/corrupt";
  const auto manifest = test::load_manifest(dir + "/MANIFEST.txt");
  EXPECT_GE(manifest.size(), 60u);
  for (const auto& m : manifest) {
    SCOPED_TRACE(m.file);
    const auto bytes = test::read_bytes(dir + "/" + m.file);
    test::ExactBuffer buf(bytes.data(), bytes.size());
    auto r = torch::Checkpoint::from_memory(buf.data.get(), buf.size, m.file);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(status_code_name(r.status().code()), m.status) << r.status().message();
    EXPECT_NE(r.status().message().find(m.substring), std::string::npos) << r.status().message();
    auto w = hf::HfWeights::open_file(dir + "/" + m.file);
    ASSERT_FALSE(w.is_ok());
  }
}

// The attack payloads touch kMarker when Python unpickles them (make_torch_fixtures.py checks
// that); loading every one of them here must leave no marker behind.
TEST(TorchPickle, NothingIsExecuted) {
  std::filesystem::remove(kMarker);
  for (const char* sub : {"/pickle", "/corrupt"}) {
    const std::string dir = data_dir() + sub;
    for (const auto& m : test::load_manifest(dir + "/MANIFEST.txt")) {
      const auto bytes = test::read_bytes(dir + "/" + m.file);
      if (bytes.empty()) continue;
      (void)pickle::load_state_dict(bytes.data(), bytes.size());
      (void)torch::Checkpoint::from_memory(bytes.data(), bytes.size());
      (void)hf::HfWeights::open_file(dir + "/" + m.file);
    }
  }
  ::usleep(200 * 1000);  // a spawned process would have had time to run
  EXPECT_FALSE(std::filesystem::exists(kMarker));
}

TEST(TorchCheckpoint, EveryTruncationFailsCleanly) {
  const auto bytes = test::read_bytes_checked(data_dir() + "/valid/tiny.bin");
  for (size_t n = 0; n < bytes.size(); ++n) {
    test::ExactBuffer buf(bytes.data(), n);
    auto r = torch::Checkpoint::from_memory(buf.data.get(), n);
    ASSERT_FALSE(r.is_ok()) << "prefix of " << n << " bytes accepted";
  }
  // ... and every truncation of its pickle.
  test::ExactBuffer full(bytes.data(), bytes.size());
  auto zip = zip::Archive::parse(full.data.get(), full.size);
  ASSERT_TRUE(zip.is_ok()) << zip.status().to_string();
  const zip::Entry* pkl = zip->find("archive/data.pkl");
  ASSERT_NE(pkl, nullptr);
  for (size_t n = 0; n < pkl->size; ++n) {
    test::ExactBuffer p(zip->entry_data(*pkl), n);
    auto r = pickle::load_state_dict(p.data.get(), n);
    ASSERT_FALSE(r.is_ok()) << "pickle prefix of " << n << " bytes accepted";
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
  }
  test::ExactBuffer p(zip->entry_data(*pkl), static_cast<size_t>(pkl->size));
  auto r = pickle::load_state_dict(p.data.get(), p.size);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->tensors.size(), 1u);
  EXPECT_EQ(r->storages[0].dtype, "F32");
  EXPECT_EQ(r->storages[0].numel, 6u);
}

TEST(TorchCheckpoint, ByteMutationsNeverCrash) {
  const auto bytes = test::read_bytes_checked(data_dir() + "/valid/tiny.bin");
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t x : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::vector<uint8_t> m = bytes;
      m[i] ^= x;
      test::ExactBuffer buf(m.data(), m.size());
      auto r = torch::Checkpoint::from_memory(buf.data.get(), buf.size);
      if (r.is_ok()) {
        for (const auto& t : r->tensors()) EXPECT_LE(t.data + t.n_bytes, buf.data.get() + buf.size);
      }
    }
  }
}

TEST(TorchPickle, OpcodeNames) {
  EXPECT_EQ(pickle::opcode_name('R'), "REDUCE");
  EXPECT_EQ(pickle::opcode_name(0x93), "STACK_GLOBAL");
  EXPECT_EQ(pickle::opcode_name(0xff), "");
}

}  // namespace
}  // namespace slim
