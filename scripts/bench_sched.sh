#!/usr/bin/env bash
# Builds and runs the scheduler benchmark (throughput with 1..K workers on one device, the
# sleep-bound CPU study, the leak check); exits 1 when the leak check fails. Arguments go to
# bench_sched, e.g.
#   scripts/bench_sched.sh --device cuda:0 --workers 1,2,4,8 --data /path/to/fashion-mnist
#   BUILD_DIR   build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >&2
fi
cmake --build "$build" --target bench_sched -j "$(nproc)" >&2
exec "$build/bench/bench_sched" "$@"
