#include "kernels/kernels.hpp"

#include "kernels/ref/ref.hpp"
#include "quant/quantize.hpp"

namespace slim::kernels {

namespace {

template <TensorType T>
void dequant_thunk(const void* row, float* y, size_t n) {
  (void)dequantize_row(T, row, y, n);  // n was validated by the loader
}

KernelTable make_reference() {
  KernelTable t;
  t.isa = "scalar";
  auto set = [&t](TensorType type, VecDotFn dot, DequantFn deq) {
    t.vec_dot[static_cast<uint32_t>(type)] = dot;
    t.dequantize[static_cast<uint32_t>(type)] = deq;
  };
  set(TensorType::kF32, ref::vec_dot_f32, dequant_thunk<TensorType::kF32>);
  set(TensorType::kF16, ref::vec_dot_f16, dequant_thunk<TensorType::kF16>);
  set(TensorType::kBF16, ref::vec_dot_bf16, dequant_thunk<TensorType::kBF16>);
  set(TensorType::kQ8_0, ref::vec_dot_q8_0, dequant_thunk<TensorType::kQ8_0>);
  set(TensorType::kQ4_0, ref::vec_dot_q4_0, dequant_thunk<TensorType::kQ4_0>);
  t.rmsnorm = ref::rmsnorm;
  t.softmax = ref::softmax;
  t.swiglu = ref::swiglu;
  t.add = ref::add;
  return t;
}

}  // namespace

const KernelTable& reference() {
  static const KernelTable table = make_reference();
  return table;
}

const KernelTable& active() {
  // Only the scalar reference exists so far; ISA variants slot in here (see docs/adr).
  return reference();
}

}  // namespace slim::kernels
