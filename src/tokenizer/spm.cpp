#include "tokenizer/spm.hpp"

#include <algorithm>
#include <limits>

#include "tokenizer/special_tokens.hpp"
#include "tokenizer/utf8.hpp"

namespace slim::tok {

namespace {

constexpr std::string_view kSpaceMarker = "\xe2\x96\x81";  // U+2581 "▁"

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t off;  // into the escaped text
  uint32_t n;    // bytes; 0 once merged into its left neighbour
};

struct Bigram {
  int32_t left;
  int32_t right;
  float score;
  uint32_t size;
};

// Max-priority queue of candidate merges: highest score first, among equal scores the
// leftmost pair (llm_bigram_spm::comparator). A 4-ary heap: half the depth of a binary
// one, and a node's children share a cache line.
class BigramQueue {
 public:
  void clear() { h_.clear(); }
  bool empty() const { return h_.empty(); }
  // Bulk load: append with add_unordered(), then heapify() once (O(n)).
  void add_unordered(const Bigram& b) { h_.push_back(b); }
  void heapify() {
    if (h_.size() < 2) return;
    for (size_t i = (h_.size() - 2) / 4 + 1; i-- > 0;) sift_down(i);
  }
  void push(const Bigram& b) {
    h_.push_back(b);
    sift_up(h_.size() - 1);
  }
  Bigram pop() {
    const Bigram top = h_.front();
    h_.front() = h_.back();
    h_.pop_back();
    if (!h_.empty()) sift_down(0);
    return top;
  }

 private:
  static bool before(const Bigram& a, const Bigram& b) {
    return a.score > b.score || (a.score == b.score && a.left < b.left);
  }
  void sift_up(size_t i) {
    const Bigram x = h_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 4;
      if (!before(x, h_[parent])) break;
      h_[i] = h_[parent];
      i = parent;
    }
    h_[i] = x;
  }
  void sift_down(size_t i) {
    const size_t n = h_.size();
    const Bigram x = h_[i];
    while (true) {
      const size_t first = 4 * i + 1;
      if (first >= n) break;
      size_t best = first;
      const size_t end = std::min(first + 4, n);
      for (size_t c = first + 1; c < end; ++c) {
        if (before(h_[c], h_[best])) best = c;
      }
      if (!before(h_[best], x)) break;
      h_[i] = h_[best];
      i = best;
    }
    h_[i] = x;
  }

  std::vector<Bigram> h_;
};

}  // namespace

