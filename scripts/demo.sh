#!/usr/bin/env bash
# Quick start, command 1: set up, build, and run the reference demo on Fashion-MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./build/tune train --config configs/fashion_mlp.json --epochs 5 --output runs/fashion_mlp_train.json "$@"
