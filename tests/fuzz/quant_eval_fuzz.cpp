// libFuzzer target for the two files of the quality tools: the first input byte picks the
// parser (even: llama.cpp imatrix.dat, odd: slim perplexity's logits base), the rest is the file.
// A failure must be a clean corrupt_file Status; a success must hold consistent contents
// (every value is read, so ASan sees stray reads).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "imatrix_file.hpp"
#include "logits_file.hpp"

namespace {

volatile double g_sink;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_imatrix(const uint8_t* data, size_t size) {
  auto m = slim::toolkit::parse_imatrix(data, size, "fuzz");
  if (!m.is_ok()) {
    require(m.status().code() == slim::StatusCode::kCorruptFile);
    require(!m.status().message().empty());
    return;
  }
  require(!m->entries.empty());
  for (const auto& [name, e] : m->entries) {
    require(!name.empty() && !e.mean_sq.empty() && e.ncall >= 0);
    for (float v : e.mean_sq) {
      require(std::isfinite(v) && v >= 0);
      g_sink = v;
    }
  }
}

void check_logits(const uint8_t* data, size_t size) {
  auto in =
      std::make_unique<std::istringstream>(std::string(reinterpret_cast<const char*>(data), size));
  auto r = slim::toolkit::LogitsReader::open(std::move(in), size, "fuzz");
  if (!r.is_ok()) {
    require(r.status().code() == slim::StatusCode::kCorruptFile);
    return;
  }
  const auto& h = (*r)->header();
  std::vector<int32_t> toks;
  slim::toolkit::LogProbRow row;
  for (uint32_t c = 0; c < h.n_chunks; ++c) {
    slim::Status st = (*r)->read_chunk_tokens(&toks);
    if (!st.is_ok()) {
      require(st.code() == slim::StatusCode::kCorruptFile);
      return;
    }
    for (uint32_t i = 0; i < h.rows_per_chunk(); ++i) {
      st = (*r)->read_row(&row);
      if (!st.is_ok()) {
        require(st.code() == slim::StatusCode::kCorruptFile);
        return;
      }
      require(row.top1 < h.n_vocab && row.logp.size() == h.n_vocab);
      for (double v : row.logp) g_sink = v;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    check_imatrix(data + 1, size - 1);
  } else {
    check_logits(data + 1, size - 1);
  }
  return 0;
}