Status SpmTokenizer::encode_text(std::string_view raw, bool prefix_space,
                                 std::vector<int32_t>* out) const {
  // Escape: optional leading space, then every ' ' -> "▁" (3 bytes). Offsets and symbol
  // indices are 32-bit, so the escaped text must stay below 2^31 bytes.
  if (raw.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max()) / 3 - 1) {
    return invalid_argument("tokenizer: text of " + std::to_string(raw.size()) +
                            " bytes is too long to encode");
  }
  const size_t spaces =
      static_cast<size_t>(std::count(raw.begin(), raw.end(), ' ')) + (prefix_space ? 1 : 0);
  std::string text;
  text.reserve(raw.size() + 2 * spaces + (prefix_space ? 1 : 0));
  if (prefix_space) text += kSpaceMarker;
  for (const char c : raw) {
    if (c == ' ') {
      text += kSpaceMarker;
    } else {
      text += c;
    }
  }
  if (text.empty()) return Status::ok();

  // Split into UTF-8 characters; a byte that does not start a well-formed sequence is one
  // character on its own (it can only come out as a byte token). Cut the chain between two
  // characters that appear next to each other in no token: no merge can ever join them, so
  // the pieces are merged independently (same result as one queue, far smaller heaps).
  std::vector<Symbol> sym;
  sym.reserve(text.size());
  std::vector<int32_t> segments;  // first symbol of each independent segment
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  uint32_t prev_key = 0;
  for (size_t off = 0; off < text.size();) {
    const utf8::SeqInfo info = utf8::inspect(bytes + off, text.size() - off);
    const size_t len = info.valid ? info.len : 1;
    const uint32_t key = char_key(bytes + off, len);
    const auto index = static_cast<int32_t>(sym.size());
    sym.push_back({index - 1, index + 1, static_cast<uint32_t>(off), static_cast<uint32_t>(len)});
    if (index == 0 || !v_.char_pairs.contains(pair_key(prev_key, key))) {
      if (index > 0) sym[static_cast<size_t>(index) - 1].next = -1;
      sym.back().prev = -1;
      segments.push_back(index);
    }
    prev_key = key;
    off += len;
  }
  sym.back().next = -1;

  BigramQueue queue;
  // Queues the pair if its concatenation is a token; `bulk` defers the heap ordering.
  auto try_add = [&](int32_t left, int32_t right, bool bulk) {
    if (left < 0 || right < 0) return;
    const Symbol& l = sym[static_cast<size_t>(left)];
    const uint32_t size = l.n + sym[static_cast<size_t>(right)].n;  // right follows left in text
    const int32_t id = v_.find(std::string_view(text.data() + l.off, size));
    if (id < 0) return;
    const Bigram b{left, right, v_.tokens[static_cast<size_t>(id)].score, size};
    if (bulk) {
      queue.add_unordered(b);
    } else {
      queue.push(b);
    }
  };
  for (const int32_t first : segments) {
    queue.clear();
    for (int32_t i = first; sym[static_cast<size_t>(i)].next != -1; ++i) try_add(i, i + 1, true);
    queue.heapify();
    while (!queue.empty()) {
      const Bigram b = queue.pop();
      Symbol& l = sym[static_cast<size_t>(b.left)];
      Symbol& r = sym[static_cast<size_t>(b.right)];
      // Stale entry: one side was merged away or grew since the pair was queued.
      if (l.n == 0 || r.n == 0 || l.n + r.n != b.size) continue;
      l.n += r.n;
      r.n = 0;
      l.next = r.next;
      if (r.next >= 0) sym[static_cast<size_t>(r.next)].prev = b.left;
      try_add(l.prev, b.left, false);
      try_add(b.left, l.next, false);
    }
  }

  // Emit. Every merged symbol is a vocab token (merges only form vocab texts), so a symbol
  // missing from the vocab is a single character: llama.cpp's re-segmentation through the
  // recorded merges can never apply and goes straight to byte fallback, as here.
  for (const int32_t first : segments) {
    for (int32_t i = first; i != -1; i = sym[static_cast<size_t>(i)].next) {
      const Symbol& s = sym[static_cast<size_t>(i)];
      const std::string_view piece(text.data() + s.off, s.n);
      const int32_t id = v_.find(piece);
      if (id >= 0) {
        out->push_back(id);
        continue;
      }
      for (const char c : piece) {
        const auto byte = static_cast<uint8_t>(c);
        const int32_t bid = v_.byte_to_id[byte];
        if (bid < 0) {
          static const char* hex = "0123456789ABCDEF";
          return invalid_argument(std::string("tokenizer: cannot encode byte 0x") + hex[byte >> 4] +
                                  hex[byte & 15] +
                                  ": the vocab has no byte token for it and no unknown token");
        }
        out->push_back(bid);
      }
    }
  }
  return Status::ok();
}

Result<std::vector<int32_t>> SpmTokenizer::encode(std::string_view text, bool add_bos,
                                                  bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos && v_.bos >= 0) out.push_back(v_.bos);
  // As llama.cpp: the space prefix goes in front of the first text and of every text that
  // follows a special token.
  bool prev_special = true;
  for (const Fragment& f : partition_special(text, v_, parse_special)) {
    if (f.token >= 0) {
      out.push_back(f.token);
      prev_special = true;
      continue;
    }
    SLIM_TRY(encode_text(text.substr(f.off, f.len), v_.add_space_prefix && prev_special, &out));
    prev_special = false;
  }
  return out;
}

std::string SpmTokenizer::piece(int32_t id) const {
  if (id < 0 || id >= v_.size()) return {};
  return std::string(v_.pieces[static_cast<size_t>(id)]);
}

std::string_view SpmTokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= v_.size()) return {};
  return v_.text(id);
}

TokenType SpmTokenizer::token_type(int32_t id) const {
  if (id < 0 || id >= v_.size()) return TokenType::kUndefined;
  return v_.tokens[static_cast<size_t>(id)].type;
}

bool SpmTokenizer::is_eog(int32_t id) const {
  return std::binary_search(v_.eog.begin(), v_.eog.end(), id);
}

}  // namespace slim::tok
