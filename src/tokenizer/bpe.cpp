#include "tokenizer/bpe.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <limits>

#include "tokenizer/bpe_internal.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer/vocab.hpp"

namespace slim::tok {

// ---- MergeTable --------------------------------------------------------------------------

void MergeTable::reserve(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap *= 2;
  slots_.assign(cap, Slot{kEmpty, -1, -1});
  mask_ = cap - 1;
}

bool MergeTable::insert(int32_t a, int32_t b, int32_t rank, int32_t result) {
  const uint64_t k = key(a, b);
  for (size_t i = mix(k) & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == k) return false;
    if (s.key == kEmpty) {
      s = Slot{k, rank, result};
      return true;
    }
  }
}

// ---- Word encoder ------------------------------------------------------------------------

namespace {

constexpr int32_t kNoRank = INT32_MAX;
constexpr int32_t kGone = -2;  // symbol merged into its left neighbour

struct HeapEntry {
  int32_t rank;
  int32_t left;  // symbol index
  int32_t left_id;
  int32_t right_id;
};
// std::*_heap keep the largest on top: "larger" = lower rank, then further left.
struct HeapLess {
  bool operator()(const HeapEntry& a, const HeapEntry& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

struct Sym {
  int32_t id;
  int32_t prev;
  int32_t next;
};

}  // namespace

void bpe_merge_small(const MergeTable& merges, std::vector<int32_t>* ids_io) {
  std::vector<int32_t>& ids = *ids_io;
  size_t m = ids.size();
  if (m < 2) return;
  // rank[i], res[i]: the merge of ids[i] and ids[i + 1].
  std::array<int32_t, kSmallWord> rank{}, res{};
  auto pair = [&](size_t i) {
    const MergeTable::Hit h = merges.find(ids[i], ids[i + 1]);
    rank[i] = h.rank;
    res[i] = h.result;
  };
  for (size_t i = 0; i + 1 < m; ++i) pair(i);
  while (true) {
    int32_t best = kNoRank;
    size_t bi = 0;
    for (size_t i = 0; i + 1 < m; ++i) {
      if (rank[i] < best) {  // strict: the leftmost of equal ranks wins
        best = rank[i];
        bi = i;
      }
    }
    if (best == kNoRank) break;
    ids[bi] = res[bi];
    // Drop symbol bi + 1 and pair bi + 1 (pairs bi - 1 and bi are recomputed below).
    for (size_t i = bi + 1; i + 1 < m; ++i) ids[i] = ids[i + 1];
    for (size_t i = bi + 1; i + 2 < m; ++i) {
      rank[i] = rank[i + 1];
      res[i] = res[i + 1];
    }
    --m;
    if (bi > 0) pair(bi - 1);
    if (bi + 1 < m) pair(bi);
  }
  ids.resize(m);
}

void bpe_merge_large(const MergeTable& merges, std::vector<int32_t>* ids_io) {
  std::vector<int32_t>& ids = *ids_io;
  const size_t n = ids.size();
  if (n < 2) return;
  std::vector<Sym> sym(n);
  for (size_t i = 0; i < n; ++i) {
    sym[i] = {ids[i], static_cast<int32_t>(i) - 1,
              i + 1 < n ? static_cast<int32_t>(i + 1) : int32_t{-1}};
  }
  std::vector<HeapEntry> heap;
  heap.reserve(n);
  auto try_add = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = sym[static_cast<size_t>(left)].next;
    if (right < 0) return;
    const int32_t a = sym[static_cast<size_t>(left)].id, b = sym[static_cast<size_t>(right)].id;
    const MergeTable::Hit h = merges.find(a, b);
    if (h.rank == kNoRank) return;
    heap.push_back({h.rank, left, a, b});
    std::push_heap(heap.begin(), heap.end(), HeapLess{});
  };
  for (size_t i = 0; i + 1 < n; ++i) {
    const MergeTable::Hit h = merges.find(ids[i], ids[i + 1]);
    if (h.rank != kNoRank) heap.push_back({h.rank, static_cast<int32_t>(i), ids[i], ids[i + 1]});
  }
  std::make_heap(heap.begin(), heap.end(), HeapLess{});
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), HeapLess{});
    const HeapEntry e = heap.back();
    heap.pop_back();
    Sym& l = sym[static_cast<size_t>(e.left)];
    // Stale: the left symbol was merged away or grew, or its right neighbour changed.
    if (l.id != e.left_id || l.next < 0) continue;
    Sym& r = sym[static_cast<size_t>(l.next)];
    if (r.id != e.right_id) continue;
    l.id = merges.find(e.left_id, e.right_id).result;
    l.next = r.next;
    if (r.next >= 0) sym[static_cast<size_t>(r.next)].prev = e.left;
    r.id = kGone;
    try_add(l.prev);
    try_add(e.left);
  }
  ids.clear();
  for (int32_t i = 0; i >= 0; i = sym[static_cast<size_t>(i)].next) {
    ids.push_back(sym[static_cast<size_t>(i)].id);
  }
}

