#!/usr/bin/env bash
# Quick start, command 2: set up, build, and run the whole test suite (GPU tests skip without CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."
TUNE_TEST_DEPS=1 bash scripts/setup.sh
# The `optuna` test opens `tune export --format optuna` files with Optuna and draws its plots
# (plotly), run by the Python CMake recorded (TUNE_PYTHON); it fails without them, so install
# them there when missing.
build=${BUILD_DIR:-build}
python=$(sed -n 's/^TUNE_PYTHON:[A-Z]*=//p' "$build/CMakeCache.txt")
if ! "${python:-python3}" -c 'import optuna, plotly' >/dev/null 2>&1; then
  echo "test: installing optuna==5.0.0 and plotly==7.1.0 for ${python:-python3}" >&2
  "${python:-python3}" -m pip install -q optuna==5.0.0 plotly==7.1.0 >&2
fi
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
