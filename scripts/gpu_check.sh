#!/usr/bin/env bash
# The checks that need a GPU, in one go (about 8 minutes on one H200; every piece has its own
# timeout, so a hang costs only its share):
#   1. build against the machine's CUDA LibTorch;
#   2. the tests labelled gpu (graphed steps equal eager ones, captures from 4 threads, studies);
#   3. bench_fused: a single trial eager vs graphed, K = 1, 8, 32, 64 same-shape MLP trials
#      fused, eager and graphed (bench/bench_fused.cpp);
#   4. the Python fused reference (bench/fused_reference.py), the ceiling;
#   5. the default-space 64-trial random study on Fashion-MNIST with --per-device 8: today's
#      unfused eager run (--cuda-graphs off) against the fused one (--fuse 8, graphs on), when
#      this build has --fuse; wall times and best values side by side.
# Where .device/build.sh exists (the lent GPU machine, see ../shared/gpu) it builds with that
# into build-gpu; elsewhere with scripts/setup.sh into build/.
#   FASHION_MNIST   Fashion-MNIST directory (default .device/data/fashion-mnist when present,
#                   else /usr/share/datasets/fashion-mnist)
#   OUT             where the studies and the figures go (default a temporary directory)
#   STUDY_TRIALS    trials of each study in step 5 (default 64)
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
since() { echo "$(($(date +%s) - t0)) s"; }
if [ -f .device/build.sh ]; then
  bash .device/build.sh || exit 1
  build=build-gpu
else
  bash scripts/setup.sh || exit 1
  build=build
fi
echo "== built in $(since)"
data=${FASHION_MNIST:-}
[ -z "$data" ] && [ -d .device/data/fashion-mnist ] && data=$PWD/.device/data/fashion-mnist
data=${data:-/usr/share/datasets/fashion-mnist}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
export FASHION_MNIST=$data  # the gpu tests read it too
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null
python=python3
[ -x .venv/bin/python3 ] && python=.venv/bin/python3

echo "== gpu tests ($(since))"
timeout 200 ctest --test-dir "$build" -L gpu --output-on-failure 2>&1 | grep -v '^ *Start\|^$' |
  tail -25

echo "== bench_fused: single trial and K fused, eager and graphed ($(since))"
timeout 150 "$build/bench/bench_fused" --device cuda:0 --k 1,8,32,64 --epochs 2 --repeats 3 \
  --separate-max 2 2>&1 | tee "$out/bench_fused.txt"

echo "== Python fused reference ($(since))"
timeout 120 "$python" bench/fused_reference.py --device cuda --k 1,8,32,64 --epochs 2 2>&1 |
  tee "$out/fused_reference.txt"

trials=${STUDY_TRIALS:-64}
# Runs one study; prints "<label>: <wall s> s, <complete> complete, best <value>".
study() {
  local label=$1
  shift
  local start
  start=$(date +%s.%N)
  timeout 200 "$build/tune" --config configs/fashion_mlp.json --data "$data" --strategy random \
    --gpus 0 --per-device 8 --trials "$trials" --study "$out/$label" "$@" \
    2>"$out/$label.log" >/dev/null
  local rc=$? wall
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  "$build/tune" status --study "$out/$label" >"$out/$label.status" 2>&1
  printf '%s: rc %d, %s s, %s; %s\n' "$label" "$rc" "$wall" \
    "$(grep -m1 -i complete "$out/$label.status" | tr -s ' ')" \
    "$(grep -m1 '^best' "$out/$label.status" | cut -c1-60)"
  grep -m3 'capture failed' "$out/$label.log"
  echo "$wall" >"$out/$label.wall"
}
# How many times faster study $2 ran than study $1.
ratio() {
  awk -v a="$(cat "$out/$1.wall")" -v b="$(cat "$out/$2.wall")" -v n1="$1" -v n2="$2" \
    'BEGIN { if (b > 0) printf "%s: %.2fx faster than %s\n", n2, a / b, n1 }'
}
echo "== default-space random study, $trials trials, --per-device 8 ($(since))"
study unfused_eager --cuda-graphs off
if "$build/tune" run --help 2>&1 | grep -q -- '--fuse'; then
  study fused --fuse 8
  ratio unfused_eager fused
else
  echo "fused study skipped: this build has no --fuse"
  study unfused_graphed --cuda-graphs on
  ratio unfused_eager unfused_graphed
fi
echo "== total $(since); outputs in $out"
