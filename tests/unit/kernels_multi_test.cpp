// vec_dot_multi (several tokens per weight row, kernels.hpp) against the same table's vec_dot:
// bit-identical per token for every available ISA table and every type that has a multi kernel,
// for n_tok 1..8 (and more than kMaxMultiTok), odd block counts and misaligned buffers.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

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

TEST(KernelsMulti, EveryIsaTableHasMultiFor8BitAnd4BitBlocks) {
  // The reference and every x86 table provide Q8_0 and Q4_0 (prompt processing relies on them).
  for (const Isa isa : kernels::available_isas()) {
    const KernelTable* k = kernels::table_for(isa);
    ASSERT_NE(k, nullptr);
    if (isa == Isa::kScalar || isa == Isa::kAvx2 || isa == Isa::kAvx512) {
      EXPECT_NE(k->of(TensorType::kQ8_0).vec_dot_multi, nullptr) << k->name;
      EXPECT_NE(k->of(TensorType::kQ4_0).vec_dot_multi, nullptr) << k->name;
    }
  }
}

TEST(KernelsMulti, BitIdenticalToVecDotPerToken) {
  const TensorType kTypes[] = {TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_1,
                               TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ2_K,
                               TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K,
                               TensorType::kQ6_K};
  size_t checked = 0;
  for (const Isa isa : kernels::available_isas()) {
    const KernelTable& k = *kernels::table_for(isa);
    for (const TensorType type : kTypes) {
      const kernels::TypeKernels& tk = k.of(type);
      if (tk.vec_dot_multi == nullptr) continue;
      ASSERT_EQ(tk.act, ActFormat::kQ8);
      const size_t be = type_traits(type)->block_elems;
      // Block counts: 1, odd, a partial group of 8, whole groups, groups plus a tail.
      // 32-element blocks: every count up to 34 (each remainder of the 8- and 16-block steps).
      std::vector<size_t> small(34);
      for (size_t i = 0; i < small.size(); ++i) small[i] = i + 1;
      for (const size_t blocks : be == 256 ? std::vector<size_t>{1, 3, 5} : small) {
        const size_t n = blocks * be;
        uint64_t rb = 0;
        ASSERT_TRUE(row_bytes(type, n, &rb));
        const size_t n_max = 11;  // more than kMaxMultiTok
        for (const size_t offset : {size_t{0}, size_t{3}}) {
          uint32_t s = 777u + static_cast<uint32_t>(n + offset) * 31u + static_cast<uint32_t>(type);
          std::vector<float> src(n);
          Buffer row(rb, offset);
          for (float& v : src) v = lcg_uniform(&s);
          ASSERT_TRUE(quantize_row(type, src.data(), row.data(), n).is_ok());
          // Activations: a stride that is not a multiple of 4 (misaligned d and s arrays).
          const size_t act_bytes = kernels::act_row_bytes(ActFormat::kQ8, n);
          const size_t stride = act_bytes + 1 + offset;
          Buffer acts(stride * n_max, offset + 1);
          for (size_t t = 0; t < n_max; ++t) {
            for (float& v : src) v = lcg_uniform(&s) * static_cast<float>(1 + t);
            if (t == 2) src[0] = 0.0f, src[1] = 1e-30f;  // a near-zero scale somewhere
            k.quantize_q8(src.data(), acts.data() + t * stride, n);
          }
          std::vector<float> want(n_max);
          for (size_t t = 0; t < n_max; ++t) {
            want[t] = tk.vec_dot(row.data(), acts.data() + t * stride, n);
          }
          for (size_t n_tok = 1; n_tok <= n_max; ++n_tok) {
            if (n_tok > kernels::kMaxMultiTok) break;
            for (size_t first = 0; first + n_tok <= n_max; first += 3) {
              std::vector<float> got(n_tok + 1, -7.0f);
              tk.vec_dot_multi(row.data(), acts.data() + first * stride, stride, n_tok, n,
                               got.data());
              for (size_t t = 0; t < n_tok; ++t) {
                EXPECT_EQ(std::memcmp(&got[t], &want[first + t], 4), 0)
                    << k.name << " " << type_name(type) << " n=" << n << " n_tok=" << n_tok
                    << " token " << first + t << ": " << got[t] << " vs " << want[first + t];
                ++checked;
              }
              EXPECT_EQ(got[n_tok], -7.0f) << "wrote past out[n_tok - 1]";
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace slim
