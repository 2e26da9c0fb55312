// Self-contained (no GoogleTest) check of every ISA kernel table this machine runs against the
// scalar reference: the checks of tests/unit/kernels_isa_test.cpp (and of the float types'
// vec_dot_multi, tests/unit/kernels_multi_float_test.cpp) in compact form, for targets
// where GoogleTest is not available (scripts/test-aarch64.sh builds it with the aarch64 cross
// compiler and runs it under qemu-user). Exit status 0 = all passed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "kernels/kernels.hpp"
#include "quant/quantize.hpp"

namespace {

using slim::TensorType;
using slim::kernels::ActFormat;
using slim::kernels::Isa;
using slim::kernels::KernelTable;

constexpr double kU = 1.0 / 16777216.0;
int g_failures = 0;
int g_checks = 0;

double gamma_k(double k) {
  return k * kU / (1.0 - k * kU);
}

void check(bool ok, const std::string& what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    if (g_failures <= 20) std::printf("FAIL %s\n", what.c_str());
  }
}

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

// `bytes` bytes starting `offset` bytes past a 64-byte boundary.
struct Buffer {
  std::vector<uint8_t> raw;
  uint8_t* p;
  Buffer(size_t bytes, size_t offset) : raw(bytes + 128) {
    const auto addr = reinterpret_cast<uintptr_t>(raw.data());
    p = raw.data() + (64 - addr % 64) % 64 + offset;
  }
  float* f() { return reinterpret_cast<float*>(p); }
};

std::vector<float> activations(Rng& rng, size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = rng.uniform() * std::ldexp(3.0f, int((i / 32) % 7) - 3);
  const size_t nb = n / 32;
  if (nb > 2) std::fill(x.begin() + 32, x.begin() + 64, 0.0f);
  if (nb > 3) x[2 * 32 + 5] = 1000.0f;
  if (nb > 5) {
    x[4 * 32 + 1] = std::numeric_limits<float>::infinity();
    x[5 * 32 + 2] = std::numeric_limits<float>::quiet_NaN();
  }
  return x;
}

std::vector<uint8_t> weight_row(Rng& rng, TensorType type, size_t n) {
  std::vector<float> src(n);
  for (size_t i = 0; i < n; ++i) src[i] = rng.uniform() * std::ldexp(1.0f, int((i / 32) % 5) - 2);
  uint64_t bytes = 0;
  slim::row_bytes(type, n, &bytes);
  std::vector<uint8_t> row(bytes);
  (void)slim::quantize_row(type, src.data(), row.data(), n);
  if (type == TensorType::kQ8_0 && n >= 64) row[34 + 2 + 7] = 0x80;  // q = -128
  return row;
}

// Rows of random bytes (every level, scale and min pattern) for the block formats beyond Q8_0 /
// Q4_0; the fp16 fields (byte offsets in a block) are kept finite so that no nan payloads are
// compared.
struct MoreBlockType {
  TensorType type;
  size_t elems;
  std::vector<size_t> fp16s;
};

std::vector<uint8_t> random_block_row(Rng& rng, const MoreBlockType& t, size_t n) {
  uint64_t bytes = 0;
  slim::row_bytes(t.type, n, &bytes);
  std::vector<uint8_t> row(bytes);
  for (uint8_t& v : row) v = static_cast<uint8_t>((rng.uniform() + 1.0f) * 128.0f);
  const size_t block_bytes = bytes / (n / t.elems);
  for (size_t b = 0; b < n / t.elems; ++b) {
    for (size_t off : t.fp16s) {
      uint8_t* hi = &row[b * block_bytes + off + 1];
      if ((*hi & 0x7c) == 0x7c) *hi = static_cast<uint8_t>(*hi & ~0x40);  // inf/nan -> finite
    }
  }
  return row;
}

