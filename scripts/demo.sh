#!/usr/bin/env bash
# Quick start, command 1: set up, build, and run the reference demo on Fashion-MNIST:
#   1. one training run of the configured MLP (the "babysitting" run: params as they are),
#   2. a random search of 8 trials over the config's space, two trials at a time on the CPU
#      (or on the GPUs when DEMO_GPUS is set, e.g. DEMO_GPUS=0 for four trials on cuda:0),
#   3. the study's status and its best config,
#   4. the study's report: runs/demo_study/report.html, one page that opens from disk.
# The demo study starts afresh each time in runs/demo_study. Extra arguments go to the study
# run (e.g. --strategy bayes --trials 16).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh tune  # only what the demo runs; scripts/test.sh builds the rest
./build/tune train --config configs/fashion_mlp.json --epochs 5 --output runs/fashion_mlp_train.json
rm -rf runs/demo_study
workers=(--cpu-workers 2)
[ -n "${DEMO_GPUS:-}" ] && workers=(--gpus "$DEMO_GPUS" --per-device 4)
./build/tune run --config configs/fashion_mlp.json --strategy random --trials 8 "${workers[@]}" \
  --study runs/demo_study "$@"
./build/tune status --study runs/demo_study
./build/tune best --study runs/demo_study
./build/tune report --study runs/demo_study
