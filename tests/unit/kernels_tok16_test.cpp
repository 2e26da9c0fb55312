// The interleaved token groups (kernels.hpp, kTokGroup) and vec_dot_tok16: the layout checked
// byte by byte against its documented formula, and every table's vec_dot_tok16 against the same
// table's vec_dot, bit for bit, for every token count 1..16, every block count 1..34 (each
// remainder of an 8-block step) and a long row, misaligned buffers, hostile weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "kernel_test_util.hpp"
#include "kernels/kernels.hpp"
#include "quant/quantize.hpp"

namespace slim {
namespace {

using test::lcg_next;
using test::lcg_uniform;
using Buffer = test::OffsetBuffer;

using kernels::ActFormat;
using kernels::Isa;
using kernels::KernelTable;
using kernels::kTokGroup;

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST(KernelsTok16, InterleaveFollowsTheDocumentedLayout) {
  const size_t n = 96, nb = 3, n_tok = 5, stride = kernels::act_row_bytes(ActFormat::kQ8, n) + 3;
  std::vector<uint8_t> rows(stride * n_tok);
  uint32_t s = 5;
  for (uint8_t& b : rows) b = static_cast<uint8_t>(lcg_next(&s) >> 24);
  std::vector<uint8_t> out(kernels::tok16_bytes(n), 0xee);
  ASSERT_EQ(out.size(), 16 * n + 128 * nb);
  kernels::interleave_q8(rows.data(), stride, n_tok, n, out.data());
  for (size_t t = 0; t < kTokGroup; ++t) {
    const uint8_t* row = rows.data() + t * stride;
    for (size_t j = 0; j < n; ++j) {
      const uint8_t want = t < n_tok ? row[j] : 0;
      ASSERT_EQ(out[64 * (j / 4) + 4 * t + j % 4], want) << "t " << t << " j " << j;
    }
    for (size_t b = 0; b < nb; ++b) {
      for (size_t k = 0; k < 4; ++k) {
        const uint8_t want_d = t < n_tok ? row[n + 4 * b + k] : 0;
        const uint8_t want_s = t < n_tok ? row[n + 4 * nb + 4 * b + k] : 0;
        ASSERT_EQ(out[16 * n + 4 * (16 * b + t) + k], want_d) << "d t " << t << " b " << b;
        ASSERT_EQ(out[16 * n + 64 * nb + 4 * (16 * b + t) + k], want_s) << "s t " << t;
      }
    }
  }
}

TEST(KernelsTok16, AvailableWhereExpected) {
  for (const Isa isa : kernels::available_isas()) {
    const KernelTable* k = kernels::table_for(isa);
    if (isa == Isa::kAvx512) {
      EXPECT_NE(k->of(TensorType::kQ8_0).vec_dot_tok16, nullptr);
      EXPECT_NE(k->of(TensorType::kQ4_0).vec_dot_tok16, nullptr);
    }
  }
}

TEST(KernelsTok16, BitIdenticalToVecDotPerToken) {
  size_t checked = 0;
  for (const Isa isa : kernels::available_isas()) {
    const KernelTable& k = *kernels::table_for(isa);
    for (const TensorType type : {TensorType::kQ8_0, TensorType::kQ4_0}) {
      const kernels::TypeKernels& tk = k.of(type);
      if (tk.vec_dot_tok16 == nullptr) continue;
      std::vector<size_t> counts(34);
      for (size_t i = 0; i < counts.size(); ++i) counts[i] = i + 1;
      counts.push_back(257);
      for (const size_t nb : counts) {
        const size_t n = nb * 32;
        uint64_t rb = 0;
        ASSERT_TRUE(row_bytes(type, n, &rb));
        const size_t offset = nb % 4;
        uint32_t s = 99u + static_cast<uint32_t>(n) * 7u + static_cast<uint32_t>(type);
        std::vector<float> src(n);
        for (size_t i = 0; i < n; ++i)
          src[i] = lcg_uniform(&s) * std::ldexp(1.0f, static_cast<int>(i / 32 % 5) - 2);
        Buffer row(rb, offset);
        ASSERT_TRUE(quantize_row(type, src.data(), row.data(), n).is_ok());
        if (type == TensorType::kQ8_0 && nb >= 2) {
          row.data()[34 + 2 + 5] = 0x80;  // q = -128 (never written by the quantizer)
          const uint16_t big = f32_to_fp16(65504.0f);
          std::memcpy(row.data(), &big, 2);
        }
        const size_t stride = kernels::act_row_bytes(ActFormat::kQ8, n) + 1 + offset;
        Buffer acts(stride * kTokGroup, offset + 1);
        for (size_t t = 0; t < kTokGroup; ++t) {
          for (float& v : src) v = lcg_uniform(&s) * static_cast<float>(1 + t);
          if (t == 3) src[0] = 0.0f, src[1] = 1e-30f;
          k.quantize_q8(src.data(), acts.data() + t * stride, n);
        }
        Buffer inter(kernels::tok16_bytes(n), 2 * offset);
        for (size_t n_tok = 1; n_tok <= kTokGroup; ++n_tok) {
          kernels::interleave_q8(acts.data(), stride, n_tok, n, inter.data());
          std::vector<float> got(kTokGroup + 1, -7.0f);
          tk.vec_dot_tok16(row.data(), inter.data(), n_tok, n, got.data());
          for (size_t t = 0; t < n_tok; ++t) {
            const float want = tk.vec_dot(row.data(), acts.data() + t * stride, n);
            ASSERT_EQ(bits(got[t]), bits(want))
                << k.name << " " << type_name(type) << " blocks " << nb << " n_tok " << n_tok
                << " token " << t << ": " << got[t] << " vs " << want;
            ++checked;
          }
          for (size_t t = n_tok; t <= kTokGroup; ++t) {
            ASSERT_EQ(got[t], -7.0f) << "wrote past out[n_tok - 1]";
          }
        }
      }
    }
  }
  if (kernels::table_for(Isa::kAvx512) != nullptr) {
    EXPECT_GT(checked, 0u);
  }
}

}  // namespace
}  // namespace slim
