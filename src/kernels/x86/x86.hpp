// x86-64 kernel variants. Declarations only: each *_avx2.cpp / *_avx512.cpp file is compiled with
// its own target flags (src/CMakeLists.txt) and must not share inline code with the rest of the
// library (a non-inlined copy compiled for AVX-512 could be picked by the linker for all callers);
// dispatch.cpp puts these functions into tables only when the CPU supports them.
// Signatures and reduction orders as in kernels/ref/ref.hpp unless a definition says otherwise.
#pragma once

#include <cstddef>

namespace slim::kernels::avx2 {

#include "kernels/x86/kernels_x86_decls.inc"  // NOLINT(bugprone-suspicious-include)

}  // namespace slim::kernels::avx2

namespace slim::kernels::avx512 {

#include "kernels/x86/kernels_x86_decls.inc"  // NOLINT(bugprone-suspicious-include)

}  // namespace slim::kernels::avx512
