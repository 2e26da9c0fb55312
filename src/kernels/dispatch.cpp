// Builds one kernel table per ISA this build compiled and this CPU runs, and selects one, once.
// Each ISA table starts as a copy of the scalar reference and overrides what the ISA files
// provide, so a missing variant falls back to the reference.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/cpu_features.hpp"
#include "kernels/kernels.hpp"
#include "kernels/ref/ref.hpp"
#include "kernels/w8a8.hpp"
#include "quant/quantize.hpp"
#if defined(SLIM_KERNELS_AVX2) || defined(SLIM_KERNELS_AVX512)
#include "kernels/x86/x86.hpp"
#endif
#if defined(SLIM_KERNELS_NEON)
#include "kernels/arm/arm.hpp"
#endif

namespace slim::kernels {

namespace {

constexpr const char* kIsaNames[kNumIsas] = {"scalar", "avx2", "avx512", "neon", "neon-dot"};

template <TensorType T>
void dequant_thunk(const void* row, float* y, size_t n) {
  (void)dequantize_row(T, row, y, n);  // n was validated by the loader
}

// The reference's vec_dot_multi: a loop over vec_dot (trivially bit-identical to it).
template <VecDotFn Dot>
void multi_loop(const void* row, const void* act, size_t act_stride, size_t n_tok, size_t n,
                float* out) {
  const auto* a = static_cast<const uint8_t*>(act);
  for (size_t t = 0; t < n_tok; ++t) out[t] = Dot(row, a + t * act_stride, n);
}

void set_multi(KernelTable& t, TensorType type, VecDotMultiFn multi) {
  t.type[static_cast<uint32_t>(type)].vec_dot_multi = multi;
}

void set_type(KernelTable& t, TensorType type, ActFormat act, VecDotFn dot) {
  TypeKernels& k = t.type[static_cast<uint32_t>(type)];
  k.act = act;
  k.vec_dot = dot;
}

KernelTable make_reference() {
  KernelTable t;
  t.isa = Isa::kScalar;
  t.name = kIsaNames[0];
  set_type(t, TensorType::kF32, ActFormat::kF32, ref::vec_dot_f32);
  set_type(t, TensorType::kF16, ActFormat::kF32, ref::vec_dot_f16);
  set_type(t, TensorType::kBF16, ActFormat::kF32, ref::vec_dot_bf16);
  set_type(t, TensorType::kQ8_0, ActFormat::kQ8, ref::vec_dot_q8_0);
  set_type(t, TensorType::kQ4_0, ActFormat::kQ8, ref::vec_dot_q4_0);
  t.type[static_cast<uint32_t>(TensorType::kF32)].dequantize = dequant_thunk<TensorType::kF32>;
  t.type[static_cast<uint32_t>(TensorType::kF16)].dequantize = dequant_thunk<TensorType::kF16>;
  t.type[static_cast<uint32_t>(TensorType::kBF16)].dequantize = dequant_thunk<TensorType::kBF16>;
  t.type[static_cast<uint32_t>(TensorType::kQ8_0)].dequantize = dequant_thunk<TensorType::kQ8_0>;
  t.type[static_cast<uint32_t>(TensorType::kQ4_0)].dequantize = dequant_thunk<TensorType::kQ4_0>;
  // The other block formats: all dotted with the Q8 activation row (ADR 0003).
  set_type(t, TensorType::kQ4_1, ActFormat::kQ8, ref::vec_dot_q4_1);
  set_type(t, TensorType::kQ5_0, ActFormat::kQ8, ref::vec_dot_q5_0);
  set_type(t, TensorType::kQ5_1, ActFormat::kQ8, ref::vec_dot_q5_1);
  set_type(t, TensorType::kQ2_K, ActFormat::kQ8, ref::vec_dot_q2_k);
  set_type(t, TensorType::kQ3_K, ActFormat::kQ8, ref::vec_dot_q3_k);
  set_type(t, TensorType::kQ4_K, ActFormat::kQ8, ref::vec_dot_q4_k);
  set_type(t, TensorType::kQ5_K, ActFormat::kQ8, ref::vec_dot_q5_k);
  set_type(t, TensorType::kQ6_K, ActFormat::kQ8, ref::vec_dot_q6_k);
  t.type[static_cast<uint32_t>(TensorType::kQ4_1)].dequantize = dequant_thunk<TensorType::kQ4_1>;
  t.type[static_cast<uint32_t>(TensorType::kQ5_0)].dequantize = dequant_thunk<TensorType::kQ5_0>;
  t.type[static_cast<uint32_t>(TensorType::kQ5_1)].dequantize = dequant_thunk<TensorType::kQ5_1>;
  t.type[static_cast<uint32_t>(TensorType::kQ2_K)].dequantize = dequant_thunk<TensorType::kQ2_K>;
  t.type[static_cast<uint32_t>(TensorType::kQ3_K)].dequantize = dequant_thunk<TensorType::kQ3_K>;
  t.type[static_cast<uint32_t>(TensorType::kQ4_K)].dequantize = dequant_thunk<TensorType::kQ4_K>;
  t.type[static_cast<uint32_t>(TensorType::kQ5_K)].dequantize = dequant_thunk<TensorType::kQ5_K>;
  t.type[static_cast<uint32_t>(TensorType::kQ6_K)].dequantize = dequant_thunk<TensorType::kQ6_K>;
  set_multi(t, TensorType::kF32, multi_loop<ref::vec_dot_f32>);
  set_multi(t, TensorType::kF16, multi_loop<ref::vec_dot_f16>);
  set_multi(t, TensorType::kBF16, multi_loop<ref::vec_dot_bf16>);
  set_multi(t, TensorType::kQ8_0, multi_loop<ref::vec_dot_q8_0>);
  t.q8_0_f32 = {ActFormat::kF32, ref::vec_dot_q8_0_f32, dequant_thunk<TensorType::kQ8_0>,
                multi_loop<ref::vec_dot_q8_0_f32>};
  set_multi(t, TensorType::kQ4_0, multi_loop<ref::vec_dot_q4_0>);
  t.quantize_q8 = ref::quantize_q8;
  t.rmsnorm = ref::rmsnorm;
  t.softmax = ref::softmax;
  t.swiglu = ref::swiglu;
  t.add = ref::add;
  t.layernorm = ref::layernorm;
  t.gelu = ref::gelu;
  t.relu = ref::relu;
  t.read_sum = ref::read_sum;
  t.attention = ref::attention;
  install_w8a8(t);
  return t;
}

// One ISA's functions, all with the reference's signatures (kernels/x86/x86.hpp, arm/arm.hpp).
// The float types' multi-token dots come with their vec_dot (the neon-dot table keeps neon's).
#define SLIM_FILL_TABLE(t, ns)                                         \
  do {                                                                 \
    set_type(t, TensorType::kF32, ActFormat::kF32, ns::vec_dot_f32);   \
    set_type(t, TensorType::kF16, ActFormat::kF32, ns::vec_dot_f16);   \
    set_type(t, TensorType::kBF16, ActFormat::kF32, ns::vec_dot_bf16); \
    set_type(t, TensorType::kQ8_0, ActFormat::kQ8, ns::vec_dot_q8_0);  \
    set_type(t, TensorType::kQ4_0, ActFormat::kQ8, ns::vec_dot_q4_0);  \
    set_multi(t, TensorType::kF32, ns::vec_dot_multi_f32);             \
    set_multi(t, TensorType::kF16, ns::vec_dot_multi_f16);             \
    set_multi(t, TensorType::kBF16, ns::vec_dot_multi_bf16);           \
    (t).quantize_q8 = ns::quantize_q8;                                 \
    (t).rmsnorm = ns::rmsnorm;                                         \
    (t).softmax = ns::softmax;                                         \
    (t).swiglu = ns::swiglu;                                           \
    (t).add = ns::add;                                                 \
    (t).layernorm = ns::layernorm;                                     \
    (t).gelu = ns::gelu;                                               \
    (t).relu = ns::relu;                                               \
    (t).read_sum = ns::read_sum;                                       \
    (t).attention = ns::attention;                                     \
  } while (false)

// The block formats beyond Q8_0 / Q4_0 (Q4_1, Q5_0, Q5_1, Q2_K..Q6_K).
#define SLIM_FILL_MORE_BLOCKS(t, ns)                                  \
  do {                                                                \
    set_type(t, TensorType::kQ4_1, ActFormat::kQ8, ns::vec_dot_q4_1); \
    set_type(t, TensorType::kQ5_0, ActFormat::kQ8, ns::vec_dot_q5_0); \
    set_type(t, TensorType::kQ5_1, ActFormat::kQ8, ns::vec_dot_q5_1); \
    set_type(t, TensorType::kQ2_K, ActFormat::kQ8, ns::vec_dot_q2_k); \
    set_type(t, TensorType::kQ3_K, ActFormat::kQ8, ns::vec_dot_q3_k); \
    set_type(t, TensorType::kQ4_K, ActFormat::kQ8, ns::vec_dot_q4_k); \
    set_type(t, TensorType::kQ5_K, ActFormat::kQ8, ns::vec_dot_q5_k); \
    set_type(t, TensorType::kQ6_K, ActFormat::kQ8, ns::vec_dot_q6_k); \
  } while (false)

// True if this build has a table for `isa` and the CPU (and OS) can run its instructions.
bool runnable(Isa isa) {
  [[maybe_unused]] const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kScalar:
      return true;
#if defined(SLIM_KERNELS_AVX2)
    case Isa::kAvx2:
      return f.avx2 && f.fma && f.f16c;
#endif
#if defined(SLIM_KERNELS_AVX512)
    case Isa::kAvx512:
      return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni && f.fma && f.f16c;
#endif
#if defined(SLIM_KERNELS_NEON)
    case Isa::kNeon:
      return f.neon;
#endif
#if defined(SLIM_KERNELS_NEON_DOT)
    case Isa::kNeonDot:
      return f.neon && f.dotprod;
#endif
    default:
      return false;
  }
}

KernelTable make_table(Isa isa) {
  KernelTable t = make_reference();
  t.isa = isa;
  t.name = kIsaNames[static_cast<size_t>(isa)];
  // The reference's multi-token loops call the reference vec_dot: an ISA table gets a
  // vec_dot_multi only from its own files (matmul loops over its vec_dot otherwise).
  if (isa != Isa::kScalar) {
    for (TypeKernels& k : t.type) k.vec_dot_multi = nullptr;
    t.q8_0_f32.vec_dot_multi = nullptr;
  }
  switch (isa) {
#if defined(SLIM_KERNELS_AVX2)
    case Isa::kAvx2:
      SLIM_FILL_TABLE(t, avx2);
      SLIM_FILL_MORE_BLOCKS(t, avx2);
      set_multi(t, TensorType::kQ8_0, avx2::vec_dot_multi_q8_0);
      set_multi(t, TensorType::kQ4_0, avx2::vec_dot_multi_q4_0);
      set_multi(t, TensorType::kQ4_1, avx2::vec_dot_multi_q4_1);
      set_multi(t, TensorType::kQ5_0, avx2::vec_dot_multi_q5_0);
      set_multi(t, TensorType::kQ5_1, avx2::vec_dot_multi_q5_1);
      set_multi(t, TensorType::kQ4_K, avx2::vec_dot_multi_q4_k);
      set_multi(t, TensorType::kQ5_K, avx2::vec_dot_multi_q5_k);
      set_multi(t, TensorType::kQ6_K, avx2::vec_dot_multi_q6_k);
      t.q8_0_f32.vec_dot = avx2::vec_dot_q8_0_f32;
      break;
#endif
#if defined(SLIM_KERNELS_AVX512)
    case Isa::kAvx512:
      SLIM_FILL_TABLE(t, avx512);
      SLIM_FILL_MORE_BLOCKS(t, avx512);
      set_multi(t, TensorType::kQ8_0, avx512::vec_dot_multi_q8_0);
      t.type[static_cast<uint32_t>(TensorType::kQ8_0)].vec_dot_tok16 = avx512::vec_dot_tok16_q8_0;
      t.type[static_cast<uint32_t>(TensorType::kQ4_0)].vec_dot_tok16 = avx512::vec_dot_tok16_q4_0;
      set_multi(t, TensorType::kQ4_0, avx512::vec_dot_multi_q4_0);
      set_multi(t, TensorType::kQ4_1, avx512::vec_dot_multi_q4_1);
      set_multi(t, TensorType::kQ5_0, avx512::vec_dot_multi_q5_0);
      set_multi(t, TensorType::kQ5_1, avx512::vec_dot_multi_q5_1);
      set_multi(t, TensorType::kQ4_K, avx512::vec_dot_multi_q4_k);
      set_multi(t, TensorType::kQ5_K, avx512::vec_dot_multi_q5_k);
      set_multi(t, TensorType::kQ6_K, avx512::vec_dot_multi_q6_k);
      t.q8_0_f32.vec_dot = avx512::vec_dot_q8_0_f32;
      break;
#endif
#if defined(SLIM_KERNELS_NEON)
    case Isa::kNeon:
      SLIM_FILL_TABLE(t, neon);
      SLIM_FILL_MORE_BLOCKS(t, neon);
      break;
#endif
#if defined(SLIM_KERNELS_NEON_DOT)
    case Isa::kNeonDot:
      SLIM_FILL_TABLE(t, neon);
      set_type(t, TensorType::kQ8_0, ActFormat::kQ8, neon_dot::vec_dot_q8_0);
      set_type(t, TensorType::kQ4_0, ActFormat::kQ8, neon_dot::vec_dot_q4_0);
      SLIM_FILL_MORE_BLOCKS(t, neon_dot);
      break;
#endif
    default:
      break;
  }
  install_w8a8(t);
  return t;
}

#undef SLIM_FILL_TABLE
#undef SLIM_FILL_MORE_BLOCKS

struct Registry {
  KernelTable tables[kNumIsas];
  Isa available[kNumIsas] = {};
  size_t n_available = 0;
  bool present[kNumIsas] = {};
};

Registry build_registry() {
  Registry r;
  for (size_t i = 0; i < kNumIsas; ++i) {
    const auto isa = static_cast<Isa>(i);
    if (!runnable(isa)) continue;
    r.tables[i] = make_table(isa);
    r.present[i] = true;
    r.available[r.n_available++] = isa;  // enum order is worst to best within an architecture
  }
  return r;
}

const Registry& registry() {
  static const Registry r = build_registry();
  return r;
}

const KernelTable& select_active() {
  const Registry& r = registry();
  std::string warning;
  const Isa isa = choose_isa(std::getenv("SLIM_ISA"), {r.available, r.n_available}, &warning);
  if (!warning.empty()) std::fprintf(stderr, "slim: %s\n", warning.c_str());
  return r.tables[static_cast<size_t>(isa)];
}

}  // namespace