// ---- The tokenizer -----------------------------------------------------------------------

namespace {

class BpeTokenizer final : public Tokenizer {
 public:
  BpeTokenizer(Vocab v, StringTable pieces, std::array<int32_t, 256> byte_ids, MergeTable merges,
               RegexSplitter splitter, bool ignore_merges, bool add_prefix_space, std::string model,
               Normalizer normalizer)
      : v_(std::move(v)),
        pieces_(std::move(pieces)),
        byte_ids_(byte_ids),
        merges_(std::move(merges)),
        splitter_(std::move(splitter)),
        ignore_merges_(ignore_merges),
        add_prefix_space_(add_prefix_space),
        model_(std::move(model)),
        normalizer_(std::move(normalizer)) {}

  Result<std::vector<int32_t>> encode(std::string_view text, bool add_bos,
                                      bool parse_special) const override;
  std::string piece(int32_t id) const override {
    if (id < 0 || id >= v_.size()) return {};
    return std::string(pieces_[static_cast<size_t>(id)]);
  }
  std::string_view token_text(int32_t id) const override {
    if (id < 0 || id >= v_.size()) return {};
    return v_.text(id);
  }
  TokenType token_type(int32_t id) const override {
    if (id < 0 || id >= v_.size()) return TokenType::kUndefined;
    return v_.tokens[static_cast<size_t>(id)].type;
  }
  int32_t vocab_size() const override { return v_.size(); }
  int32_t bos_id() const override { return v_.bos; }
  int32_t eos_id() const override { return v_.eos; }
  bool add_bos_default() const override { return v_.add_bos; }
  // Byte-level BPE never adds a space the decoder would have to drop (with Hugging Face's
  // add_prefix_space the decoded text keeps it, as Hugging Face's decoder does).
  bool strips_leading_space() const override { return false; }
  bool is_eog(int32_t id) const override {
    return std::binary_search(v_.eog.begin(), v_.eog.end(), id);
  }
  std::string_view model_name() const override { return model_; }

 private:
  struct State;
  Status encode_fragment(std::string_view frag, State* st) const;
  Status encode_word(std::string_view word, State* st) const;

  Vocab v_;
  StringTable pieces_;
  std::array<int32_t, 256> byte_ids_;  // token of each byte's byte-level character, or -1
  MergeTable merges_;
  RegexSplitter splitter_;
  bool ignore_merges_;
  bool add_prefix_space_;
  std::string model_;
  Normalizer normalizer_;  // empty: none
};

// Word -> ids memo for one encode call: natural text repeats most of its words, and a hit
// skips the merge loop. Only built for long inputs; bounded; words of 2..kMaxKey bytes.
class WordCache {
 public:
  static constexpr size_t kMaxKey = 64;

