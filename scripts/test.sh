#!/usr/bin/env bash
# The README's test command: install dependencies, build (release), run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
ctest --test-dir build --output-on-failure -j"$(nproc)"
