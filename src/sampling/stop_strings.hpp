// Streaming stop-string matcher. Generated text arrives piece by piece (one detokenised token
// at a time); a stop string may straddle pieces. feed() returns the text that is safe to show
// now and holds back the longest tail that could still be the start of a stop string. When a
// stop string completes, the text before it is released and it, and everything after it, is
// dropped. flush() releases the held-back tail at the end of generation.
//
// Matching is on bytes. Held-back tails are prefixes of stop strings, so for UTF-8 stop
// strings the split between emitted and held text falls on a character boundary of the
// generated text wherever that text is itself valid UTF-8.
//
// Not thread-safe: one matcher per generation stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim {

// Limits on caller-supplied stop strings (they may come from HTTP requests). Matching is
// streaming Knuth-Morris-Pratt: O(piece bytes * stop count) amortised, O(total stop bytes)
// memory.
inline constexpr size_t kMaxStopStrings = 64;
inline constexpr size_t kMaxStopStringLength = 1024;

struct StopFeedResult {
  std::string emit;         // text safe to show now (may be empty)
  bool stopped = false;     // a stop string completed; generation should end
  int32_t stop_index = -1;  // index into the stop list when stopped, else -1
};

class StopStringMatcher {
 public:
  // Every stop string must be non-empty and within the limits above. An empty list is allowed
  // (never stops, holds nothing).
  static Result<StopStringMatcher> create(std::vector<std::string> stops);

  // Appends `piece` and returns what can be emitted. After a stop, returns nothing more.
  // The first stop string to complete (the earliest end in the text) wins; if several end at
  // the same byte, the longest wins. So the result never depends on how the text was split
  // into pieces.
  StopFeedResult feed(std::string_view piece);

  // End of generation without a stop: returns the held-back text (empty after a stop).
  // Text fed afterwards is matched afresh (no match spans a flush); the stopped state is
  // kept until reset().
  std::string flush();

  void reset();

  bool stopped() const { return stopped_; }
  // The stop string that matched, or empty.
  const std::string& matched() const;
  // Bytes currently held back.
  size_t held_size() const { return held_.size(); }
  const std::vector<std::string>& stops() const { return stops_; }

 private:
  explicit StopStringMatcher(std::vector<std::string> stops);

  std::vector<std::string> stops_;
  // KMP failure function per stop string: fail[i] = length of the longest proper prefix of
  // stop[0..i] that is also its suffix.
  std::vector<std::vector<uint32_t>> fail_;
  // Per stop string: length of its longest prefix that is a suffix of the text so far.
  std::vector<uint32_t> state_;
  // The last max(state_) bytes of the text: what could still begin a stop string.
  std::string held_;
  bool stopped_ = false;
  int32_t stop_index_ = -1;
};

}  // namespace slim
