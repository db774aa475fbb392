#!/usr/bin/env bash
# Builds and runs one benchmark; they print figures and are never part of the test suite.
#   scripts/bench.sh [strategies] [ARGS]  random, grid, bayes through the library and Optuna's TPE
#                                         (bench/tpe_baseline.py) side by side: regret table and
#                                         ask time, e.g. --seeds 20 --budget 100 --functions branin
#   scripts/bench.sh sched [ARGS]         study throughput with 1..K workers on one device, the
#                                         sleep-bound 1-vs-2-worker CPU study, the leak check
#                                         (exits 1 on a leak), e.g. --device cuda:0 --workers 1,2,4,8
#   scripts/bench.sh train [ARGS]         tune's trainer against the same loop in Python PyTorch
#   BUILD_DIR   build directory (default build)
# Installs optuna with pip into the benchmark's Python when the strategies benchmark needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
name=strategies
case "${1:-}" in strategies | sched | train) name=$1 && shift ;; esac
build=${BUILD_DIR:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >&2
fi
if [ "$name" = strategies ]; then
  python=$(sed -n 's/^TUNE_PYTHON:[A-Z]*=//p' "$build/CMakeCache.txt")
  python=${python:-python3}
  if ! "$python" -c 'import optuna' >/dev/null 2>&1; then
    echo "bench: installing optuna for $python (TPE baseline)" >&2
    "$python" -m pip install -q optuna >&2 || echo "bench: optuna unavailable; TPE columns skipped" >&2
  fi
fi
cmake --build "$build" --target "bench_$name" -j "$(nproc)" >&2
exec "$build/bench/bench_$name" "$@"
