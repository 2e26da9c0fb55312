#!/usr/bin/env bash
# Cross-builds the kernel tables for aarch64 (NEON, NEON + dotprod) with Debian's cross compiler
# and runs the self-contained kernel check (tests/kernels/kernels_isa_check.cpp: every table vs
# the scalar reference) under qemu-user: once on a CPU with dotprod (both tables) and once on one
# without (the neon table only; the neon-dot table must not be selected), plus the SLIM_ISA
# fallback. GoogleTest and the rest of the library (PCRE2 ...) are not needed.
#
#   apt-get install g++-aarch64-linux-gnu qemu-user     # once
#   scripts/test-aarch64.sh                             # builds into build-aarch64/
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/build-aarch64}
CXX=${CXX_AARCH64:-aarch64-linux-gnu-g++}
QEMU=${QEMU_AARCH64:-qemu-aarch64}
for tool in "$CXX" "$QEMU"; do
  if ! command -v "$tool" >/dev/null; then
    echo "test-aarch64: $tool not found (apt-get install g++-aarch64-linux-gnu qemu-user)" >&2
    exit 2
  fi
done

mkdir -p "$OUT"
# The flags of cmake/Warnings.cmake and of the per-ISA section of src/CMakeLists.txt. GCC
# contracts a * b + c into an FMA in C++ by default on aarch64 (-ffp-contract=fast), which would
# change the scalar reference's (and this check's) rounding: off everywhere here, as for
# src/kernels in CMake.
COMMON=(-std=c++20 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
        -Wimplicit-fallthrough -Wformat=2 -Werror -ffp-contract=off -I"$ROOT/src" -I"$ROOT/include")
SOURCES=("$ROOT"/src/core/cpu_features.cpp "$ROOT"/src/core/status.cpp "$ROOT"/src/core/thread_pool.cpp
         "$ROOT"/src/quant/*.cpp "$ROOT"/src/kernels/*.cpp "$ROOT"/src/kernels/ref/*.cpp
         "$ROOT"/tests/kernels/kernels_isa_check.cpp)
OBJS=()
for src in "${SOURCES[@]}"; do
  obj="$OUT/$(basename "${src%.cpp}").o"
  "$CXX" "${COMMON[@]}" -DSLIM_KERNELS_NEON=1 -DSLIM_KERNELS_NEON_DOT=1 -c "$src" -o "$obj"
  OBJS+=("$obj")
done
for src in "$ROOT"/src/kernels/arm/*_neon.cpp; do
  obj="$OUT/$(basename "${src%.cpp}").o"
  "$CXX" "${COMMON[@]}" -c "$src" -o "$obj"
  OBJS+=("$obj")
done
for src in "$ROOT"/src/kernels/arm/*_neon_dot.cpp; do
  obj="$OUT/$(basename "${src%.cpp}").o"
  "$CXX" "${COMMON[@]}" -march=armv8.2-a+dotprod -c "$src" -o "$obj"
  OBJS+=("$obj")
done
"$CXX" -static -pthread "${OBJS[@]}" -o "$OUT/kernels_isa_check"

echo "== qemu -cpu max (NEON + dotprod)"
out=$("$QEMU" -cpu max "$OUT/kernels_isa_check") || { echo "$out"; exit 1; }
echo "$out"
grep -q "available: scalar neon neon-dot" <<<"$out"
echo "== qemu -cpu cortex-a53 (NEON, no dotprod)"
out=$("$QEMU" -cpu cortex-a53 "$OUT/kernels_isa_check") || { echo "$out"; exit 1; }
echo "$out"
grep -q "available: scalar neon$" <<<"$out"
echo "== SLIM_ISA=neon-dot on cortex-a53: falls back with a warning"
out=$(SLIM_ISA=neon-dot "$QEMU" -cpu cortex-a53 "$OUT/kernels_isa_check" 2>&1)
grep -q "SLIM_ISA=neon-dot is not supported" <<<"$out"
grep -q "active table: neon;" <<<"$out"
echo "test-aarch64: all passed"
