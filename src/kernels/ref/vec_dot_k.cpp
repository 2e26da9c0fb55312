// Scalar dot products of the other block formats against the Q8 activation row (kernels.hpp):
// Q4_1, Q5_0, Q5_1 (blocks of 32) and the K-quants Q2_K..Q6_K (super-blocks of 256). The K-quants
// reuse the Q8 activation row (one float scale per 32 elements) instead of ggml's Q8_K (one
// scale per 256): the integer sums stay exact, the same prepared row serves every quantized type,
// and the activations are rounded more finely (docs/adr/0003-q8-activations-and-dispatch.md).
//
// Reduction order (every ISA variant reproduces it bit for bit). Activation block b (32 elements)
// has scale dx_b and sum s_b; lane[b % 8] and the final tree are those of vec_dot.cpp.
//
//   Q4_1 / Q5_1 (x = u * d + m, u = the stored level 0..15 / 0..31):
//     isum_b = sum_j u_b[j] * xq_b[j]                               exact int32
//     term_b = float(isum_b) * (dw_b * dx_b) + float(s_b) * (mw_b * dx_b)
//   Q5_0 (x = (u - 16) * d):
//     isum_b = sum_j u_b[j] * xq_b[j] - 16 * s_b;  term_b = float(isum_b) * (dw_b * dx_b)
//
//   K-quants: super-block k covers activation blocks b = 8k .. 8k + 7 (lane = b % 8 = the 32-block
//   inside the super-block). Each half h (16 elements) of block b has an integer scale sc_{b,h}
//   and, for Q2_K, an integer min mn_{b,h}; Q4_K / Q5_K have one scale and min per 32 elements
//   (sc_{b,0} = sc_{b,1}, mn likewise). With u the stored unsigned level and `off` the type's
//   level offset (Q3_K 4, Q6_K 32, others 0), xs_{b,h} = sum of the half's 16 xq:
//     A_b = sum_h sc_{b,h} * (sum_{j in h} u[j] * xq[j] - off * xs_{b,h})     exact int32
//     M_b = sum_h mn_{b,h} * xs_{b,h}                                          exact int32
//     t_b = float(A_b) * d_k;  t_b = t_b - float(M_b) * dmin_k  (types with a min)
//     term_b = t_b * dx_b
//   |A_b| < 2^24 for every type (Q6_K: 2 * 16 * 32 * 127 * 128 = 16646144), so float(A_b) is
//   exact; any ISA may form A_b and M_b in any order.
//     Q2_K: u 0..3,  sc 4-bit, mn 4-bit (per 16), x = (d * sc) * u - dmin * mn
//     Q3_K: u 0..7 (low 2 bits + 4 * high bit), sc = 6-bit - 32 (per 16), x = (d * sc) * (u - 4)
//     Q4_K: u 0..15, Q5_K: u 0..31; sc, mn 6-bit (per 32), x = (d * sc) * u - dmin * mn
//     Q6_K: u 0..63, sc int8 (per 16), x = (d * sc) * (u - 32)
#include <cstdint>
#include <cstring>

#include "kernels/kernels.hpp"
#include "kernels/ref/ref.hpp"
#include "quant/blocks.hpp"

