// What the CPU (and the OS, for register state) supports, read once from CPUID/XGETBV on x86-64
// or from the auxiliary vector on aarch64. Used by kernels/dispatch.cpp to pick a kernel table.
#pragma once

namespace slim {

struct CpuFeatures {
  // x86-64. Each AVX flag is set only if the OS saves the register state (XGETBV), so a flag
  // here means the instructions can actually run.
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avx512fp16 = false;
  // aarch64.
  bool neon = false;     // Advanced SIMD (always present on aarch64 Linux)
  bool dotprod = false;  // SDOT/UDOT (ARMv8.2 dotprod)
};

// Detected once (thread-safe); never changes during the process.
const CpuFeatures& cpu_features();

}  // namespace slim
