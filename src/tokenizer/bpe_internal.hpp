// Internals of the byte-level BPE tokenizer, exposed for tests and benchmarks.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/bpe.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/vocab.hpp"

namespace slim::tok {

// (left token, right token) -> (rank, merged token), open addressing on the id pair.
class MergeTable {
 public:
  struct Hit {
    int32_t rank;    // INT32_MAX: no such merge
    int32_t result;  // the merged token
  };
  void reserve(size_t n_merges);
  // False (and nothing changes) if the pair is already present.
  bool insert(int32_t a, int32_t b, int32_t rank, int32_t result);
  Hit find(int32_t a, int32_t b) const {
    if (a < 0 || b < 0 || slots_.empty()) return {INT32_MAX, -1};
    const uint64_t k = key(a, b);
    for (size_t i = mix(k) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == k) return {s.rank, s.result};
      if (s.key == kEmpty) return {INT32_MAX, -1};
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~0ull;  // ids are < 2^31: no pair key has all bits set
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static size_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  struct Slot {
    uint64_t key;
    int32_t rank;
    int32_t result;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// Words up to this many bytes are merged by bpe_merge_small, longer ones by bpe_merge_large.
inline constexpr size_t kSmallWord = 48;

// Both apply the merges to a word's symbol ids (-1: a byte without a token, never merged):
// repeatedly the lowest-rank adjacent pair, the leftmost among equal ranks, until none
// applies. They give identical results; small rescans an array (fast for short words, at
// most kSmallWord symbols), large keeps a heap over a linked list (O(n log n)).
void bpe_merge_small(const MergeTable& merges, std::vector<int32_t>* ids);
void bpe_merge_large(const MergeTable& merges, std::vector<int32_t>* ids);

// The merges' token texts in rank order, without copying them: either BpeVocab::merges, or
// "left right" lines (GGUF tokenizer.ggml.merges, already checked to hold a space at
// index >= 1 with at least one byte after it; split at the first such space).
class MergeTexts {
 public:
  explicit MergeTexts(const std::vector<std::pair<std::string, std::string>>* pairs)
      : pairs_(pairs) {}
  explicit MergeTexts(const std::vector<std::string_view>* lines) : lines_(lines) {}
  size_t size() const { return pairs_ != nullptr ? pairs_->size() : lines_->size(); }
  void get(size_t rank, std::string_view* left, std::string_view* right) const {
    if (pairs_ != nullptr) {
      *left = (*pairs_)[rank].first;
      *right = (*pairs_)[rank].second;
      return;
    }
    const std::string_view m = (*lines_)[rank];
    size_t sp = 1;
    while (m[sp] != ' ') ++sp;  // there is one (checked by the loader)
    *left = m.substr(0, sp);
    *right = m.substr(sp + 1);
  }

 private:
  const std::vector<std::pair<std::string, std::string>>* pairs_ = nullptr;
  const std::vector<std::string_view>* lines_ = nullptr;
};

// The steps of make_bpe_tokenizer, for loaders that check their input themselves (GGUF).
// The pre-tokenizer: named or explicit rules, compiled; *ignore_merges is or-ed with the
// named pre-tokenizer's.
Result<RegexSplitter> resolve_bpe_pre_tokenizer(PreTokenizer pre, bool* ignore_merges);
// The rest, given a vocab whose texts, types, lstrip / rstrip flags, special ids and flags
// are set and checked (ids in range, types 0..6) but not finalized.
Result<std::shared_ptr<const Tokenizer>> finish_bpe_tokenizer(Vocab v, const MergeTexts& merges,
                                                              RegexSplitter splitter,
                                                              bool ignore_merges,
                                                              bool add_prefix_space,
                                                              std::string model_name);

}  // namespace slim::tok