namespace slim::kernels::ref {

namespace {

constexpr size_t kLanes = 8;

float lane_tree(const float* l) {
  return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

int32_t load_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

int32_t xq_at(const uint8_t* xq, size_t j) {
  int8_t x;
  std::memcpy(&x, xq + j, 1);
  return x;
}

// The 32 levels (0..15 or 0..31) of a Q4_1 / Q5_x block: nibbles at qs, high bits in qh (or
// none).
void levels32(const uint8_t* qs, const uint8_t* qh, int32_t* u) {
  const uint32_t h = qh != nullptr ? load_u32(qh) : 0u;
  for (size_t j = 0; j < 16; ++j) {
    u[j] = (qs[j] & 0x0f) | static_cast<int32_t>(((h >> j) & 1u) << 4);
    u[j + 16] = (qs[j] >> 4) | static_cast<int32_t>(((h >> (j + 16)) & 1u) << 4);
  }
}

// Blocks of 32. kQs / kQh: byte offsets of the nibbles and of the high bits (0 = none);
// kOffset: the level offset (Q5_0: 16); kMin: the block has fp16 m at byte 2.
template <size_t kBytes, size_t kQs, size_t kQh, int32_t kOffset, bool kMin>
float dot32(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  const auto* xa = static_cast<const uint8_t*>(act);
  const size_t nb = n / kQ8ActBlock;
  float lane[kLanes] = {};
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk = w + b * kBytes;
    const uint8_t* xq = xa + b * kQ8ActBlock;
    int32_t u[32];
    levels32(blk + kQs, kQh != 0 ? blk + kQh : nullptr, u);
    int32_t isum = 0;
    for (size_t j = 0; j < 32; ++j) isum += u[j] * xq_at(xq, j);
    const int32_t s = load_i32(xa + n + 4 * nb + 4 * b);
    isum -= kOffset * s;
    const float dx = load_f32(xa + n + 4 * b);
    float term = static_cast<float>(isum) * (quant::block_scale(blk) * dx);
    if (kMin) {
      const float tm = static_cast<float>(s) * (quant::block_scale(blk + 2) * dx);
      term = term + tm;
    }
    lane[b % kLanes] += term;
  }
  return lane_tree(lane);
}

// One K-quant super-block decoded to integers: levels u[256], per-16 scales and mins.
struct SuperBlock {
  int32_t u[quant::kQK_K];
  int32_t sc[16];
  int32_t mn[16];
  float d;
  float dmin;
};

void decode_q2_k(const uint8_t* in, SuperBlock* s) {
  for (size_t e = 0; e < quant::kQK_K; ++e) {
    const size_t h = e / 128, t = (e % 128) / 32, l = e % 32;
    s->u[e] = (in[quant::kQ2_KQs + 32 * h + l] >> (2 * t)) & 3;
  }
  for (size_t g = 0; g < 16; ++g) {
    s->sc[g] = in[quant::kQ2_KScales + g] & 0xf;
    s->mn[g] = in[quant::kQ2_KScales + g] >> 4;
  }
  s->d = quant::block_scale(in + quant::kQ2_KD);
  s->dmin = quant::block_scale(in + quant::kQ2_KDmin);
}

void decode_q3_k(const uint8_t* in, SuperBlock* s) {
  for (size_t e = 0; e < quant::kQK_K; ++e) {
    const size_t h = e / 128, t = (e % 128) / 32, l = e % 32;
    const int32_t low = (in[quant::kQ3_KQs + 32 * h + l] >> (2 * t)) & 3;
    const int32_t high = (in[quant::kQ3_KHmask + l] >> (e / 32)) & 1;
    s->u[e] = low | (high << 2);
  }
  const uint8_t* sc = in + quant::kQ3_KScales;
  for (size_t g = 0; g < 16; ++g) {
    const int32_t lo = g < 8 ? sc[g] & 0xf : sc[g - 8] >> 4;
    const int32_t hi = (sc[8 + g % 4] >> (2 * (g / 4))) & 3;
    s->sc[g] = (lo | (hi << 4)) - 32;
    s->mn[g] = 0;
  }
  s->d = quant::block_scale(in + quant::kQ3_KD);
  s->dmin = 0.0f;
}

// Q4_K (qh == nullptr) and Q5_K.
void decode_q45_k(const uint8_t* in, const uint8_t* qh, const uint8_t* qs, SuperBlock* s) {
  for (size_t b = 0; b < 8; ++b) {
    uint8_t sc = 0, m = 0;
    quant::scale_min_k4(b, in + quant::kQ4_KScales, &sc, &m);
    s->sc[2 * b] = s->sc[2 * b + 1] = sc;
    s->mn[2 * b] = s->mn[2 * b + 1] = m;
    const size_t c = b / 2, half = b % 2;
    for (size_t l = 0; l < 32; ++l) {
      int32_t q = (qs[32 * c + l] >> (4 * half)) & 0xf;
      if (qh != nullptr) q |= ((qh[l] >> b) & 1) << 4;
      s->u[32 * b + l] = q;
    }
  }
  s->d = quant::block_scale(in + quant::kQ4_KD);
  s->dmin = quant::block_scale(in + quant::kQ4_KDmin);
}

void decode_q6_k(const uint8_t* in, SuperBlock* s) {
  for (size_t e = 0; e < quant::kQK_K; ++e) {
    const size_t h = e / 128, t = (e % 128) / 32, l = e % 32;
    const int32_t lo = (in[quant::kQ6_KQl + 64 * h + 32 * (t % 2) + l] >> (4 * (t / 2))) & 0xf;
    const int32_t hi = (in[quant::kQ6_KQh + 32 * h + l] >> (2 * t)) & 3;
    s->u[e] = lo | (hi << 4);
  }
  for (size_t g = 0; g < 16; ++g) {
    int8_t sc;
    std::memcpy(&sc, in + quant::kQ6_KScales + g, 1);
    s->sc[g] = sc;
    s->mn[g] = 0;
  }
  s->d = quant::block_scale(in + quant::kQ6_KD);
  s->dmin = 0.0f;
}

template <size_t kBytes, int32_t kOffset, bool kMin, void (*Decode)(const uint8_t*, SuperBlock*)>
float dot_k(const void* row, const void* act, size_t n) {
  const auto* w = static_cast<const uint8_t*>(row);
  const auto* xa = static_cast<const uint8_t*>(act);
  float lane[kLanes] = {};
  SuperBlock s;
  for (size_t k = 0; k < n / quant::kQK_K; ++k) {
    Decode(w + k * kBytes, &s);
    for (size_t i = 0; i < kLanes; ++i) {
      const size_t b = kLanes * k + i;
      const uint8_t* xq = xa + b * kQ8ActBlock;
      int32_t a = 0, m = 0;
      for (size_t h = 0; h < 2; ++h) {
        int32_t dot = 0, xs = 0;
        for (size_t j = 16 * h; j < 16 * h + 16; ++j) {
          dot += s.u[32 * i + j] * xq_at(xq, j);
          xs += xq_at(xq, j);
        }
        a += s.sc[2 * i + h] * (dot - kOffset * xs);
        m += s.mn[2 * i + h] * xs;
      }
      float t = static_cast<float>(a) * s.d;
      if (kMin) {
        const float tm = static_cast<float>(m) * s.dmin;
        t = t - tm;
      }
      lane[i] += t * load_f32(xa + n + 4 * b);
    }
  }
  return lane_tree(lane);
}

void decode_q4_k(const uint8_t* in, SuperBlock* s) {
  decode_q45_k(in, nullptr, in + quant::kQ4_KQs, s);
}

void decode_q5_k(const uint8_t* in, SuperBlock* s) {
  decode_q45_k(in, in + quant::kQ5_KQh, in + quant::kQ5_KQs, s);
}

}  // namespace

float vec_dot_q4_1(const void* row, const void* act, size_t n) {
  return dot32<quant::kQ4_1Bytes, 4, 0, 0, true>(row, act, n);
}

float vec_dot_q5_0(const void* row, const void* act, size_t n) {
  return dot32<quant::kQ5_0Bytes, 6, 2, 16, false>(row, act, n);
}

float vec_dot_q5_1(const void* row, const void* act, size_t n) {
  return dot32<quant::kQ5_1Bytes, 8, 4, 0, true>(row, act, n);
}

float vec_dot_q2_k(const void* row, const void* act, size_t n) {
  return dot_k<quant::kQ2_KBytes, 0, true, decode_q2_k>(row, act, n);
}

float vec_dot_q3_k(const void* row, const void* act, size_t n) {
  return dot_k<quant::kQ3_KBytes, 4, false, decode_q3_k>(row, act, n);
}

float vec_dot_q4_k(const void* row, const void* act, size_t n) {
  return dot_k<quant::kQ4_KBytes, 0, true, decode_q4_k>(row, act, n);
}

float vec_dot_q5_k(const void* row, const void* act, size_t n) {
  return dot_k<quant::kQ5_KBytes, 0, true, decode_q5_k>(row, act, n);
}

float vec_dot_q6_k(const void* row, const void* act, size_t n) {
  return dot_k<quant::kQ6_KBytes, 32, false, decode_q6_k>(row, act, n);
}

}  // namespace slim::kernels::ref
