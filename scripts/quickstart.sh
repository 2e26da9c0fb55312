#!/usr/bin/env bash
# The README's main command: install dependencies, build, and generate text with the
# default model (stories260K from ../shared). Extra arguments go to `slim run`.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${SLIM_MODEL:-../shared/models/stories260K/stories260K.gguf}"
if [ ! -f "$MODEL" ]; then
  echo "no model at $MODEL: get stories260K.gguf from the Hugging Face repo ggml-org/models (or any llama/qwen2 GGUF) and run: SLIM_MODEL=/path/to/model.gguf scripts/quickstart.sh" >&2
  exit 1
fi
scripts/install-deps.sh
scripts/build.sh release >/dev/null
if [ $# -eq 0 ]; then set -- -p "Once upon a time" -n 128 --seed 42; fi
exec build/bin/slim run -m "$MODEL" "$@"