  explicit WordCache(size_t text_bytes) {
    size_t cap = 1024;
    while (cap < text_bytes / 8 && cap < (size_t{1} << 16)) cap *= 2;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  // Appends the cached ids of `word` to *out and returns true, or returns false.
  bool get(std::string_view word, uint64_t h, std::vector<int32_t>* out) const {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key_len == 0) return false;
      if (s.hash == h && s.key_len == word.size() &&
          std::memcmp(keys_.data() + s.key_off, word.data(), word.size()) == 0) {
        out->insert(out->end(), ids_.begin() + s.ids_off, ids_.begin() + s.ids_off + s.n_ids);
        return true;
      }
    }
  }
  void put(std::string_view word, uint64_t h, const int32_t* ids, size_t n) {
    if ((count_ + 1) * 2 > slots_.size() || n > 0xFFFF) return;  // full: stop memoizing
    size_t i = h & mask_;
    while (slots_[i].key_len != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{h, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(ids_.size()),
                     static_cast<uint16_t>(word.size()), static_cast<uint16_t>(n)};
    keys_.append(word);
    ids_.insert(ids_.end(), ids, ids + n);
    ++count_;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_off = 0;
    uint32_t ids_off = 0;
    uint16_t key_len = 0;  // 0: empty slot
    uint16_t n_ids = 0;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
  std::string keys_;
  std::vector<int32_t> ids_;
};

// Inputs at least this long get a WordCache.
constexpr size_t kCacheMinText = 4096;

struct BpeTokenizer::State : WordSink {
  const BpeTokenizer* self = nullptr;
  std::vector<int32_t>* out = nullptr;
  SplitScratch scratch;
  std::vector<int32_t> ids;
  std::string spelled;  // byte-level spelling of a word (ignore_merges lookups)
  std::unique_ptr<WordCache> cache;

  Status word(std::string_view w) override {
    if (!cache || w.size() < 2 || w.size() > WordCache::kMaxKey) {
      return self->encode_word(w, this);
    }
    const uint64_t h = hash_bytes(w.data(), w.size());
    if (cache->get(w, h, out)) return Status::ok();
    const size_t start = out->size();
    SLIM_TRY(self->encode_word(w, this));
    cache->put(w, h, out->data() + start, out->size() - start);
    return Status::ok();
  }
};

Status BpeTokenizer::encode_word(std::string_view word, State* st) const {
  if (ignore_merges_ && word.size() > 1) {
    st->spelled.clear();
    append_byte_level(word, &st->spelled);
    const int32_t id = v_.find(st->spelled);
    if (id >= 0) {
      st->out->push_back(id);
      return Status::ok();
    }
  }
  st->ids.resize(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    const auto b = static_cast<uint8_t>(word[i]);
    const int32_t id = byte_ids_[b];
    if (id < 0 && v_.unk < 0) {
      static const char* hex = "0123456789ABCDEF";
      return invalid_argument(std::string("tokenizer: cannot encode byte 0x") + hex[b >> 4] +
                              hex[b & 15] + ": the vocab has no token for its byte-level " +
                              "character and no unknown token");
    }
    st->ids[i] = id;  // -1 (no token) never merges and comes out as the unknown token
  }
  if (word.size() <= kSmallWord) {
    bpe_merge_small(merges_, &st->ids);
  } else {
    bpe_merge_large(merges_, &st->ids);
  }
  for (const int32_t id : st->ids) st->out->push_back(id >= 0 ? id : v_.unk);
  return Status::ok();
}

Status BpeTokenizer::encode_fragment(std::string_view frag, State* st) const {
  std::string prefixed;
  if (add_prefix_space_ && frag.front() != ' ') {
    prefixed.reserve(frag.size() + 1);
    prefixed += ' ';
    prefixed.append(frag);
    frag = prefixed;
  }
  // The regexes need valid UTF-8: split into maximal valid runs; every byte that does not
  // start a well-formed sequence is a word of its own (one byte-level token).
  const auto* p = reinterpret_cast<const uint8_t*>(frag.data());
  const size_t n = frag.size();
  size_t run = 0, i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const utf8::SeqInfo info = utf8::inspect(p + i, n - i);
    if (info.valid) {
      i += info.len;
      continue;
    }
    SLIM_TRY(splitter_.split(frag.substr(run, i - run), &st->scratch, st));
    SLIM_TRY(encode_word(frag.substr(i, 1), st));
    ++i;
    run = i;
  }
  return splitter_.split(frag.substr(run, n - run), &st->scratch, st);
}

Result<std::vector<int32_t>> BpeTokenizer::encode(std::string_view text, bool add_bos,
                                                  bool parse_special) const {
  if (text.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max()) - 1) {
    return invalid_argument("tokenizer: text of " + std::to_string(text.size()) +
                            " bytes is too long to encode");
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 4 + 2);
  if (add_bos && v_.bos >= 0) out.push_back(v_.bos);
  State st;
  st.self = this;
  st.out = &out;
  if (text.size() >= kCacheMinText) st.cache = std::make_unique<WordCache>(text.size());
  std::string normalized;
  for (const Fragment& f : partition_special(text, v_, parse_special)) {
    if (f.token >= 0) {
      out.push_back(f.token);
      continue;
    }
    std::string_view frag = text.substr(f.off, f.len);
    if (!normalizer_.empty()) {  // as Hugging Face: after the added tokens, per fragment
      SLIM_TRY(normalizer_.apply(frag, &normalized));
      if (normalized.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max()) - 1) {
        return invalid_argument("tokenizer: normalized text of " +
                                std::to_string(normalized.size()) + " bytes is too long to encode");
      }
      frag = normalized;
      if (frag.empty()) continue;
    }
    SLIM_TRY(encode_fragment(frag, &st));
  }
  return out;
}

