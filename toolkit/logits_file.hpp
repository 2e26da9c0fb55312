// The compact "logits base" file of `slim perplexity --save-logits` / `--kl-base`: for every scored
// position of every chunk, the full-precision model's log-softmax quantized to 16 bits with a
// per-row offset and step, written and read one row at a time (never all logits in memory).
//
// Layout (little-endian):
//   header, 32 bytes: char magic[8] = "SLIMLOGP", u32 version = 1, u32 n_vocab, u32 n_ctx,
//                     u32 first (first scored position), u32 n_chunks, u32 reserved = 0
//   per chunk:        i32 tokens[n_ctx]  (the evaluated tokens, BOS already substituted)
//                     per scored position p = first .. n_ctx - 2 (n_ctx - 1 - first rows):
//                       f32 lo, f32 step   log p_j ~= lo + step * q_j
//                       u32 top1           the base's most likely token (lowest id on ties)
//                       f32 nll            the base's exact -log p(token at p + 1)
//                       u16 q[n_vocab]
// A reader recomputes the distribution as exp(lo + step * q_j), renormalised. Log-probabilities
// below max - 24 (p < 4e-11 relative to the top token) are stored as the floor `lo`.
#pragma once

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "slim/status.hpp"

namespace slim::toolkit {

struct LogitsHeader {
  uint32_t n_vocab = 0;
  uint32_t n_ctx = 0;
  uint32_t first = 0;
  uint32_t n_chunks = 0;
  uint32_t rows_per_chunk() const { return n_ctx - 1 - first; }
};

inline constexpr uint64_t kLogitsHeaderBytes = 32;
inline constexpr uint64_t kLogitsRowHeaderBytes = 16;
inline constexpr uint32_t kLogitsMaxVocab = 1u << 24;
inline constexpr uint32_t kLogitsMaxCtx = 1u << 20;

// Exact file size for a header; false if it overflows.
bool logits_file_bytes(const LogitsHeader& h, uint64_t* bytes);

// One decoded row.
struct LogProbRow {
  uint32_t top1 = 0;
  float nll = 0;
  std::vector<double> logp;  // normalised log-probabilities, n_vocab
};

class LogitsWriter {
 public:
  // Writes to path + ".tmp" and renames on finish().
  static Result<std::unique_ptr<LogitsWriter>> create(const std::string& path,
                                                      const LogitsHeader& header);
  Status write_chunk_tokens(const int32_t* tokens);
  // logits: n_vocab raw logits of one scored position; target: the token that follows it.
  Status write_row(const float* logits, int32_t target);
  Status finish();

 private:
  std::string path_;
  LogitsHeader h_;
  std::ofstream out_;
  std::vector<uint16_t> q_;
};

class LogitsReader {
 public:
  // `in` holds `size` bytes; `name` is used in messages. Checks the header and that the size
  // matches it exactly.
  static Result<std::unique_ptr<LogitsReader>> open(std::unique_ptr<std::istream> in, uint64_t size,
                                                    const std::string& name);
  static Result<std::unique_ptr<LogitsReader>> open_file(const std::string& path);
  const LogitsHeader& header() const { return h_; }
  // The next chunk's tokens (n_ctx of them, each < n_vocab).
  Status read_chunk_tokens(std::vector<int32_t>* tokens);
  // The next row of the current chunk.
  Status read_row(LogProbRow* row);

 private:
  Status fail(const std::string& what) const;
  bool read_raw(void* dst, size_t n);
  std::unique_ptr<std::istream> in_;
  std::string name_;
  LogitsHeader h_;
  uint64_t offset_ = 0;
  std::vector<uint16_t> q_;
};

}  // namespace slim::toolkit
