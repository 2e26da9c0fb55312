// Puts the W8A8 kernels into a kernel table (the ISA files of kernels/*/w8a8_*.cpp when this
// build compiled them, else the scalar reference), so dispatch.cpp only calls install_w8a8.
#include "kernels/kernels.hpp"
#include "kernels/w8a8.hpp"
#include "quant/quantize.hpp"

namespace slim::kernels {

static_assert(kMaxMultiTok <= kW8A8MaxTok, "vec_dot_multi_w8a8 holds kW8A8MaxTok accumulators");

namespace {

void dequant_w8a8(const void* row, float* y, size_t n) {
  (void)dequantize_row(TensorType::kW8A8, row, y, n);  // n was validated by the loader
}

}  // namespace

void install_w8a8(KernelTable& t) {
  TypeKernels& k = t.type[kW8A8Slot];
  k.act = ActFormat::kI8;
  k.dequantize = dequant_w8a8;
  k.vec_dot = ref::vec_dot_w8a8;
  k.vec_dot_multi = nullptr;  // scalar / NEON: matmul loops over vec_dot
  t.quantize_i8 = ref::quantize_i8;
  switch (t.isa) {
#if defined(SLIM_KERNELS_AVX2)
    case Isa::kAvx2:
      k.vec_dot = avx2::vec_dot_w8a8;
      k.vec_dot_multi = avx2::vec_dot_multi_w8a8;
      t.quantize_i8 = avx2::quantize_i8;
      break;
#endif
#if defined(SLIM_KERNELS_AVX512)
    case Isa::kAvx512:
      k.vec_dot = avx512::vec_dot_w8a8;
      k.vec_dot_multi = avx512::vec_dot_multi_w8a8;
      t.quantize_i8 = avx512::quantize_i8;
      break;
#endif
#if defined(SLIM_KERNELS_NEON)
    case Isa::kNeon:
      k.vec_dot = neon::vec_dot_w8a8;
      t.quantize_i8 = neon::quantize_i8;
      break;
#endif
#if defined(SLIM_KERNELS_NEON_DOT)
    case Isa::kNeonDot:
      k.vec_dot = neon_dot::vec_dot_w8a8;
      t.quantize_i8 = neon::quantize_i8;
      break;
#endif
    default:
      break;
  }
}

}  // namespace slim::kernels
