#!/usr/bin/env bash
# Quick start, command 2: set up, build, and run the whole test suite (GPU tests skip without CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."
TUNE_TEST_DEPS=1 bash scripts/setup.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
