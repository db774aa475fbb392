#!/usr/bin/env bash
# The checks that need a GPU, in one go, each stage cut to what is left of a time budget
# (GPU_CHECK_BUDGET seconds, default 540) so that the whole run ends inside one device call:
#   1. the programs: prebuilt ones from .device/prebuilt where it exists (scripts/gpu_prebuild.sh
#      builds them on a CPU machine against the GPU machine's LibTorch; the check stops at once
#      if they do not start), else built here with .device/build.sh (../shared/gpu) or
#      scripts/setup.sh;
#   2. the tests labelled gpu (graphed steps equal eager ones, captures from 4 threads, studies);
#   3. bench_fused: a single trial eager vs graphed, K = 1, 8, 32, 64 same-shape MLP trials
#      fused, eager and graphed (bench/bench_fused.cpp);
#   4. the default-space 64-trial random study on Fashion-MNIST with --per-device 8: unfused and
#      eager (--fuse 1 --cuda-graphs off, what landed before fusing) against the default (fused
#      groups, CUDA graphs); wall times and best values side by side;
#   5. the Python fused reference (bench/fused_reference.py), the ceiling;
#   6. the Optuna pytorch_simple sweep on cuda:0 (bench/sweep.sh; optuna from .device/whl);
#   7. the published-table runs: bayes on configs/fashion_cnn.json and
#      configs/fashion_mlp_published.json with what time is left, and the winners' test accuracy
#      from their kept weights.
#   FASHION_MNIST   Fashion-MNIST directory (default .device/data/fashion-mnist when present,
#                   else /usr/share/datasets/fashion-mnist)
#   OUT             where the log goes (default a temporary directory); studies go to scratch
#   STUDY_TRIALS    trials of each study in step 4 (default 64)
#   GPU_CHECK_SKIP  stages to leave out, by key: tests bench studies reference sweep published
#   GPU_SWEEP_SEEDS seeds of the sweep in step 6 (default 0), e.g. "0 1 2"
#   GPU_PUBLISHED_SECONDS  the longest each study of step 7 runs (default 150)
#   GPU_PUBLISHED_CONFIGS  which studies step 7 runs, in order (default "cnn mlp"): the goal's
#                   10-minute runs fit one device call only one at a time, e.g.
#                   GPU_CHECK_SKIP="tests bench studies reference sweep" GPU_CHECK_BUDGET=590
#                   GPU_PUBLISHED_SECONDS=540 GPU_PUBLISHED_CONFIGS=mlp
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
budget=${GPU_CHECK_BUDGET:-540}
since() { echo "$(($(date +%s) - t0)) s"; }
# left N: N seconds, or what is left of the budget if less (at least 1: `timeout 0` never ends).
left() {
  local rest=$((budget - ($(date +%s) - t0)))
  [ "$rest" -lt 1 ] && rest=1
  if [ "$rest" -lt "$1" ]; then echo "$rest"; else echo "$1"; fi
}
# stage KEY NAME: a header; fails (the caller skips the stage) when KEY is in GPU_CHECK_SKIP
# or under 20 s of the budget remain.
stage() {
  if [[ " ${GPU_CHECK_SKIP:-} " == *" $1 "* ]]; then
    echo "== $2: skipped (GPU_CHECK_SKIP)"
    return 1
  fi
  if [ "$(left 20)" -lt 20 ]; then
    echo "== $2: skipped, the budget of $budget s is spent ($(since))"
    return 1
  fi
  echo "== $2 ($(since))"
}
out=${OUT:-$(mktemp -d)}
scratch=$(mktemp -d)
trials=${STUDY_TRIALS:-64}
mkdir -p "$out"

# Unpacks the prebuilt programs where they were built (linking this checkout there) and points
# the loader at this machine's LibTorch and CUDA and at the carried libraries it lacks.
use_prebuilt() {
  local root site paths lib
  root=$(cat .device/prebuilt/ROOT)
  if [ "$root" != "$PWD" ]; then
    [ -e "$root" ] && echo "prebuilt: $root exists here" && return 1
    mkdir -p "$(dirname "$root")" && ln -s "$PWD" "$root" || return 1
  fi
  tar -xJf .device/prebuilt/bin.tar.xz && tar -xJf .device/prebuilt/lib.tar.xz -C .device ||
    return 1
  for lib in .device/lib/*; do  # only what this machine lacks
    ldconfig -p | grep -q "^[[:space:]]*$(basename "$lib") " && rm "$lib"
  done
  echo "prebuilt: carried libraries used: $(ls .device/lib | tr '\n' ' ')"
  site=$(python3 -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))')
  paths=$site/torch/lib
  for lib in "$site"/nvidia/*/lib "$site"/nvidia/cu13/lib /usr/local/cuda/lib64; do
    [ -d "$lib" ] && paths=$paths:$lib
  done
  export LD_LIBRARY_PATH=$paths:$PWD/.device/lib:${LD_LIBRARY_PATH:-}
  if ! build-dev/tune --help >/dev/null 2>&1; then
    ldd build-dev/tune | grep 'not found'
    build-dev/tune --help 2>&1 | head -5
    return 1
  fi
}
# study LABEL MAX ARGS...: one default-space random study; prints its wall time, trials and best.
study() {
  local label=$1 max=$2 start rc wall
  shift 2
  start=$(date +%s.%N)
  timeout "$(left "$max")" "$build/tune" --config configs/fashion_mlp.json --data "$data" \
    --strategy random --gpus 0 --per-device 8 --trials "$trials" --study "$scratch/$label" "$@" \
    2>"$scratch/$label.log" >/dev/null
  rc=$?
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "$label: rc $rc, $wall s"
  "$build/tune" status --study "$scratch/$label" 2>&1 | head -30
  grep -m3 -i 'capture\|fall' "$scratch/$label.log"
  echo "$wall" >"$scratch/$label.wall"
}