// Q4_1, Q5_0, Q5_1, Q2_K..Q6_K: quantized and random-byte rows, odd block counts, every
// misalignment of the weight row and of the activation row.
void check_more_blocks(const KernelTable& s, const KernelTable& r) {
  static const MoreBlockType kTypes[] = {
      {TensorType::kQ4_1, 32, {0, 2}},  {TensorType::kQ5_0, 32, {0}},
      {TensorType::kQ5_1, 32, {0, 2}},  {TensorType::kQ2_K, 256, {80, 82}},
      {TensorType::kQ3_K, 256, {108}},  {TensorType::kQ4_K, 256, {0, 2}},
      {TensorType::kQ5_K, 256, {0, 2}}, {TensorType::kQ6_K, 256, {208}},
  };
  Rng rng{21};
  for (const MoreBlockType& t : kTypes) {
    check(s.of(t.type).act == ActFormat::kQ8 && s.of(t.type).vec_dot != nullptr,
          std::string(s.name) + " " + std::string(slim::type_name(t.type)) + ": Q8 activations");
    const std::vector<size_t> counts = t.elems == 32
                                           ? std::vector<size_t>{1, 2, 3, 7, 8, 9, 15, 17, 33, 257}
                                           : std::vector<size_t>{1, 2, 3, 5, 9};
    for (size_t nblk : counts) {
      for (size_t off : {0, 1, 2, 3}) {
        const size_t n = nblk * t.elems;
        const std::vector<float> x = activations(rng, n);
        std::vector<float> xf = x;
        for (float& v : xf) v = std::isfinite(v) ? v : 1.0f;
        const size_t bytes = slim::kernels::act_row_bytes(ActFormat::kQ8, n);
        Buffer act(bytes, 3 - off);
        r.quantize_q8(xf.data(), act.p, n);
        for (int random = 0; random < 2; ++random) {
          const std::vector<uint8_t> row =
              random != 0 ? random_block_row(rng, t, n) : weight_row(rng, t.type, n);
          Buffer w(row.size(), off);
          std::memcpy(w.p, row.data(), row.size());
          const float got = s.of(t.type).vec_dot(w.p, act.p, n);
          const float want = r.of(t.type).vec_dot(row.data(), act.p, n);
          check(slim::f32_to_bits(got) == slim::f32_to_bits(want),
                std::string(s.name) + " " + std::string(slim::type_name(t.type)) + " blocks " +
                    std::to_string(nblk) + " offset " + std::to_string(off) +
                    (random != 0 ? " random bytes" : " quantized") + ": bit-identical (" +
                    std::to_string(got) + " vs " + std::to_string(want) + ")");
        }
      }
    }
  }
}

// W8A8 (kernels/w8a8.hpp): the static int8 quantizer bit-identical to the reference (nan, inf
// included), and the dot equal to float(exact integer sum) * (s_w * s_x) on arbitrary weight
// bytes (-128 included), misaligned.
void check_w8a8(const KernelTable& s, const KernelTable& r) {
  const std::string isa = s.name;
  Rng rng{77};
  const auto& k = s.of(TensorType::kW8A8);
  check(k.act == ActFormat::kI8 && k.vec_dot != nullptr && s.quantize_i8 != nullptr,
        isa + " W8A8: static int8 activations");
  for (size_t nb : {1, 2, 3, 4, 5, 7, 8, 9, 33, 64}) {
    const size_t n = nb * 32;
    const std::string at = isa + " W8A8 blocks " + std::to_string(nb);
    std::vector<float> x = activations(rng, n);
    const float sx = 0.02f * float(nb);
    Buffer a(n + 4, 1), b(n + 4, 0);
    s.quantize_i8(x.data(), sx, a.p, n);
    r.quantize_i8(x.data(), sx, b.p, n);
    check(std::memcmp(a.p, b.p, n + 4) == 0, at + ": quantize_i8 bit-identical");
    for (int rep = 0; rep < 3; ++rep) {
      Buffer w(n + 4, size_t(rep));
      const float sw = std::fabs(rng.uniform()) * 0.1f;
      std::memcpy(w.p, &sw, 4);
      int64_t isum = 0;
      for (size_t j = 0; j < n; ++j) {
        const auto byte = rep == 2 ? uint8_t{0x80} : static_cast<uint8_t>(rng.uniform() * 256.0f);
        w.p[4 + j] = byte;
        isum += int64_t(static_cast<int8_t>(byte)) * static_cast<int8_t>(b.p[j]);
      }
      const float want = static_cast<float>(isum) * (sw * sx);
      const float got = k.vec_dot(w.p, b.p, n);
      check(slim::f32_to_bits(got) == slim::f32_to_bits(want),
            at + " rep " + std::to_string(rep) + ": vec_dot exact (" + std::to_string(got) +
                " vs " + std::to_string(want) + ")");
    }
  }
}