Status check_id(const char* what, int32_t id, size_t n) {
  if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n)) {
    return corrupt(std::string("tokenizer: ") + what + " id " + std::to_string(id) +
                   " is not a token id (vocab has " + std::to_string(n) + " tokens)");
  }
  return Status::ok();
}

}  // namespace

// ---- Construction ------------------------------------------------------------------------

// finish_bpe_tokenizer with a normalizer (tokenizer.json); GGUF vocabs have none.
static Result<std::shared_ptr<const Tokenizer>> finish_bpe(
    Vocab v, const MergeTexts& merges, RegexSplitter splitter, bool ignore_merges,
    bool add_prefix_space, std::string model_name, Normalizer normalizer);

std::string_view gpt2_pattern() {
  return find_named_pre_tokenizer("gpt-2")->rules.front().pattern;
}

std::vector<std::string_view> bpe_pre_tokenizer_names() {
  return named_pre_tokenizer_names();
}

Result<std::shared_ptr<const Tokenizer>> make_bpe_tokenizer(BpeVocab in, PreTokenizer pre) {
  const std::string where = "tokenizer";
  const size_t n = in.tokens.size();
  if (n == 0) return corrupt(where + ": the vocabulary is empty");
  if (n >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return corrupt(where + ": " + std::to_string(n) + " tokens is too many");
  }
  if (!in.types.empty() && in.types.size() != n) {
    return corrupt(where + ": " + std::to_string(in.types.size()) + " token types for " +
                   std::to_string(n) + " tokens");
  }
  if (in.merges.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return corrupt(where + ": " + std::to_string(in.merges.size()) + " merges is too many");
  }
  SLIM_TRY(check_id("bos", in.bos, n));
  SLIM_TRY(check_id("eos", in.eos, n));
  SLIM_TRY(check_id("unknown", in.unk, n));
  SLIM_TRY(check_id("padding", in.pad, n));
  SLIM_TRY(check_id("eot", in.eot, n));
  SLIM_TRY(check_id("eom", in.eom, n));
  SLIM_TRY(check_id("separator", in.sep, n));
  SLIM_TRY(check_id("cls", in.cls, n));
  SLIM_TRY(check_id("mask", in.mask, n));
  for (const int32_t id : in.lstrip_ids) SLIM_TRY(check_id("lstrip", id, n));
  for (const int32_t id : in.rstrip_ids) SLIM_TRY(check_id("rstrip", id, n));

  bool ignore_merges = in.ignore_merges;
  const bool add_prefix_space = pre.add_prefix_space;
  Normalizer normalizer = std::move(pre.normalizer);
  SLIM_ASSIGN_OR_RETURN(RegexSplitter splitter,
                        resolve_bpe_pre_tokenizer(std::move(pre), &ignore_merges));

  // The shared vocab: texts, types, special ids.
  Vocab v;
  v.tokens.resize(n);
  size_t text_bytes = 0;
  for (const std::string& t : in.tokens) text_bytes += t.size();
  v.texts.reserve(n, text_bytes);
  for (size_t i = 0; i < n; ++i) {
    TokenInfo& t = v.tokens[i];
    v.texts.push_back(in.tokens[i]);
    t.type = in.types.empty() ? TokenType::kNormal : in.types[i];
    const auto raw = static_cast<int32_t>(t.type);
    if (raw < 0 || raw > static_cast<int32_t>(TokenType::kByte)) {
      return corrupt(where + ": token " + std::to_string(i) + " has type " + std::to_string(raw) +
                     ", not a token type (0..6)");
    }
  }
  for (const int32_t id : in.lstrip_ids) v.tokens[static_cast<size_t>(id)].lstrip = true;
  for (const int32_t id : in.rstrip_ids) v.tokens[static_cast<size_t>(id)].rstrip = true;
  v.bos = in.bos;
  v.eos = in.eos;
  v.unk = in.unk;
  v.pad = in.pad;
  v.eot = in.eot;
  v.eom = in.eom;
  v.add_bos = in.add_bos;
  v.add_eos = in.add_eos;
  v.general_name = std::move(in.general_name);
  return finish_bpe(std::move(v), MergeTexts(&in.merges), std::move(splitter), ignore_merges,
                    add_prefix_space, std::move(in.model_name), std::move(normalizer));
}

