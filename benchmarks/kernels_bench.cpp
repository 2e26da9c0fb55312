// Kernel micro benchmarks, one thread: matrix x vector (decode) per weight type per ISA table
// this machine runs, as weight bytes streamed per second (GB/s = 1e9 bytes/s), plus the
// element-wise ops. The matvec includes preparing the activation row (Q8 quantization for
// every block type) once, as kernels::matmul does.
//
//   build/bin/kernels_bench --benchmark_min_time=1
//   build/bin/kernels_bench --benchmark_filter='matvec/Q8_0'
//   build/bin/kernels_bench --benchmark_filter='matmat/'   (prompt: vec_dot loop, multi, tok16,
//                                                          row by row or in tiles of rows)
//
// Shapes: cols x rows = 576 x 1536 (a SmolLM2-135M FFN matrix), 576 x 49152 (its output head),
// 4608 x 192 and 1536 x 576 (its FFN down projection; the only one K-quants fit).
#include <benchmark/benchmark.h>
#include <algorithm>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kernels/kernels.hpp"
#include "quant/quantize.hpp"

namespace {

using slim::TensorType;
using slim::kernels::ActFormat;
using slim::kernels::Isa;
using slim::kernels::KernelTable;

// Deterministic values in [-1, 1) (splitmix64).
struct Rng {
  uint64_t s;
  float uniform() {
    s += 0x9e3779b97f4a7c15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<float>(static_cast<double>(z >> 40) / 8388608.0 - 1.0);
  }
};

struct Matrix {
  size_t cols = 0, rows = 0, row_bytes = 0;
  std::vector<uint8_t> data;
};

const Matrix& matrix(TensorType type, size_t cols, size_t rows) {
  static std::map<std::tuple<TensorType, size_t, size_t>, Matrix> cache;
  Matrix& m = cache[{type, cols, rows}];
  if (m.data.empty()) {
    uint64_t rb = 0;
    slim::row_bytes(type, cols, &rb);
    m.cols = cols;
    m.rows = rows;
    m.row_bytes = static_cast<size_t>(rb);
    m.data.resize(m.row_bytes * rows);
    Rng rng{42};
    std::vector<float> src(cols);
    for (size_t r = 0; r < rows; ++r) {
      for (float& v : src) v = rng.uniform() * 0.1f;
      (void)slim::quantize_row(type, src.data(), m.data.data() + r * m.row_bytes, cols);
    }
  }
  return m;
}

void BM_Matvec(benchmark::State& state, const KernelTable* k, TensorType type, size_t cols,
               size_t rows) {
  const Matrix& m = matrix(type, cols, rows);
  Rng rng{7};
  std::vector<float> x(cols), y(rows);
  for (float& v : x) v = rng.uniform();
  const slim::kernels::TypeKernels& tk = k->of(type);
  std::vector<uint8_t> act(slim::kernels::act_row_bytes(tk.act, cols));
  for (auto _ : state) {
    const void* a = x.data();
    if (tk.act == ActFormat::kQ8) {
      k->quantize_q8(x.data(), act.data(), cols);
      a = act.data();
    }
    for (size_t r = 0; r < rows; ++r) y[r] = tk.vec_dot(m.data.data() + r * m.row_bytes, a, cols);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double bytes = static_cast<double>(m.data.size());
  state.counters["GB/s"] = benchmark::Counter(bytes * static_cast<double>(state.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
}

// Prompt processing (matrix x n_tok tokens, activations prepared once as kernels::matmul does):
// per row either n_tok vec_dot calls ("loop"), vec_dot_multi over groups of kMaxMultiTok
// tokens ("multi"), vec_dot_tok16 over interleaved groups of 16 tokens ("tok16", the
// interleaving included in the time), or those two with the rows taken in tiles of kRowTile,
// each tile against every token group in turn ("-tile16": a tile's weights and a group's
// activations both stay in L1, where row by row streams all n_tok activation rows from L2 for
// every row; kernels::matmul tiles the same way). Items = multiply-adds. Shapes: 576 x 1536
// (K-quants: 1536 x 576) x 128 tokens.
enum class MatmatMode { kLoop, kMulti, kMultiTiled, kTok16, kTok16Tiled };
constexpr size_t kRowTile = 16;

void BM_Matmat(benchmark::State& state, const KernelTable* k, TensorType type, size_t cols,
               size_t rows, size_t n_tok, MatmatMode mode) {
  const Matrix& m = matrix(type, cols, rows);
  Rng rng{11};
  std::vector<float> x(cols * n_tok), y(rows * n_tok);
  for (float& v : x) v = rng.uniform();
  const slim::kernels::TypeKernels& tk = k->of(type);
  const size_t stride = slim::kernels::act_row_bytes(tk.act, cols);
  std::vector<uint8_t> act(stride * n_tok);
  constexpr size_t kG = slim::kernels::kMaxMultiTok, kT = slim::kernels::kTokGroup;
  const bool tok16 = mode == MatmatMode::kTok16 || mode == MatmatMode::kTok16Tiled;
  const size_t group_bytes = tok16 ? slim::kernels::tok16_bytes(cols) : 0;
  std::vector<uint8_t> inter(group_bytes * ((n_tok + kT - 1) / kT));
  // Rows [r0, r1) times tokens [t0, t0 + group).
  auto group_rows = [&](size_t r0, size_t r1, size_t t0) {
    float out[kT];
    const size_t g = std::min(tok16 ? kT : kG, n_tok - t0);
    for (size_t r = r0; r < r1; ++r) {
      const uint8_t* row = m.data.data() + r * m.row_bytes;
      if (tok16) {
        tk.vec_dot_tok16(row, &inter[t0 / kT * group_bytes], g, cols, out);
      } else {
        tk.vec_dot_multi(row, &act[t0 * stride], stride, g, cols, out);
      }
      for (size_t t = 0; t < g; ++t) y[(t0 + t) * rows + r] = out[t];
    }
  };
  for (auto _ : state) {
    if (tk.act == ActFormat::kF32) {  // F32 / F16 / BF16 weights: the activation rows as they are
      std::memcpy(act.data(), x.data(), act.size());
    } else {
      for (size_t t = 0; t < n_tok; ++t) k->quantize_q8(&x[t * cols], &act[t * stride], cols);
    }
    if (tok16) {
      for (size_t t0 = 0; t0 < n_tok; t0 += kT) {
        slim::kernels::interleave_q8(&act[t0 * stride], stride, std::min(kT, n_tok - t0), cols,
                                     &inter[t0 / kT * group_bytes]);
      }
    }
    const bool tiled = mode == MatmatMode::kMultiTiled || mode == MatmatMode::kTok16Tiled;
    const size_t tile = tiled ? kRowTile : 1;
    for (size_t r0 = 0; r0 < rows; r0 += tile) {
      const size_t r1 = r0 + tile < rows ? r0 + tile : rows;
      if (mode == MatmatMode::kLoop) {
        const uint8_t* row = m.data.data() + r0 * m.row_bytes;
        for (size_t t = 0; t < n_tok; ++t)
          y[t * rows + r0] = tk.vec_dot(row, &act[t * stride], cols);
      } else {
        for (size_t t0 = 0; t0 < n_tok; t0 += tok16 ? kT : kG) group_rows(r0, r1, t0);
      }
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows * cols * n_tok));
}

void BM_Op(benchmark::State& state, const KernelTable* k, int op, size_t n) {
  Rng rng{9};
  std::vector<float> x(n), w(n), y(n), kv(op == 3 ? n * 192 : 0);
  for (float& f : kv) f = rng.uniform();
  for (size_t i = 0; i < n; ++i) {
    x[i] = rng.uniform() * 4.0f;
    w[i] = 1.0f + rng.uniform() * 0.1f;
  }
  for (auto _ : state) {
    switch (op) {
      case 0:
        k->rmsnorm(y.data(), x.data(), w.data(), n, 1e-5f);
        break;
      case 1:
        y = x;
        k->softmax(y.data(), n);
        break;
      case 2:
        y = x;
        k->swiglu(y.data(), w.data(), n);
        break;
      default:  // one head (hd 64) over n cached keys, key/value stride 192 (3 KV heads)
        k->attention(x.data(), kv.data(), kv.data() + 96, 192, n, 64, 0.125f, y.data(), w.data());
        break;
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

void register_all() {
  const std::pair<TensorType, const char*> types[] = {
      {TensorType::kF32, "F32"},   {TensorType::kF16, "F16"},   {TensorType::kBF16, "BF16"},
      {TensorType::kQ8_0, "Q8_0"}, {TensorType::kQ4_0, "Q4_0"}, {TensorType::kQ4_1, "Q4_1"},
      {TensorType::kQ5_0, "Q5_0"}, {TensorType::kQ5_1, "Q5_1"}, {TensorType::kQ2_K, "Q2_K"},
      {TensorType::kQ3_K, "Q3_K"}, {TensorType::kQ4_K, "Q4_K"}, {TensorType::kQ5_K, "Q5_K"},
      {TensorType::kQ6_K, "Q6_K"}};
  // 1536 x 576: the FFN down projection (K-quants need rows of a multiple of 256 elements).
  const std::pair<size_t, size_t> shapes[] = {{576, 1536}, {576, 49152}, {4608, 192}, {1536, 576}};
  for (const auto& [type, tname] : types) {
    for (const auto& [cols, rows] : shapes) {
      if (cols % slim::type_traits(type)->block_elems != 0) continue;
      for (Isa isa : slim::kernels::available_isas()) {
        const KernelTable* k = slim::kernels::table_for(isa);
        const std::string name = std::string("matvec/") + tname + "/" + std::to_string(cols) + "x" +
                                 std::to_string(rows) + "/" + k->name;
        benchmark::RegisterBenchmark(name.c_str(), BM_Matvec, k, type, cols, rows)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  for (const auto& [type, tname] : types) {
    for (Isa isa : slim::kernels::available_isas()) {
      const KernelTable* k = slim::kernels::table_for(isa);
      if (k->of(type).vec_dot_multi == nullptr) continue;
      // K-quants need rows of a multiple of 256: the FFN down projection (1536 x 576).
      const bool k256 = slim::type_traits(type)->block_elems == 256;
      const size_t cols = k256 ? 1536 : 576, rows = k256 ? 576 : 1536;
      const std::pair<MatmatMode, const char*> modes[] = {
          {MatmatMode::kLoop, "loop"},
          {MatmatMode::kMulti, "multi"},
          {MatmatMode::kMultiTiled, "multi-tile16"},
          {MatmatMode::kTok16, "tok16"},
          {MatmatMode::kTok16Tiled, "tok16-tile16"}};
      for (const auto& [mode, mname] : modes) {
        const bool needs_tok16 = mode == MatmatMode::kTok16 || mode == MatmatMode::kTok16Tiled;
        if (needs_tok16 && k->of(type).vec_dot_tok16 == nullptr) continue;
        const std::string name = std::string("matmat/") + tname + "/" + std::to_string(cols) + "x" +
                                 std::to_string(rows) + "x128/" + k->name + "/" + mname;
        benchmark::RegisterBenchmark(name.c_str(), BM_Matmat, k, type, cols, rows, 128, mode)
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  const std::pair<int, const char*> ops[] = {
      {0, "rmsnorm"}, {1, "softmax"}, {2, "swiglu"}, {3, "attention"}};
  for (const auto& [op, oname] : ops) {
    for (Isa isa : slim::kernels::available_isas()) {
      const KernelTable* k = slim::kernels::table_for(isa);
      const size_t n = op == 2 ? 1536 : op == 3 ? 256 : 576;
      const std::string name = std::string("op/") + oname + "/" + std::to_string(n) + "/" + k->name;
      benchmark::RegisterBenchmark(name.c_str(), BM_Op, k, op, n);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
