#!/usr/bin/env bash
# End-to-end speed of the SmolLM2-135M shape (random weights) for the issue's weight types plus
# W8A8: `slim bench -p 128 -n 64 -t 1,2 -r 2` on each. Models are made once in $MODELS (default
# /tmp/models) with `slim synth` (and `slim quantize ... W8A8 --calib` on 20 KB of WikiText).
# Benchmarks are not tests: run on an idle machine and copy the tables into docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
S=build/bin/slim
M="${MODELS:-/tmp/models}"
shared="${SLIM_SHARED_DIR:-../shared}"
mkdir -p "$M"
for t in Q8_0 Q4_0 Q4_K_M F16; do
  [ -f "$M/smollm2-135m-$t.gguf" ] || "$S" synth --shape smollm2-135m --type "$t" -o "$M/smollm2-135m-$t.gguf"
done
if [ ! -f "$M/smollm2-135m-W8A8.gguf" ]; then
  [ -f "$M/smollm2-135m-F32.gguf" ] || "$S" synth --shape smollm2-135m --type F32 -o "$M/smollm2-135m-F32.gguf"
  head -c 20000 "$shared/eval/wikitext-2/wiki.test.raw" >"$M/calib.txt"
  "$S" quantize "$M/smollm2-135m-F32.gguf" "$M/smollm2-135m-W8A8.gguf" W8A8 --calib "$M/calib.txt"
fi
for t in Q8_0 Q4_0 Q4_K_M F16 W8A8; do
  echo "## $t"
  "$S" bench -m "$M/smollm2-135m-$t.gguf" -p 128 -n 64 -t 1,2 -r 2 2>&1 | tail -4
done
