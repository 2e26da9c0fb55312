#include "sampling/stop_strings.hpp"

#include <algorithm>

namespace slim {

Result<StopStringMatcher> StopStringMatcher::create(std::vector<std::string> stops) {
  if (stops.size() > kMaxStopStrings) {
    return invalid_argument("stop strings: " + std::to_string(stops.size()) + " given, at most " +
                            std::to_string(kMaxStopStrings) + " allowed");
  }
  for (size_t i = 0; i < stops.size(); ++i) {
    if (stops[i].empty()) {
      return invalid_argument("stop strings: stop[" + std::to_string(i) + "] is empty");
    }
    if (stops[i].size() > kMaxStopStringLength) {
      return invalid_argument("stop strings: stop[" + std::to_string(i) + "] is " +
                              std::to_string(stops[i].size()) + " bytes, at most " +
                              std::to_string(kMaxStopStringLength) + " allowed");
    }
  }
  return StopStringMatcher(std::move(stops));
}

StopStringMatcher::StopStringMatcher(std::vector<std::string> stops)
    : stops_(std::move(stops)), fail_(stops_.size()), state_(stops_.size(), 0) {
  for (size_t i = 0; i < stops_.size(); ++i) {
    const std::string& s = stops_[i];
    std::vector<uint32_t>& fail = fail_[i];
    fail.assign(s.size(), 0);
    uint32_t q = 0;
    for (size_t j = 1; j < s.size(); ++j) {
      while (q > 0 && s[j] != s[q]) q = fail[q - 1];
      if (s[j] == s[q]) ++q;
      fail[j] = q;
    }
  }
}

StopFeedResult StopStringMatcher::feed(std::string_view piece) {
  StopFeedResult result;
  if (stopped_) return result;
  const size_t base = held_.size();
  held_.append(piece);

  for (size_t j = 0; j < piece.size(); ++j) {
    const char c = piece[j];
    int32_t hit = -1;
    for (size_t i = 0; i < stops_.size(); ++i) {
      const std::string& s = stops_[i];
      uint32_t q = state_[i];
      while (q > 0 && s[q] != c) q = fail_[i][q - 1];
      if (s[q] == c) ++q;
      state_[i] = q;
      if (q == s.size() && (hit < 0 || s.size() > stops_[static_cast<size_t>(hit)].size())) {
        hit = static_cast<int32_t>(i);
      }
    }
    if (hit >= 0) {
      // The whole stop string lies in held_: its first bytes were held back as a prefix.
      const size_t end = base + j + 1;
      const size_t start = end - stops_[static_cast<size_t>(hit)].size();
      result.emit.assign(held_, 0, start);
      result.stopped = true;
      result.stop_index = hit;
      stopped_ = true;
      stop_index_ = hit;
      held_.clear();
      return result;
    }
  }

  // Hold back the longest tail that is still a proper prefix of some stop string.
  const size_t keep = state_.empty() ? 0 : *std::max_element(state_.begin(), state_.end());
  const size_t release = held_.size() - keep;
  result.emit.assign(held_, 0, release);
  held_.erase(0, release);
  return result;
}

std::string StopStringMatcher::flush() {
  std::string out;
  out.swap(held_);
  std::fill(state_.begin(), state_.end(), 0u);
  return out;
}

void StopStringMatcher::reset() {
  held_.clear();
  std::fill(state_.begin(), state_.end(), 0u);
  stopped_ = false;
  stop_index_ = -1;
}

const std::string& StopStringMatcher::matched() const {
  static const std::string kEmpty;
  return stopped_ ? stops_[static_cast<size_t>(stop_index_)] : kEmpty;
}

}  // namespace slim