Result<RegexSplitter> resolve_bpe_pre_tokenizer(PreTokenizer pre, bool* ignore_merges) {
  const std::string where = "tokenizer";
  std::vector<SplitRule> rules = std::move(pre.rules);
  if (!pre.name.empty()) {
    if (!rules.empty()) {
      return invalid_argument(where + ": pre-tokenizer " + quote_text(pre.name) +
                              " given both by name and by rules");
    }
    const NamedPreTokenizer* named = find_named_pre_tokenizer(pre.name);
    if (named == nullptr) {
      std::string known;
      for (const std::string_view k : named_pre_tokenizer_names()) {
        known += known.empty() ? "" : ", ";
        known += k;
      }
      return unsupported(where + ": pre-tokenizer " + quote_text(pre.name) +
                         " (tokenizer.ggml.pre) is not supported; supported: " + known);
    }
    *ignore_merges = *ignore_merges || named->ignore_merges;
    return RegexSplitter::compile(named->rules);
  }
  return RegexSplitter::compile(rules);
}

Result<std::shared_ptr<const Tokenizer>> finish_bpe_tokenizer(Vocab v, const MergeTexts& merges,
                                                              RegexSplitter splitter,
                                                              bool ignore_merges,
                                                              bool add_prefix_space,
                                                              std::string model_name) {
  return finish_bpe(std::move(v), merges, std::move(splitter), ignore_merges, add_prefix_space,
                    std::move(model_name), Normalizer{});
}

static Result<std::shared_ptr<const Tokenizer>> finish_bpe(
    Vocab v, const MergeTexts& merges, RegexSplitter splitter, bool ignore_merges,
    bool add_prefix_space, std::string model_name, Normalizer normalizer) {
  const std::string where = "tokenizer";
  v.add_space_prefix = false;
  SLIM_TRY(v.finalize_common(where));
  const size_t n = v.tokens.size();

  // Decoded bytes per token (llama.cpp token_to_piece without `special`): normal tokens are
  // byte-level decoded (a text with a character outside the byte table is passed through as
  // is, as Hugging Face's ByteLevel decoder does), user-defined tokens are their raw text,
  // everything else renders as nothing.
  StringTable pieces;
  pieces.reserve(n, v.texts.total_bytes());
  for (size_t i = 0; i < n; ++i) {
    const TokenType type = v.tokens[i].type;
    const std::string_view text = v.texts[i];
    if (type == TokenType::kNormal) {
      pieces.emplace(text.size(), [&](char* dst) {
        size_t len = 0;
        if (unicode_to_bytes(text, dst, &len)) return len;
        if (!text.empty()) std::memcpy(dst, text.data(), text.size());
        return text.size();
      });
    } else if (type == TokenType::kUserDefined) {
      pieces.push_back(text);
    } else {
      pieces.push_back({});
    }
  }

  std::array<int32_t, 256> byte_ids{};
  for (int b = 0; b < 256; ++b) {
    byte_ids[static_cast<size_t>(b)] = v.find(byte_to_unicode(static_cast<uint8_t>(b)));
  }

  // Merges by token ids: (left, right) -> (rank, merged token).
  MergeTable table;
  table.reserve(merges.size());
  std::string joined_long;
  char joined_short[64];
  for (size_t r = 0; r < merges.size(); ++r) {
    std::string_view a, b;
    merges.get(r, &a, &b);
    const auto bad = [&](const std::string& why) {
      return corrupt(where + ": merge " + std::to_string(r) + " (" + quote_text(a) + " " +
                     quote_text(b) + "): " + why);
    };
    if (a.empty() || b.empty()) return bad("a part is empty");
    const int32_t ia = v.find(a);
    if (ia < 0) return bad(quote_text(a) + " is not a token");
    const int32_t ib = v.find(b);
    if (ib < 0) return bad(quote_text(b) + " is not a token");
    std::string_view joined;
    if (a.size() + b.size() <= sizeof(joined_short)) {
      std::memcpy(joined_short, a.data(), a.size());
      std::memcpy(joined_short + a.size(), b.data(), b.size());
      joined = std::string_view(joined_short, a.size() + b.size());
    } else {
      joined_long.assign(a);
      joined_long.append(b);
      joined = joined_long;
    }
    const int32_t ij = v.find(joined);
    if (ij < 0) return bad("the merged text " + quote_text(joined) + " is not a token");
    table.insert(ia, ib, static_cast<int32_t>(r), ij);  // a repeated pair keeps its first rank
  }

  return std::shared_ptr<const Tokenizer>(std::make_shared<BpeTokenizer>(
      std::move(v), std::move(pieces), byte_ids, std::move(table), std::move(splitter),
      ignore_merges, add_prefix_space, std::move(model_name), std::move(normalizer)));
}

}  // namespace slim::tok
