#!/usr/bin/env bash
# The checks that need a GPU, in one go: build against the machine's CUDA LibTorch, run the
# tests labelled gpu, a 16-trial bayes study with four trials on cuda:0, and the scheduler
# benchmark (1, 2, 4, 8 workers per GPU, leak check). Where .device/build.sh exists (the lent
# GPU machine, see ../shared/gpu) it builds with that into build-gpu; elsewhere with
# scripts/setup.sh into build/.
#   FASHION_MNIST   Fashion-MNIST directory (default .device/data/fashion-mnist when present,
#                   else /usr/share/datasets/fashion-mnist)
#   OUT             where the study and the figures go (default a temporary directory)
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
if [ -f .device/build.sh ]; then
  bash .device/build.sh || exit 1
  build=build-gpu
else
  bash scripts/setup.sh || exit 1
  build=build
fi
echo "== built in $(($(date +%s) - t0)) s"
data=${FASHION_MNIST:-}
[ -z "$data" ] && [ -d .device/data/fashion-mnist ] && data=$PWD/.device/data/fashion-mnist
data=${data:-/usr/share/datasets/fashion-mnist}
out=${OUT:-$(mktemp -d)}
export FASHION_MNIST=$data  # the gpu tests read it too
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null
echo "== gpu tests"
timeout 300 ctest --test-dir "$build" -L gpu --output-on-failure 2>&1 | grep -v '^ *Start\|^$' | tail -15
echo "== bayes, 4 trials per GPU, 16 trials"
timeout 300 "$build/tune" --config configs/fashion_mlp.json --data "$data" --strategy bayes \
  --gpus 0 --per-device 4 --trials 16 --study "$out/bayes_gpu" 2>"$out/bayes_gpu.log"
echo "rc=$?"
"$build/tune" status --study "$out/bayes_gpu"
echo "== scheduler benchmark"
timeout 300 "$build/bench/bench_sched" --device cuda:0 --data "$data" --workers 1,2,4,8 \
  --trials 16 --epochs 2 2>&1 | tee "$out/bench_sched.txt"
echo "== total $(($(date +%s) - t0)) s; outputs in $out"
