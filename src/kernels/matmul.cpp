#include "kernels/matmul.hpp"

#include <algorithm>
#include <vector>

#include "kernels/kernels.hpp"

namespace slim::kernels {

namespace {

constexpr size_t kMinParallelWork = 32 * 1024;  // multiply-adds

// One weight matrix of a group: its kernels and where its prepared activations are.
struct Part {
  const MatrixView* w;
  float* y;
  VecDotFn dot;
  VecDotMultiFn multi;
  ActFormat format;
  const uint8_t* act;
  size_t act_stride;
  VecDotTok16Fn tok16;   // set when groups of >= kMinTok16 tokens go through vec_dot_tok16
  const uint8_t* act16;  // the interleaved groups, act16_bytes apart
  size_t act16_bytes;
};

// Token groups smaller than this use vec_dot_multi: a tok16 call costs the same for 1 or 16
// tokens (measured break-even about 8 on AVX-512).
constexpr size_t kMinTok16 = 8;

// Tokens [t0, t1) of row r of part P, through vec_dot_multi or vec_dot.
void row_tokens(const Part& P, const uint8_t* row, size_t r, size_t t0, size_t t1) {
  const size_t rows = static_cast<size_t>(P.w->rows);
  const size_t cols = static_cast<size_t>(P.w->cols);
  if (P.multi != nullptr) {
    float out[kMaxMultiTok];
    for (size_t t = t0; t < t1; t += kMaxMultiTok) {
      const size_t m = t1 - t < kMaxMultiTok ? t1 - t : kMaxMultiTok;
      P.multi(row, P.act + t * P.act_stride, P.act_stride, m, cols, out);
      for (size_t i = 0; i < m; ++i) P.y[(t + i) * rows + r] = out[i];
    }
  } else {
    for (size_t t = t0; t < t1; ++t) P.y[t * rows + r] = P.dot(row, P.act + t * P.act_stride, cols);
  }
}

// Token group [t0, t0 + m) of row r of part P (m <= kTokGroup).
void row_group(const Part& P, const uint8_t* row, size_t r, size_t t0, size_t m) {
  if (P.tok16 == nullptr || m < kMinTok16) {
    row_tokens(P, row, r, t0, t0 + m);
    return;
  }
  const size_t rows = static_cast<size_t>(P.w->rows);
  float out[kTokGroup];
  P.tok16(row, P.act16 + (t0 / kTokGroup) * P.act16_bytes, m, static_cast<size_t>(P.w->cols), out);
  for (size_t i = 0; i < m; ++i) P.y[(t0 + i) * rows + r] = out[i];
}

// With several tokens, rows are taken in tiles of kRowTile and each tile meets every token group
// in turn: the tile's weights and one group's prepared activations both stay in L1 (row by row,
// every row would stream all tokens' activations from L2; 1.3-2.5x slower in kernels_bench
// matmat). Which kernel call computes an output does not change, so neither do the results.
constexpr size_t kRowTile = 16;

// Software prefetch of the weight bytes a thread is about to read. One decoded token streams
// every weight once; the hardware prefetcher alone leaves each core waiting on memory between
// rows (measured: decode +60 % with this on the 135M shape, docs/PERFORMANCE.md). The cursor
// walks the thread's byte spans (one per matrix of the group) kPrefetchBytes ahead of the rows
// being computed. Prefetches change no result.
constexpr size_t kPrefetchBytes = 4096;
constexpr size_t kLine = 64;

class Prefetcher {
 public:
  struct Span {
    const uint8_t* begin;
    size_t bytes;
  };
  Prefetcher(const Span* spans, size_t n) : spans_(spans), n_(n) {}
  // Called before reading `bytes` more: keeps the cursor kPrefetchBytes past them.
  void advance(size_t bytes) {
    consumed_ += bytes;
    while (issued_ < consumed_ + kPrefetchBytes && span_ < n_) {
      const Span& s = spans_[span_];
      __builtin_prefetch(s.begin + offset_, 0, 3);
      offset_ += kLine;
      issued_ += kLine;
      if (offset_ >= s.bytes) {
        issued_ -= offset_ - s.bytes;  // count only the span's own bytes
        ++span_;
        offset_ = 0;
      }
    }
  }