# published CONFIG NAME: a bayes study with the time left (at most GPU_PUBLISHED_SECONDS, default
# 150), keeping the best weights, and its winner's test accuracy (reloaded from them).
published() {
  local seconds
  seconds=$(($(left $((${GPU_PUBLISHED_SECONDS:-150} + 30))) - 30))
  [ "$seconds" -lt 30 ] && echo "$2: skipped, $seconds s left" && return
  echo "$2: bayes for $seconds s"
  timeout $((seconds + 20)) "$build/tune" --config "$1" --data "$data" --gpus 0 \
    --timeout "$seconds" --on-timeout stop --keep-best-weights --study "$scratch/$2" \
    2>"$scratch/$2.log" >/dev/null
  "$build/tune" status --study "$scratch/$2" 2>&1 | head -12
  timeout "$(left 60)" "$build/tune" best --study "$scratch/$2" --test --device cuda:0 \
    --data "$data" 2>&1 | grep -E 'test_accuracy|"value"|error' | head -4
}

main() {
  if [ -f .device/prebuilt/bin.tar.xz ]; then  # no slow build here when they fail: say why
    use_prebuilt || return 1
    build=build-dev
  elif [ -f .device/build.sh ]; then
    bash .device/build.sh || return 1
    build=build-gpu
  else
    bash scripts/setup.sh || return 1
    build=build
  fi
  echo "== programs ready in $build ($(since))"
  data=${FASHION_MNIST:-}
  [ -z "$data" ] && [ -d .device/data/fashion-mnist ] && data=$PWD/.device/data/fashion-mnist
  data=${data:-/usr/share/datasets/fashion-mnist}
  export FASHION_MNIST=$data  # the gpu tests read it too
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
  python=python3
  [ -x .venv/bin/python3 ] && python=.venv/bin/python3

  if stage tests "gpu tests"; then
    timeout "$(left 150)" "$build/tests/test_gpu" --gtest_brief=1 2>&1 | tail -60
    # The CPU tests that touch what differs between LibTorch versions (dispatch-key guards of
    # the dry builds, autograd views of fused trials), against this machine's LibTorch.
    [ -x "$build/tests/test_train" ] &&
      timeout "$(left 60)" "$build/tests/test_train" --gtest_brief=1 \
        --gtest_filter='CheckExperiment.*:Fused*' 2>&1 | tail -20
  fi

  if stage bench "bench_fused: single trial and K fused, eager and graphed"; then
    timeout "$(left 150)" "$build/bench/bench_fused" --device cuda:0 --k 1,8,32,64 --epochs 2 \
      --repeats 3 --separate-max 2 2>&1
    echo "-- the same for a small CNN (two conv blocks)"
    timeout "$(left 60)" "$build/bench/bench_fused" --model cnn --device cuda:0 --k 1,8,32 \
      --epochs 2 --repeats 3 --separate-max 2 2>&1
  fi

  if stage studies "default-space random study, $trials trials, --per-device 8"; then
    study unfused_eager 150 --fuse 1 --cuda-graphs off
    study fused_graphed 120
    awk -v a="$(cat "$scratch/unfused_eager.wall")" -v b="$(cat "$scratch/fused_graphed.wall")" \
      'BEGIN { if (b > 0) printf "fused and graphed: %.2fx faster than unfused eager\n", a / b }'
  fi

  if stage reference "Python fused reference"; then
    timeout "$(left 60)" "$python" bench/fused_reference.py --device cuda --k 1,8,32,64 \
      --epochs 2 2>&1
  fi

  if stage sweep "Optuna pytorch_simple sweep on cuda:0"; then
    if [ -d .device/whl ] && ! "$python" -c 'import optuna' >/dev/null 2>&1; then
      "$python" -m pip install -q --no-index --no-deps --no-compile --target "$scratch/site" \
        .device/whl/*.whl && export PYTHONPATH=$scratch/site
    fi
    for seed in ${GPU_SWEEP_SEEDS:-0}; do
      timeout "$(left 150)" bash bench/sweep.sh "$build" "$python" --device cuda:0 --trials 20 \
        --seed "$seed" --data "$data" --judge-seeds 0 2>&1 | grep -v '^bench sweep: installing'
    done
  fi

  if stage published "published-table runs (bayes, the time left)"; then
    for name in ${GPU_PUBLISHED_CONFIGS:-cnn mlp}; do
      case "$name" in
        cnn) published configs/fashion_cnn.json cnn ;;
        mlp) published configs/fashion_mlp_published.json mlp ;;
        *) echo "GPU_PUBLISHED_CONFIGS: unknown study $name; allowed: cnn, mlp" ;;
      esac
    done
  fi
  echo "== total $(since); log in $out/gpu_check.log"
}
main 2>&1 | tee -a "$out/gpu_check.log"