// vec_dot_multi of the float types against the same table's vec_dot, token by token (kernels.hpp:
// bit-identical), tails of every length, misaligned rows and activations (4-byte aligned), a
// stride > the row.
void check_float_multi(const KernelTable& s) {
  Rng rng{3};
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16}) {
    const auto& k = s.of(t);
    check(k.vec_dot_multi != nullptr,
          std::string(s.name) + " " + std::string(slim::type_name(t)) + ": multi");
    if (k.vec_dot_multi == nullptr) continue;
    for (size_t n : {1, 3, 5, 16, 17, 48, 63, 100, 576, 1031}) {
      const std::vector<uint8_t> row = weight_row(rng, t, n);
      Buffer w(row.size(), 1);
      std::memcpy(w.p, row.data(), row.size());
      const size_t n_max = 10, stride = n * 4 + 12;  // float-aligned rows, not vector-aligned
      Buffer x(stride * n_max, 4);
      std::fill(x.raw.begin(), x.raw.end(), uint8_t{0xff});  // nan between rows: must not be read
      for (size_t j = 0; j < n_max; ++j) {
        for (size_t i = 0; i < n; ++i) {  // finite (no nan payloads to compare)
          const float v = rng.uniform() * 4.0f;
          std::memcpy(x.p + j * stride + 4 * i, &v, 4);
        }
      }
      std::vector<float> want(n_max);
      for (size_t j = 0; j < n_max; ++j) want[j] = k.vec_dot(w.p, x.p + j * stride, n);
      for (size_t n_tok = 1; n_tok <= n_max; ++n_tok) {
        float got[16];
        k.vec_dot_multi(w.p, x.p + (n_max - n_tok) * stride, stride, n_tok, n, got);
        for (size_t j = 0; j < n_tok; ++j) {
          check(slim::f32_to_bits(got[j]) == slim::f32_to_bits(want[n_max - n_tok + j]),
                std::string(s.name) + " " + std::string(slim::type_name(t)) + " n " +
                    std::to_string(n) + " n_tok " + std::to_string(n_tok) +
                    ": vec_dot_multi bit-identical");
        }
      }
    }
  }
}