 private:
  const Span* spans_;
  size_t n_;
  size_t span_ = 0, offset_ = 0;
  size_t consumed_ = 0, issued_ = 0;
};

// Rows [begin, end) of the group's concatenated rows: part p's row r is global row
// first[p] + r. Each output element is one kernel call, whatever the split.
void run_rows(const std::vector<Part>& parts, const std::vector<size_t>& first, size_t n_tok,
              size_t begin, size_t end) {
  thread_local std::vector<Prefetcher::Span> spans;
  spans.clear();
  for (size_t p = 0; p < parts.size(); ++p) {
    const size_t rows = static_cast<size_t>(parts[p].w->rows);
    const size_t lo = std::max(begin, first[p]), hi = std::min(end, first[p] + rows);
    if (lo < hi)
      spans.push_back({parts[p].w->row(lo - first[p]), (hi - lo) * parts[p].w->row_bytes});
  }
  Prefetcher prefetch(spans.data(), spans.size());
  for (size_t p = 0; p < parts.size(); ++p) {
    const Part& P = parts[p];
    const size_t rows = static_cast<size_t>(P.w->rows);
    const size_t lo = std::max(begin, first[p]), hi = std::min(end, first[p] + rows);
    if (n_tok == 1) {
      for (size_t g = lo; g < hi; ++g) {
        prefetch.advance(P.w->row_bytes);
        const size_t r = g - first[p];
        P.y[r] = P.dot(P.w->row(r), P.act, static_cast<size_t>(P.w->cols));
      }
      continue;
    }
    for (size_t g0 = lo; g0 < hi; g0 += kRowTile) {
      const size_t g1 = std::min(hi, g0 + kRowTile);
      for (size_t t0 = 0; t0 < n_tok; t0 += kTokGroup) {
        const size_t m = std::min(kTokGroup, n_tok - t0);
        for (size_t g = g0; g < g1; ++g) {
          // Prefetch row by row during the tile's first pass (a burst for the whole tile would
          // stall on the fill buffers).
          if (t0 == 0) prefetch.advance(P.w->row_bytes);
          const size_t r = g - first[p];
          row_group(P, P.w->row(r), r, t0, m);
        }
      }
    }
  }
}

// The Q8 activation rows of every token (into `rows`, `stride` bytes apart) and, when `inter` is
// set, the interleaved groups of 16 that vec_dot_tok16 reads (only groups of kMinTok16 or more
// tokens are read). Prompts have several groups: each thread prepares whole groups. The bytes
// depend only on x, not on who makes them.
void prepare_q8(const KernelTable& K, const float* x, size_t n_tok, size_t cols, uint8_t* rows,
                size_t stride, uint8_t* inter, ThreadPool& pool) {
  const size_t groups = (n_tok + kTokGroup - 1) / kTokGroup;
  const size_t group_bytes = tok16_bytes(cols);
  auto prepare = [&](int index, int count) {
    for (size_t g = static_cast<size_t>(index); g < groups; g += static_cast<size_t>(count)) {
      const size_t t0 = g * kTokGroup;
      const size_t m = n_tok - t0 < kTokGroup ? n_tok - t0 : kTokGroup;
      for (size_t t = t0; t < t0 + m; ++t) K.quantize_q8(x + t * cols, rows + t * stride, cols);
      if (inter != nullptr && m >= kMinTok16) {
        interleave_q8(rows + t0 * stride, stride, m, cols, inter + g * group_bytes);
      }
    }
  };
  if (groups >= 2) {
    pool.run(prepare);
  } else {
    ThreadPool::run_inline(prepare);
  }
}

// W8A8 parts: one static int8 row per token for each distinct activation scale (q, k and v
// share their input and, calibrated on it, their scale), made before the rows are split.
void prepare_static_i8(const KernelTable& K, std::vector<Part>& parts, const float* x,
                       size_t n_tok) {
  thread_local std::vector<uint8_t> scratch;
  std::vector<float> scales;
  size_t cols = 0;
  for (const Part& p : parts) {
    if (K.of(p.w->type).act != ActFormat::kI8) continue;
    cols = static_cast<size_t>(p.w->cols);
    if (std::find(scales.begin(), scales.end(), p.w->act_scale) == scales.end())
      scales.push_back(p.w->act_scale);
  }
  const size_t n_scales = scales.size();
  if (n_scales == 0) return;
  const size_t stride = act_row_bytes(ActFormat::kI8, cols), per_scale = n_tok * stride;
  if (scratch.size() < n_scales * per_scale) scratch.resize(n_scales * per_scale);
  for (size_t i = 0; i < n_scales; ++i) {
    for (size_t t = 0; t < n_tok; ++t)
      K.quantize_i8(x + t * cols, scales[i], &scratch[i * per_scale + t * stride], cols);
  }
  for (Part& p : parts) {
    if (K.of(p.w->type).act != ActFormat::kI8) continue;
    for (size_t i = 0; i < n_scales; ++i) {
      if (scales[i] == p.w->act_scale) p.act = &scratch[i * per_scale];
    }
    p.act_stride = stride;
  }
}

}  // namespace

void matmul_group(const MatrixView* const* ws, float* const* ys, size_t n_w, const float* x,
                  size_t n_tok, ThreadPool& pool, Q8_0Act q8_0_act) {
  const KernelTable& K = active();
  // Prepare every token's activation row once per activation format, before the rows are split
  // across threads: the prepared bytes depend only on x, so each output is the same for any
  // split (and the same as a matmul of each matrix alone).
  thread_local std::vector<uint8_t> scratch;  // grows to the largest product seen
  // Reused per thread: this runs a few hundred times per decoded token, so no allocation here
  // once the largest group has been seen.
  // (References, not the thread_local names, are what the job lambda captures: inside it a
  // thread_local name would mean the worker thread's own copy.)
  thread_local std::vector<Part> parts_reused;
  thread_local std::vector<size_t> first_reused;
  std::vector<Part>& parts = parts_reused;
  std::vector<size_t>& first = first_reused;
  parts.resize(n_w);
  first.resize(n_w);
  size_t total_rows = 0, work = 0, q8_cols = 0;
  for (size_t i = 0; i < n_w; ++i) {
    const MatrixView& w = *ws[i];
    const TypeKernels& tk =
        q8_0_act == Q8_0Act::kF32 && w.type == TensorType::kQ8_0 ? K.q8_0_f32 : K.of(w.type);
    const size_t cols = static_cast<size_t>(w.cols);
    parts[i] = {&w,
                ys[i],
                tk.vec_dot,
                n_tok > 1 ? tk.vec_dot_multi : nullptr,
                tk.act,
                reinterpret_cast<const uint8_t*>(x),
                cols * sizeof(float),
                n_tok >= kMinTok16 && tk.act == ActFormat::kQ8 ? tk.vec_dot_tok16 : nullptr,
                nullptr,
                0};
    if (tk.act == ActFormat::kQ8) {
      parts[i].act_stride = act_row_bytes(ActFormat::kQ8, cols);
      q8_cols = cols;  // every matrix of a group has the same input width
    }
    first[i] = total_rows;
    total_rows += static_cast<size_t>(w.rows);
    work += static_cast<size_t>(w.rows) * cols * n_tok;
  }
  if (q8_cols != 0) {
    const size_t stride = act_row_bytes(ActFormat::kQ8, q8_cols);
    if (scratch.size() < n_tok * stride) scratch.resize(n_tok * stride);
    bool tok16 = false;
    for (const Part& p : parts) tok16 = tok16 || p.tok16 != nullptr;
    thread_local std::vector<uint8_t> inter;  // interleaved groups (tok16)
    const size_t group_bytes = tok16_bytes(q8_cols);
    const size_t groups = (n_tok + kTokGroup - 1) / kTokGroup;
    if (tok16 && inter.size() < groups * group_bytes) inter.resize(groups * group_bytes);
    prepare_q8(K, x, n_tok, q8_cols, scratch.data(), stride, tok16 ? inter.data() : nullptr, pool);
    for (Part& p : parts) {
      if (p.format == ActFormat::kQ8) p.act = scratch.data();
      if (p.tok16 != nullptr) {
        p.act16 = inter.data();
        p.act16_bytes = group_bytes;
      }
    }
  }
  prepare_static_i8(K, parts, x, n_tok);
  auto job = [&](int index, int count) {
    size_t begin = 0, end = 0;
    split_range(total_rows, index, count, &begin, &end);
    run_rows(parts, first, n_tok, begin, end);
  };
  // Waking threads costs more than tiny products; the split never changes the results.
  if (work < kMinParallelWork) {
    ThreadPool::run_inline(job);
  } else {
    pool.run(job);
  }
}

void matmul(const MatrixView& w, const float* x, size_t n_tok, float* y, ThreadPool& pool,
            Q8_0Act q8_0_act) {
  const MatrixView* ws[1] = {&w};
  float* ys[1] = {y};
  matmul_group(ws, ys, 1, x, n_tok, pool, q8_0_act);
}

void get_row(const MatrixView& w, uint64_t r, float* out) {
  dequantize_for(w.type)(w.row(r), out, static_cast<size_t>(w.cols));
}

}  // namespace slim::kernels
