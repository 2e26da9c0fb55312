// Streaming stop-string matcher.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sampling/stop_strings.hpp"

namespace slim {
namespace {

struct Transcript {
  std::string emitted;
  bool stopped = false;
  int32_t stop_index = -1;
};

Transcript feed_all(StopStringMatcher& m, const std::vector<std::string>& pieces) {
  Transcript r;
  for (const std::string& piece : pieces) {
    const StopFeedResult out = m.feed(piece);
    r.emitted += out.emit;
    if (out.stopped) {
      r.stopped = true;
      r.stop_index = out.stop_index;
    }
  }
  if (!r.stopped) r.emitted += m.flush();
  return r;
}

StopStringMatcher make(std::vector<std::string> stops) {
  auto m = StopStringMatcher::create(std::move(stops));
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return std::move(m).value();
}

TEST(SamplingStopStrings, MatchAcrossPieceBoundaries) {
  StopStringMatcher m = make({"o W"});
  StopFeedResult a = m.feed("He");
  EXPECT_EQ(a.emit, "He");
  EXPECT_FALSE(a.stopped);
  StopFeedResult b = m.feed("llo Wor");
  EXPECT_EQ(b.emit, "ll");
  EXPECT_EQ(a.emit + b.emit, "Hell");
  EXPECT_TRUE(b.stopped);
  EXPECT_EQ(b.stop_index, 0);
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.matched(), "o W");
  StopFeedResult c = m.feed("ld");
  EXPECT_EQ(c.emit, "");
  EXPECT_FALSE(c.stopped);  // reported once
  EXPECT_EQ(m.flush(), "");
}

TEST(SamplingStopStrings, HoldsBackPossibleStartThenReleasesIt) {
  StopStringMatcher m = make({"World"});
  StopFeedResult a = m.feed("Hello Wo");
  EXPECT_EQ(a.emit, "Hello ");
  EXPECT_EQ(m.held_size(), 2u);
  StopFeedResult b = m.feed("ah!");
  EXPECT_EQ(b.emit, "Woah!");
  EXPECT_FALSE(b.stopped);
  EXPECT_EQ(m.flush(), "");

  StopStringMatcher n = make({"World"});
  EXPECT_EQ(n.feed("Hello Wor").emit, "Hello ");
  EXPECT_EQ(n.flush(), "Wor");  // end of generation releases the tail
  EXPECT_FALSE(n.stopped());
}

TEST(SamplingStopStrings, ResultDoesNotDependOnSplit) {
  const std::string text = "abcabdabcxx<|end|>tail";
  const std::vector<std::string> stops = {"abcx", "<|end|>", "zz"};
  for (size_t cut1 = 0; cut1 <= text.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= text.size(); ++cut2) {
      StopStringMatcher m = make(stops);
      const Transcript r =
          feed_all(m, {text.substr(0, cut1), text.substr(cut1, cut2 - cut1), text.substr(cut2)});
      EXPECT_TRUE(r.stopped);
      EXPECT_EQ(r.emitted, "abcabd") << cut1 << " " << cut2;
      EXPECT_EQ(r.stop_index, 0);
    }
  }
  // Byte by byte.
  StopStringMatcher m = make(stops);
  std::vector<std::string> bytes;
  for (char c : std::string("xx<|en|><|end|>")) bytes.emplace_back(1, c);
  const Transcript r = feed_all(m, bytes);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emitted, "xx<|en|>");
  EXPECT_EQ(r.stop_index, 1);
}

TEST(SamplingStopStrings, SelfOverlappingStopString) {
  // KMP fallback: "aab" inside "aaab", and "abab" after a false start "ababa".
  StopStringMatcher m = make({"aab"});
  Transcript r = feed_all(m, {"a", "a", "a", "b", "c"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emitted, "a");

  StopStringMatcher n = make({"abab"});
  r = feed_all(n, {"xab", "aab", "ab", "zz"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emitted, "xaba");
}

TEST(SamplingStopStrings, EarliestEndWinsThenLongest) {
  StopStringMatcher m = make({"abcd", "bc"});
  Transcript r = feed_all(m, {"xabcd"});
  EXPECT_EQ(r.emitted, "xa");
  EXPECT_EQ(r.stop_index, 1);

  StopStringMatcher n = make({"c", "abc"});
  r = feed_all(n, {"zab", "c"});
  EXPECT_EQ(r.emitted, "z");
  EXPECT_EQ(r.stop_index, 1);
  EXPECT_EQ(n.matched(), "abc");
}

TEST(SamplingStopStrings, NoStopsPassesEverythingThrough) {
  StopStringMatcher m = make({});
  EXPECT_EQ(m.feed("Hello").emit, "Hello");
  EXPECT_EQ(m.held_size(), 0u);
  EXPECT_EQ(m.feed("").emit, "");
  EXPECT_EQ(m.flush(), "");
}

TEST(SamplingStopStrings, ResetAndUtf8) {
  StopStringMatcher m = make({"\xC3\xA9t\xC3\xA9"});  // "été"
  Transcript r = feed_all(m, {"caf\xC3", "\xA9 \xC3\xA9", "t\xC3\xA9!"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emitted, "caf\xC3\xA9 ");
  m.reset();
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.matched(), "");
  r = feed_all(m, {"\xC3\xA9t", "e"});
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.emitted, "\xC3\xA9te");
}

TEST(SamplingStopStrings, CreateRejectsBadStops) {
  auto empty = StopStringMatcher::create({"ok", ""});
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("stop[1]"), std::string::npos);
  EXPECT_FALSE(StopStringMatcher::create({std::string(kMaxStopStringLength + 1, 'a')}).is_ok());
  EXPECT_FALSE(
      StopStringMatcher::create(std::vector<std::string>(kMaxStopStrings + 1, "a")).is_ok());
}

}  // namespace
}  // namespace slim
