#!/usr/bin/env bash
# CTest: pbt_report_test.sh TUNE OUT. A real population-based study (tune's own training on
# synthetic data), `tune report` on it, and the page opened from disk in headless Chromium
# (check_pbt_report.mjs). The screenshot stays in OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tune=$1 out=$2
source "$here/study.sh"
prepare_browser_test "$out"
mkdir -p "$out/work"
cat > "$out/work/experiment.json" <<'JSON'
{
  "name": "browser-pbt",
  "data": {"dataset": "synthetic", "samples": 600, "test_samples": 100, "features": 8,
           "classes": 3, "separation": 0.7, "seed": 1, "validation_fraction": 0.2},
  "params": {"model": "mlp", "layers": 1, "units": 16, "optimizer": "adam", "batch_size": 32,
             "epochs": 6, "seed": 0},
  "space": {"lr": {"type": "float", "low": 1e-4, "high": 0.1, "log": true},
            "dropout": {"type": "float", "low": 0.0, "high": 0.5}},
  "strategy": {"name": "pbt", "population": 4, "interval": 2},
  "objective": {"monitor": "val_accuracy", "direction": "maximize", "value": "last"},
  "seed": 3
}
JSON
"$tune" --config "$out/work/experiment.json" --study "$out/work/study" --cpu-workers 1 \
  > "$out/work/run.log" 2>&1 || { cat "$out/work/run.log"; exit 1; }
trials=$("$tune" export --study "$out/work/study" --format json | python3 -c "import json, sys; print(len(json.load(sys.stdin)))")
"$tune" report --study "$out/work/study" --output "$out/report.html"
node "$here/check_pbt_report.mjs" --report "$out/report.html" --out "$out" --trials "$trials"
