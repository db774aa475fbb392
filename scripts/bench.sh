#!/usr/bin/env bash
# Builds and runs one benchmark; they print figures and are never part of the test suite.
#   scripts/bench.sh [strategies] [ARGS]  random, grid, bayes, tpe through the library and
#                                         Optuna's TPESampler and GPSampler (bench/optuna_baseline.py)
#                                         side by side: regret table and ask times, e.g. --seeds
#                                         20,optuna-gp=5 --max-evals 100,optuna-gp=50 --functions
#                                         branin --strategies bayes,optuna-gp (Optuna runs are kept
#                                         in $BUILD_DIR/optuna_runs.jsonl and reused)
#   scripts/bench.sh sched [ARGS]         study throughput with 1..K workers on one device, the
#                                         sleep-bound 1-vs-2-worker CPU study, the leak check
#                                         (exits 1 on a leak), e.g. --device cuda:0 --workers 1,2,4,8
#   scripts/bench.sh train [ARGS]         tune's trainer against the same loop in Python PyTorch
#   scripts/bench.sh report [ARGS]        the report of a large study (--trials 1000 --epochs 20):
#                                         build time, size, one dashboard poll, and the time
#                                         headless Chromium takes to draw it (needs the test set-up)
#   scripts/bench.sh storage [ARGS]       claim + finish per trial on SQLite and on PostgreSQL over
#                                         loopback with 1, 4, 16 worker processes, 2,000 trials:
#                                         trials/s and p99 claim latency (--storage URL, --workers)
#   scripts/bench.sh sweep [ARGS]         Optuna's pytorch_simple example in Python against tune on
#                                         configs/optuna_pytorch_simple.json (bench/sweep.sh), e.g.
#                                         --device cpu --trials 20
#   scripts/bench.sh pbt [ARGS]           population-based training against random, bayes and tpe
#                                         at the same epochs on configs/fashion_mlp_pbt.json
#                                         (bench/pbt.sh), each winner tested, e.g. --seeds "0 1 2"
#   BUILD_DIR   build directory (default build)
# Installs optuna with pip into the benchmark's Python when the strategies or sweep benchmark
# needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
name=strategies
case "${1:-}" in strategies | sched | train | report | storage | sweep | pbt) name=$1 && shift ;; esac
build=${BUILD_DIR:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >&2
fi
python=$(sed -n 's/^TUNE_PYTHON:[A-Z]*=//p' "$build/CMakeCache.txt")
python=${python:-python3}
if [ "$name" = sweep ] || [ "$name" = pbt ]; then
  cmake --build "$build" --target tune -j "$(nproc)" >&2
  exec bash "bench/$name.sh" "$build" "$python" "$@"
fi
if [ "$name" = strategies ]; then
  # greenlet lets GPSampler refine its acquisition's starts as one batch (its fast path).
  if ! "$python" -c 'import optuna, greenlet' >/dev/null 2>&1; then
    echo "bench: installing optuna and greenlet for $python (Optuna baselines)" >&2
    "$python" -m pip install -q 'optuna>=5' greenlet >&2 ||
      echo "bench: optuna unavailable; Optuna rows skipped" >&2
  fi
fi
cmake --build "$build" --target "bench_$name" -j "$(nproc)" >&2
if [ "$name" = report ]; then
  out=$(mktemp -d)
  "$build/bench/bench_report" --out "$out" "$@"
  if [ -d tests/browser/node_modules/puppeteer-core ]; then
    node tests/browser/time_report.mjs --report "$out/report.html"
  else
    echo "bench: run scripts/test.sh once (Chromium and puppeteer-core) to time the page" >&2
  fi
  rm -rf "$out"
  exit 0
fi
if [ "$name" = strategies ]; then
  exec "$build/bench/bench_$name" --optuna-cache "$build/optuna_runs.jsonl" "$@"
fi
exec "$build/bench/bench_$name" "$@"