const char* isa_name(Isa isa) {
  const auto i = static_cast<size_t>(isa);
  return i < kNumIsas ? kIsaNames[i] : "?";
}

bool parse_isa(std::string_view name, Isa* out) {
  for (size_t i = 0; i < kNumIsas; ++i) {
    if (name == kIsaNames[i]) {
      *out = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

Isa choose_isa(const char* forced, std::span<const Isa> available, std::string* warning) {
  warning->clear();
  const Isa best = available.back();
  if (forced == nullptr || *forced == '\0') return best;
  Isa isa;
  if (!parse_isa(forced, &isa)) {
    *warning = std::string("SLIM_ISA=") + forced +
               " is not one of scalar|avx2|avx512|neon|neon-dot; using " + isa_name(best);
    return best;
  }
  for (const Isa a : available) {
    if (a == isa) return isa;
  }
  *warning = std::string("SLIM_ISA=") + forced + " is not supported by this CPU or build; using " +
             isa_name(best);
  return best;
}

const KernelTable& reference() {
  return registry().tables[static_cast<size_t>(Isa::kScalar)];
}

const KernelTable& active() {
  static const KernelTable& table = select_active();
  return table;
}

std::span<const Isa> available_isas() {
  const Registry& r = registry();
  return {r.available, r.n_available};
}

const KernelTable* table_for(Isa isa) {
  const auto i = static_cast<size_t>(isa);
  if (i >= kNumIsas || !registry().present[i]) return nullptr;
  return &registry().tables[i];
}

}  // namespace slim::kernels
