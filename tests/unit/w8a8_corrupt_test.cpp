// W8A8 loading corpus (tests/ref/make_corrupt_w8a8.py -> tests/data/corrupt/w8a8/): every corrupt
// file fails to load, from a path and from memory, with the status and message its manifest
// names; the valid one loads and runs. Plus the width limit of bind_w8a8.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/w8a8.hpp"
#include "model/w8a8_bind.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

std::string corpus_dir() {
  return std::string(SLIM_TEST_DATA_DIR) + "/corrupt/w8a8";
}

TEST(W8A8Corrupt, ManifestListsEveryFile) {
  const auto manifest = test::load_manifest(corpus_dir() + "/MANIFEST.txt");
  ASSERT_GE(manifest.size(), 12u);
  std::vector<std::string> listed;
  for (const auto& m : manifest) listed.push_back(m.file);
  listed.push_back("valid.gguf");
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, test::list_dir(corpus_dir(), ".gguf"));
}

TEST(W8A8Corrupt, EveryCorruptFileFailsNamingTheProblem) {
  for (const test::ManifestEntry& m : test::load_manifest(corpus_dir() + "/MANIFEST.txt")) {
    SCOPED_TRACE(m.file);
    const std::string path = corpus_dir() + "/" + m.file;
    auto from_path = Model::load(path);
    ASSERT_FALSE(from_path.is_ok());
    EXPECT_STREQ(status_code_name(from_path.status().code()), m.status.c_str());
    EXPECT_NE(from_path.status().message().find(m.substring), std::string::npos)
        << "message: " << from_path.status().message() << "\nexpected: " << m.substring;
    const std::vector<uint8_t> bytes = test::read_bytes_checked(path);
    auto from_mem = Model::load_from_memory(bytes.data(), bytes.size());
    ASSERT_FALSE(from_mem.is_ok());
    EXPECT_NE(from_mem.status().message().find(m.substring), std::string::npos)
        << "message: " << from_mem.status().message() << "\nexpected: " << m.substring;
  }
}

TEST(W8A8Corrupt, ValidFileLoadsAndRuns) {
  auto model = Model::load(corpus_dir() + "/valid.gguf");
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  EXPECT_EQ((*model)->info().file_type, "W8A8");
  auto session = Session::create(*model);
  ASSERT_TRUE(session.is_ok());
  ASSERT_TRUE((*session)->eval({1, 3, 3}).is_ok());
  for (int i = 0; i < (*session)->n_vocab(); ++i)
    EXPECT_TRUE(std::isfinite((*session)->logits()[i]));
}

TEST(W8A8Corrupt, RowsWiderThanTheIntegerSumLimitAreRefused) {
  const uint64_t cols = kernels::kW8A8MaxCols + 32;
  std::vector<uint8_t> row(4 + cols, 0);
  kernels::MatrixView m;
  m.type = TensorType::kW8A8;
  m.cols = cols;
  m.rows = 1;
  m.row_bytes = row.size();
  m.data = row.data();
  m.name = "wide.weight";
  const Status st = bind_w8a8([](std::string_view) { return nullptr; }, &m);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("at most 131072"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace slim
