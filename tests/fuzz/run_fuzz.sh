#!/usr/bin/env bash
# Build the libFuzzer targets (the "fuzz" CMake preset, clang) and run each for SECONDS seconds
# (default 60), seeded with the committed valid/corrupt corpora and the real model files from
# ../shared (read in place, never copied). Exits non-zero if any target finds a crash, a leak,
# an out-of-memory or a timeout; reproducers are written to fuzz-artifacts/<target>/.
#
#   tests/fuzz/run_fuzz.sh 300
#   build-fuzz/bin/gguf_fuzz fuzz-artifacts/gguf_fuzz/crash-...     # reproduce one finding
set -uo pipefail

secs="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="${SLIM_SHARED_DIR:-$root/../shared}"
artifacts="${SLIM_FUZZ_ARTIFACTS:-$root/fuzz-artifacts}"
build="$root/build-fuzz"

cd "$root"
cmake --preset fuzz >/dev/null || exit 2
cmake --build --preset fuzz --target gguf_fuzz llama2c_fuzz tokenizer_json_fuzz safetensors_fuzz torch_pickle_fuzz hf_config_fuzz chat_template_fuzz quant_eval_fuzz model_fuzz server_request_fuzz -j "${SLIM_FUZZ_JOBS:-2}" || exit 2

# New inputs found by a run go to $SLIM_FUZZ_CORPUS/<target> if set (kept, to resume later),
# else to a temporary directory.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
work="${SLIM_FUZZ_CORPUS:-$tmp}"

# run TARGET MAX_LEN [extra libFuzzer flags...] -- SEED_DIR...
run() {
  local target="$1" max_len="$2"
  shift 2
  local flags=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  local seeds=()
  for d in "$@"; do
    if [ -d "$d" ]; then seeds+=("$d"); else echo "note: seed dir $d not found, skipped"; fi
  done
  mkdir -p "$work/$target" "$artifacts/$target"
  echo "== $target: ${secs}s, seeds: ${seeds[*]}"
  # The first directory collects this run's new inputs (discarded); the others are read-only seeds.
  "$build/bin/$target" "$work/$target" "${seeds[@]}" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 -max_len="$max_len" \
    -artifact_prefix="$artifacts/$target/" -print_final_stats=1 "${flags[@]}" \
    >"$tmp/$target.log" 2>&1
  local rc=$?
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus)' "$tmp/$target.log"
  if [ "$rc" -ne 0 ]; then
    echo "!! $target failed (exit $rc); log tail:"
    tail -60 "$tmp/$target.log"
  fi
  return "$rc"
}

status=0
# Seeds for gguf_fuzz and model_fuzz: tiny random checkpoints of every architecture
# (tests/ref/make_hf_checkpoint.py --tiny, converted by tests/ref/make_gguf.py; made here, not
# committed).
mkdir -p "$tmp/model_seeds"
for arch in llama qwen2 gpt2 opt opt350; do
  /usr/bin/python3 tests/ref/make_hf_checkpoint.py "$arch" "$tmp/hf_$arch" --tiny >/dev/null &&
    /usr/bin/python3 tests/ref/make_gguf.py "$tmp/hf_$arch" "$tmp/model_seeds/$arch.gguf" ||
    echo "note: could not make the $arch seed"
done
# GGUF seeds: the well-formed and corrupt corpora and the real model (1.2 MB, hence max_len).
# The vocab-only files in ../shared/tokenizer-vectors are left out: each holds ~50k array items,
# which slows the fuzzer ~30x for no new coverage (the unit tests parse them).
run gguf_fuzz 1200000 -dict="$root/tests/fuzz/gguf.dict" -- \
  tests/data/corrupt/gguf/valid tests/data/corrupt/gguf "$tmp/model_seeds" \
  "$shared/models/stories260K" || status=1
run llama2c_fuzz 1100000 -- \
  tests/data/corrupt/llama2c/valid tests/data/corrupt/llama2c "$shared/models/llama2c-stories260K" || status=1
# Tokenizer files: the committed fixtures and corrupt corpus (small; the real GPT-2 files are
# left out for the same reason as the vocab GGUFs above).
run tokenizer_json_fuzz 65536 -- tests/data/tokenizer || status=1
# Hugging Face weights: the committed valid files and corrupt corpora (a few KB each).
run safetensors_fuzz 65536 -- tests/data/safetensors/valid tests/data/safetensors/corrupt || status=1
run torch_pickle_fuzz 65536 -- tests/data/torch/valid tests/data/torch/corrupt tests/data/torch/pickle || status=1
run hf_config_fuzz 16384 -- tests/data/hf_config || status=1
# Chat templates: the real templates and the corrupt/hostile corpus.
run chat_template_fuzz 16384 -dict="$root/tests/fuzz/jinja.dict" -- \
  tests/data/chat_templates tests/data/chat_templates/corrupt || status=1
# imatrix.dat / logits base: seeds are the corpora with a selector byte in front (even = imatrix,
# odd = logits base), made here in the temporary directory.
mkdir -p "$tmp/quant_eval_seeds"
for f in tests/data/corrupt/imatrix/*.dat; do
  { printf '\x00'; cat "$f"; } >"$tmp/quant_eval_seeds/i_$(basename "$f")"
done
for f in tests/data/corrupt/logits/*.bin; do
  { printf '\x01'; cat "$f"; } >"$tmp/quant_eval_seeds/l_$(basename "$f")"
done
run quant_eval_fuzz 65536 -- "$tmp/quant_eval_seeds" || status=1
# Model loading: the tiny checkpoints of every architecture and the real stories260K.
run model_fuzz 1200000 -dict="$root/tests/fuzz/gguf.dict" -- \
  "$tmp/model_seeds" tests/data/corrupt/w8a8 "$shared/models/stories260K" || status=1
# HTTP request bodies of `slim serve`: the corrupt-request corpus (and its manifest) as seeds.
run server_request_fuzz 65536 -- tests/data/server/bad_requests || status=1
exit "$status"
