// Session::truncate (used by `slim chat` to reuse the common prefix of a re-rendered
// conversation): after dropping tokens and evaluating others, the logits are bit-identical to
// a fresh session that evaluated the same tokens, and bad arguments are errors.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim {
namespace {

TEST(SessionTruncate, ReusedPrefixGivesIdenticalLogits) {
  auto model = Model::load(std::string(SLIM_SHARED_DIR) + "/models/stories260K/stories260K.gguf");
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  const std::vector<int32_t> prefix = {1, 403, 407, 261, 378, 432};
  const std::vector<int32_t> detour = {383, 286, 261, 376};
  const std::vector<int32_t> tail = {298, 315, 421};

  SessionParams sp;
  sp.n_ctx = 64;
  sp.n_threads = 1;
  auto fresh = Session::create(*model, sp);
  ASSERT_TRUE(fresh.is_ok());
  std::vector<int32_t> all = prefix;
  all.insert(all.end(), tail.begin(), tail.end());
  ASSERT_TRUE((*fresh)->eval(all).is_ok());

  auto reused = Session::create(*model, sp);
  ASSERT_TRUE(reused.is_ok());
  std::vector<int32_t> first = prefix;
  first.insert(first.end(), detour.begin(), detour.end());
  ASSERT_TRUE((*reused)->eval(first).is_ok());
  ASSERT_TRUE((*reused)->truncate(static_cast<int32_t>(prefix.size())).is_ok());
  EXPECT_EQ((*reused)->n_past(), static_cast<int32_t>(prefix.size()));
  EXPECT_EQ((*reused)->context_tokens(), prefix);
  ASSERT_TRUE((*reused)->eval(tail).is_ok());
  EXPECT_EQ((*reused)->context_tokens(), all);

  const int32_t n = (*fresh)->n_vocab();
  ASSERT_NE((*fresh)->logits(), nullptr);
  ASSERT_NE((*reused)->logits(), nullptr);
  EXPECT_EQ(
      std::memcmp((*fresh)->logits(), (*reused)->logits(), sizeof(float) * static_cast<size_t>(n)),
      0);

  EXPECT_FALSE((*reused)->truncate(-1).is_ok());
  EXPECT_FALSE((*reused)->truncate((*reused)->n_past() + 1).is_ok());
  EXPECT_TRUE((*reused)->truncate((*reused)->n_past()).is_ok());
  EXPECT_TRUE((*reused)->truncate(0).is_ok());
  EXPECT_EQ((*reused)->n_past(), 0);
}

}  // namespace
}  // namespace slim
