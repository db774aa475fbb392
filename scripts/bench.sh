#!/usr/bin/env bash
# Builds and runs the strategy benchmark (random, grid, bayes through the library; Optuna TPE
# through bench/tpe_baseline.py) and prints the side-by-side regret table and the ask time.
# Installs optuna with pip into the benchmark's Python when it is missing (benchmarks only: the
# tests never need it). Arguments go to bench_strategies, e.g.
#   scripts/bench.sh --seeds 20 --budget 100 --functions branin,hartmann6
#   BUILD_DIR   build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >&2
fi
python=$(sed -n 's/^TUNE_PYTHON:[A-Z]*=//p' "$build/CMakeCache.txt")
python=${python:-python3}
if ! "$python" -c 'import optuna' >/dev/null 2>&1; then
  echo "bench: installing optuna for $python (TPE baseline)" >&2
  "$python" -m pip install -q optuna >&2 || echo "bench: optuna unavailable; TPE columns skipped" >&2
fi
cmake --build "$build" --target bench_strategies -j "$(nproc)" >&2
exec "$build/bench/bench_strategies" "$@"