void check_table(const KernelTable& s, const KernelTable& r) {
  const std::string isa = s.name;
  check_more_blocks(s, r);
  check_float_multi(s);
  check_w8a8(s, r);
  Rng rng{1};
  for (size_t nb : {1, 3, 7, 8, 9, 24, 31, 33, 257}) {
    const size_t n = nb * 32;
    const std::string at = isa + " blocks " + std::to_string(nb);
    const std::vector<float> x = activations(rng, n);
    const size_t bytes = slim::kernels::act_row_bytes(ActFormat::kQ8, n);
    Buffer a(bytes, 1), b(bytes, 0), xin(n * 4, 4);
    std::memcpy(xin.p, x.data(), n * 4);
    s.quantize_q8(xin.f(), a.p, n);
    r.quantize_q8(x.data(), b.p, n);
    check(std::memcmp(a.p, b.p, bytes) == 0, at + ": quantize_q8 bit-identical");
    std::vector<float> xf = x;  // finite activations for the dots
    for (float& v : xf) v = std::isfinite(v) ? v : 1.0f;
    r.quantize_q8(xf.data(), b.p, n);
    for (TensorType t : {TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0,
                         TensorType::kQ5_1, TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K,
                         TensorType::kQ5_K, TensorType::kQ6_K}) {
      if (n % slim::type_traits(t)->block_elems != 0) continue;  // K-quants: 8 and 24 blocks
      const std::vector<uint8_t> row = weight_row(rng, t, n);
      Buffer w(row.size(), 3);
      std::memcpy(w.p, row.data(), row.size());
      const float got = s.of(t).vec_dot(w.p, b.p, n);
      const float want = r.of(t).vec_dot(row.data(), b.p, n);
      check(slim::f32_to_bits(got) == slim::f32_to_bits(want),
            at + " " + std::string(slim::type_name(t)) + ": vec_dot bit-identical (" +
                std::to_string(got) + " vs " + std::to_string(want) + ")");
    }
  }
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16}) {
    for (size_t n : {1, 3, 5, 8, 15, 17, 33, 64, 100, 257, 1031}) {
      const std::vector<uint8_t> row = weight_row(rng, t, n);
      std::vector<float> wd(n);
      (void)slim::dequantize_row(t, row.data(), wd.data(), n);
      Buffer x(n * 4, 4), w(row.size(), 1);
      std::memcpy(w.p, row.data(), row.size());
      double exact = 0, mag = 0;
      for (size_t i = 0; i < n; ++i) {
        x.f()[i] = rng.uniform() * 4.0f;
        exact += double(wd[i]) * x.f()[i];
        mag += std::fabs(double(wd[i]) * x.f()[i]);
      }
      const double tol = gamma_k(double(n) + 2) * mag;
      const float got = s.of(t).vec_dot(w.p, x.p, n);
      check(std::fabs(got - exact) <= tol, isa + " " + std::string(slim::type_name(t)) + " n " +
                                               std::to_string(n) + ": vec_dot within tolerance");
    }
  }
  for (size_t n : {1, 2, 3, 7, 8, 9, 17, 33, 100, 257, 1031}) {
    const std::string at = isa + " n " + std::to_string(n);
    Buffer x(n * 4, 4), w(n * 4, 8), y(n * 4, 12);
    std::vector<float> want(n), yr(n);
    for (size_t i = 0; i < n; ++i) {
      x.f()[i] = rng.uniform() * 5.0f;
      w.f()[i] = 1.0f + rng.uniform() * 0.5f;
      yr[i] = y.f()[i] = rng.uniform() * 10.0f;
    }
    s.add(y.f(), x.f(), n);
    r.add(yr.data(), x.f(), n);
    check(std::memcmp(y.p, yr.data(), n * 4) == 0, at + ": add bit-identical");
    r.rmsnorm(want.data(), x.f(), w.f(), n, 1e-5f);
    s.rmsnorm(y.f(), x.f(), w.f(), n, 1e-5f);
    const double rtol = 2 * gamma_k(double(n) + 2) + 8 * kU;
    bool ok = true;
    for (size_t i = 0; i < n; ++i) ok &= std::fabs(y.f()[i] - want[i]) <= rtol * std::fabs(want[i]);
    check(ok, at + ": rmsnorm within tolerance");
    for (size_t i = 0; i < n; ++i) want[i] = y.f()[i] = x.f()[i] * 6.0f;
    r.softmax(want.data(), n);
    s.softmax(y.f(), n);
    const double stol = 2 * gamma_k(double(n) + 2) + 16 * kU;
    ok = true;
    for (size_t i = 0; i < n; ++i) ok &= std::fabs(y.f()[i] - want[i]) <= stol * want[i] + 1e-44;
    check(ok, at + ": softmax within tolerance");
    for (size_t i = 0; i < n; ++i) want[i] = y.f()[i] = x.f()[i] * 3.0f;
    if (n > 3) want[0] = y.f()[0] = -95.0f;
    r.swiglu(want.data(), w.f(), n);
    s.swiglu(y.f(), w.f(), n);
    ok = true;
    for (size_t i = 0; i < n; ++i) {
      ok &= std::fabs(y.f()[i] - want[i]) <= 16 * kU * std::fabs(want[i]) + 1e-37;
    }
    check(ok, at + ": swiglu within tolerance");
    std::vector<float> bias(n);
    for (size_t i = 0; i < n; ++i) bias[i] = rng.uniform();
    r.layernorm(want.data(), x.f(), w.f(), bias.data(), n, 1e-5f);
    s.layernorm(y.f(), x.f(), w.f(), bias.data(), n, 1e-5f);
    // The bound of kernels_isa_test.cpp: |y - ref| <= g ((|d_i| + mean|x|) scale |w_i| + |b_i|).
    double mean = 0, mean_abs = 0, var = 0;
    for (size_t i = 0; i < n; ++i)
      mean += x.f()[i] / double(n), mean_abs += std::fabs(x.f()[i]) / double(n);
    for (size_t i = 0; i < n; ++i) var += (x.f()[i] - mean) * (x.f()[i] - mean) / double(n);
    const double lscale = 1.0 / std::sqrt(var + 1e-5), g = 8 * gamma_k(double(n) + 4) + 16 * kU;
    ok = true;
    for (size_t i = 0; i < n; ++i) {
      const double d = std::fabs(x.f()[i] - mean);
      ok &= std::fabs(y.f()[i] - want[i]) <=
            g * ((d + mean_abs) * lscale * std::fabs(w.f()[i]) + std::fabs(bias[i]));
    }
    check(ok, at + ": layernorm within tolerance");
    for (size_t i = 0; i < n; ++i) want[i] = y.f()[i] = x.f()[i] * 2.0f;
    r.gelu(want.data(), n);
    s.gelu(y.f(), n);
    ok = true;
    for (size_t i = 0; i < n; ++i) {
      ok &= std::fabs(y.f()[i] - want[i]) <= 16 * kU * std::fabs(want[i]) + 1e-37;
    }
    check(ok, at + ": gelu within tolerance");
    for (size_t i = 0; i < n; ++i) want[i] = y.f()[i] = x.f()[i];
    if (n > 1) want[0] = y.f()[0] = -0.0f;
    r.relu(want.data(), n);
    s.relu(y.f(), n);
    check(std::memcmp(y.p, want.data(), n * 4) == 0, at + ": relu bit-identical");
  }
  for (size_t hd : {1, 3, 8, 16, 33, 64, 80}) {
    for (size_t nk : {1, 7, 8, 9, 100}) {
      const size_t stride = 2 * hd + 3;
      const float scale = 1.0f / std::sqrt(float(hd));
      Buffer q(hd * 4, 4), k(nk * stride * 4, 8), v(nk * stride * 4, 12);
      for (size_t i = 0; i < hd; ++i) q.f()[i] = rng.uniform() * 3.0f;
      for (size_t i = 0; i < nk * stride; ++i) {
        k.f()[i] = rng.uniform() * 3.0f;
        v.f()[i] = rng.uniform() * 2.0f;
      }
      std::vector<float> sr(nk), orf(hd), sg(nk), og(hd);
      r.attention(q.f(), k.f(), v.f(), stride, nk, hd, scale, sr.data(), orf.data());
      s.attention(q.f(), k.f(), v.f(), stride, nk, hd, scale, sg.data(), og.data());
      double e_max = 0;
      for (size_t j = 0; j < nk; ++j) {
        double mag = 0;
        for (size_t i = 0; i < hd; ++i) mag += std::fabs(q.f()[i] * k.f()[j * stride + i]);
        e_max = std::max(e_max, 2 * gamma_k(double(hd) + 2) * scale * mag);
      }
      const double rel = 2 * e_max + 2 * gamma_k(double(nk) + 2) + 16 * kU;
      bool ok = true;
      std::vector<float> expect(hd, 0.0f);
      for (size_t j = 0; j < nk; ++j) {
        ok &= std::fabs(sg[j] - sr[j]) <= rel * sr[j] + 1e-44;
        for (size_t i = 0; i < hd; ++i) {
          const float p = sg[j] * v.f()[j * stride + i];
          expect[i] += p;
        }
      }
      for (size_t i = 0; i < hd; ++i)
        ok &= slim::f32_to_bits(og[i]) == slim::f32_to_bits(expect[i]);
      check(ok, isa + " attention hd " + std::to_string(hd) + " keys " + std::to_string(nk));
    }
  }
  for (size_t n : {size_t{256}, size_t{4096 + 256}, size_t{65536}}) {
    Buffer b(n, 8);
    uint64_t want = 0;
    for (size_t i = 0; i < n; i += 8) {
      rng.s = rng.s * 6364136223846793005ull + 1442695040888963407ull;
      const uint64_t w = rng.s ^ (uint64_t{1} << 63);
      std::memcpy(b.p + i, &w, 8);
      want += w;
    }
    check(s.read_sum(b.p, n) == want && r.read_sum(b.p, n) == want,
          isa + " read_sum " + std::to_string(n));
  }
}

}  // namespace

int main() {
  const KernelTable& ref = slim::kernels::reference();
  std::printf("active table: %s; available:", slim::kernels::active().name);
  for (Isa isa : slim::kernels::available_isas()) std::printf(" %s", slim::kernels::isa_name(isa));
  std::printf("\n");
  for (Isa isa : slim::kernels::available_isas()) {
    if (isa != Isa::kScalar) check_table(*slim::kernels::table_for(isa), ref);
  }
  std::printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
