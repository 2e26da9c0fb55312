#include "logits_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "core/checked.hpp"

namespace slim::toolkit {

namespace {

constexpr char kMagic[8] = {'S', 'L', 'I', 'M', 'L', 'O', 'G', 'P'};
constexpr uint32_t kVersion = 1;
constexpr double kFloorNats = 24.0;  // log-probs below max - 24 are stored as the floor

template <typename T>
void put(std::ofstream& out, T v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace

bool logits_file_bytes(const LogitsHeader& h, uint64_t* bytes) {
  if (h.n_ctx < 2 || h.first > h.n_ctx - 2) return false;
  uint64_t row = 0, rows = 0, tok = 0, chunk = 0, all = 0;
  return checked_mul(h.n_vocab, 2, &row) && checked_add(row, kLogitsRowHeaderBytes, &row) &&
         checked_mul(row, h.rows_per_chunk(), &rows) && checked_mul(h.n_ctx, 4, &tok) &&
         checked_add(rows, tok, &chunk) && checked_mul(chunk, h.n_chunks, &all) &&
         checked_add(all, kLogitsHeaderBytes, bytes);
}

Result<std::unique_ptr<LogitsWriter>> LogitsWriter::create(const std::string& path,
                                                           const LogitsHeader& header) {
  uint64_t bytes = 0;
  if (header.n_vocab == 0 || header.n_vocab > kLogitsMaxVocab || header.n_ctx > kLogitsMaxCtx ||
      !logits_file_bytes(header, &bytes)) {
    return invalid_argument("logits base: unusable shape (n_vocab " +
                            std::to_string(header.n_vocab) + ", n_ctx " +
                            std::to_string(header.n_ctx) + ")");
  }
  auto w = std::unique_ptr<LogitsWriter>(new LogitsWriter());
  w->path_ = path;
  w->h_ = header;
  w->q_.resize(header.n_vocab);
  w->out_.open(path + ".tmp", std::ios::binary | std::ios::trunc);
  if (!w->out_) return io_error("logits base: cannot create " + path + ".tmp");
  w->out_.write(kMagic, sizeof(kMagic));
  put(w->out_, kVersion);
  put(w->out_, header.n_vocab);
  put(w->out_, header.n_ctx);
  put(w->out_, header.first);
  put(w->out_, header.n_chunks);
  put(w->out_, uint32_t{0});
  return w;
}

Status LogitsWriter::write_chunk_tokens(const int32_t* tokens) {
  out_.write(reinterpret_cast<const char*>(tokens),
             static_cast<std::streamsize>(sizeof(int32_t) * h_.n_ctx));
  return out_ ? Status::ok() : io_error("logits base: write failed: " + path_);
}

Status LogitsWriter::write_row(const float* logits, int32_t target) {
  const uint32_t n = h_.n_vocab;
  if (target < 0 || static_cast<uint32_t>(target) >= n)
    return invalid_argument("logits base: target token outside the vocabulary");
  double mx = logits[0];
  uint32_t top1 = 0;
  for (uint32_t j = 1; j < n; ++j) {
    if (logits[j] > mx) {
      mx = logits[j];
      top1 = j;
    }
  }
  double sum = 0;
  for (uint32_t j = 0; j < n; ++j) sum += std::exp(static_cast<double>(logits[j]) - mx);
  const double lse = mx + std::log(sum);
  double mn = 0;
  for (uint32_t j = 0; j < n; ++j) mn = std::min(mn, static_cast<double>(logits[j]) - lse);
  const double top = mx - lse;
  const double lo = std::max(mn, top - kFloorNats);
  const double step = (top - lo) / 65535.0;
  for (uint32_t j = 0; j < n; ++j) {
    const double v = std::max(static_cast<double>(logits[j]) - lse, lo);
    const double code = step > 0 ? std::nearbyint((v - lo) / step) : 0.0;
    q_[j] = static_cast<uint16_t>(std::clamp(code, 0.0, 65535.0));
  }
  put(out_, static_cast<float>(lo));
  put(out_, static_cast<float>(step));
  put(out_, top1);
  put(out_, static_cast<float>(lse - static_cast<double>(logits[target])));
  out_.write(reinterpret_cast<const char*>(q_.data()), static_cast<std::streamsize>(2 * n));
  return out_ ? Status::ok() : io_error("logits base: write failed: " + path_);
}

Status LogitsWriter::finish() {
  out_.close();
  if (!out_) return io_error("logits base: write failed: " + path_);
  if (std::rename((path_ + ".tmp").c_str(), path_.c_str()) != 0)
    return io_error("logits base: cannot rename " + path_ + ".tmp to " + path_);
  return Status::ok();
}

Result<std::unique_ptr<LogitsReader>> LogitsReader::open_file(const std::string& path) {
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) return io_error("logits base: cannot open " + path);
  in->seekg(0, std::ios::end);
  const std::streamoff size = in->tellg();
  in->seekg(0, std::ios::beg);
  if (size < 0 || !*in) return io_error("logits base: cannot read " + path);
  return open(std::move(in), static_cast<uint64_t>(size), path);
}

Status LogitsReader::fail(const std::string& what) const {
  return corrupt("logits base " + name_ + ": " + what + " (at byte " + std::to_string(offset_) +
                 ")");
}

bool LogitsReader::read_raw(void* dst, size_t n) {
  in_->read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
  if (!*in_ || static_cast<size_t>(in_->gcount()) != n) return false;
  offset_ += n;
  return true;
}

Result<std::unique_ptr<LogitsReader>> LogitsReader::open(std::unique_ptr<std::istream> in,
                                                         uint64_t size, const std::string& name) {
  auto r = std::unique_ptr<LogitsReader>(new LogitsReader());
  r->in_ = std::move(in);
  r->name_ = name;
  if (size < kLogitsHeaderBytes) {
    return r->fail("file of " + std::to_string(size) + " bytes is shorter than the " +
                   std::to_string(kLogitsHeaderBytes) + "-byte header");
  }
  char magic[8];
  uint32_t f[6];
  if (!r->read_raw(magic, sizeof(magic)) || !r->read_raw(f, sizeof(f)))
    return r->fail("truncated header");
  if (std::memcmp(magic, kMagic, sizeof(kMagic)) != 0)
    return r->fail("bad magic (not a slim perplexity --save-logits file)");
  if (f[0] != kVersion) return r->fail("unsupported version " + std::to_string(f[0]));
  LogitsHeader& h = r->h_;
  h.n_vocab = f[1];
  h.n_ctx = f[2];
  h.first = f[3];
  h.n_chunks = f[4];
  if (h.n_vocab == 0 || h.n_vocab > kLogitsMaxVocab)
    return r->fail("n_vocab " + std::to_string(h.n_vocab) + " out of range");
  if (h.n_ctx < 2 || h.n_ctx > kLogitsMaxCtx)
    return r->fail("n_ctx " + std::to_string(h.n_ctx) + " out of range");
  if (h.first > h.n_ctx - 2)
    return r->fail("first scored position " + std::to_string(h.first) + " >= n_ctx - 1");
  if (h.n_chunks == 0) return r->fail("no chunks");
  if (f[5] != 0) return r->fail("reserved field is not 0");
  uint64_t expect = 0;
  if (!logits_file_bytes(h, &expect)) return r->fail("size computation overflows");
  if (expect != size) {
    return r->fail("file has " + std::to_string(size) + " bytes, the header implies " +
                   std::to_string(expect) + " (truncated or wrong file)");
  }
  r->q_.resize(h.n_vocab);
  return r;
}

Status LogitsReader::read_chunk_tokens(std::vector<int32_t>* tokens) {
  tokens->resize(h_.n_ctx);
  if (!read_raw(tokens->data(), sizeof(int32_t) * h_.n_ctx)) return fail("truncated chunk tokens");
  for (uint32_t i = 0; i < h_.n_ctx; ++i) {
    const int32_t t = (*tokens)[i];
    if (t < 0 || static_cast<uint32_t>(t) >= h_.n_vocab)
      return fail("token " + std::to_string(t) + " outside the vocabulary");
  }
  return Status::ok();
}

Status LogitsReader::read_row(LogProbRow* row) {
  float lo = 0, step = 0, nll = 0;
  uint32_t top1 = 0;
  if (!read_raw(&lo, 4) || !read_raw(&step, 4) || !read_raw(&top1, 4) || !read_raw(&nll, 4))
    return fail("truncated row header");
  if (!std::isfinite(lo) || !std::isfinite(step) || step < 0 || lo > 0)
    return fail("row offset/step not finite or out of range");
  if (!std::isfinite(nll) || nll < -1e-3f) return fail("row nll not finite or negative");
  if (top1 >= h_.n_vocab) return fail("top-1 token " + std::to_string(top1) + " out of range");
  if (!read_raw(q_.data(), 2 * static_cast<size_t>(h_.n_vocab)))
    return fail("truncated row values");
  row->top1 = top1;
  row->nll = nll;
  row->logp.resize(h_.n_vocab);
  double mx = -1e300;
  for (uint32_t j = 0; j < h_.n_vocab; ++j) {
    row->logp[j] = static_cast<double>(lo) + static_cast<double>(step) * q_[j];
    mx = std::max(mx, row->logp[j]);
  }
  double sum = 0;
  for (double v : row->logp) sum += std::exp(v - mx);
  const double lse = mx + std::log(sum);
  for (double& v : row->logp) v -= lse;
  return Status::ok();
}

}  // namespace slim::toolkit
