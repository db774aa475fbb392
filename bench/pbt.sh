#!/usr/bin/env bash
# scripts/bench.sh pbt [--seeds "0 1 2"] [--strategies "pbt pb2 random bayes tpe"] [--device cpu|cuda:N]
# [--workers N] [--config FILE]: population-based training against searches that train whole
# trials, at the same epochs. The config (default configs/fashion_mlp_pbt.json, a pbt study of
# `population` members trained params.epochs each) runs once per strategy and seed: pbt as
# written, pb2 as written with "explore": "pb2", the others with --strategy S --trials
# <population> (each trial trains all epochs, so
# the epochs match pbt's at most; pbt trains fewer, since a member that copies a better one
# skips to its epoch). Each winner is tested on the test split with the weights the run kept
# (--keep-best-weights; pbt's best stretch reloads its checkpoint). One table row per run, then
# the mean per strategy.
# Called by scripts/bench.sh with the build directory and the Python interpreter first.
set -euo pipefail
build=$1 python=$2
shift 2
seeds="0 1 2" strategies="pbt pb2 random bayes tpe" device=cpu workers=2
config=configs/fashion_mlp_pbt.json
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2 && shift 2 ;;
    --strategies) strategies=$2 && shift 2 ;;
    --device) device=$2 && shift 2 ;;
    --workers) workers=$2 && shift 2 ;;
    --config) config=$2 && shift 2 ;;
    *) echo "bench pbt: unknown argument $1; allowed: --seeds \"S ...\", --strategies \"pbt pb2 random bayes tpe\", --device cpu|cuda:N, --workers N, --config FILE" >&2 && exit 2 ;;
  esac
done
case "$device" in
  cpu) devices=(--cpu-workers "$workers") ;;
  cuda:*) devices=(--gpus "${device#cuda:}" --per-device "$workers") ;;
  *) echo "bench pbt: --device must be cpu or cuda:N, got $device" >&2 && exit 2 ;;
esac
population=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["strategy"]["population"])' "$config")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rows=$out/rows.jsonl
for seed in $seeds; do
  for strategy in $strategies; do
    study=$out/$strategy-$seed
    flags=()
    run_config=$config
    case "$strategy" in
      pbt) ;;
      pb2)  # pbt exploring by population-based bandits
        run_config=$out/pb2.json
        "$python" -c 'import json,sys; e=json.load(open(sys.argv[1])); e["strategy"]["explore"]="pb2"; json.dump(e, open(sys.argv[2], "w"))' "$config" "$run_config" ;;
      *) flags=(--strategy "$strategy" --trials "$population") ;;
    esac
    start=$(date +%s.%N)
    "$build/tune" --config "$run_config" --seed "$seed" "${flags[@]}" "${devices[@]}" \
      --keep-best-weights --study "$study" >"$study.log" 2>&1 || {
      echo "bench pbt: $strategy seed $seed failed; its log:" >&2 && tail -5 "$study.log" >&2 && exit 1
    }
    end=$(date +%s.%N)
    "$build/tune" best --study "$study" --test --device "$device" >"$study.best.json" 2>>"$study.log"
    "$python" - "$study" "$strategy" "$seed" "$start" "$end" >>"$rows" <<'PY'
import json, sqlite3, sys
study, strategy, seed, start, end = sys.argv[1:]
best = json.load(open(study + ".best.json"))
db = sqlite3.connect(study + "/study.db")
trials = db.execute("select count(*) from trials").fetchone()[0]
epochs = db.execute("select count(*) from metrics").fetchone()[0]
print(json.dumps({"strategy": strategy, "seed": int(seed), "trials": trials, "epochs": epochs,
                  "wall": float(end) - float(start), "val": best["value"],
                  "test": best["test"]["test_accuracy"], "source": best["test"]["source"]}))
PY
    tail -1 "$rows" >&2
  done
done
"$python" - "$rows" "$config" "$device" <<'PY'
import json, sys
from statistics import mean
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"\n{sys.argv[2]} on {sys.argv[3]}: the best trial by validation, tested on the test split\n")
print("| strategy | seed | trials | epochs trained | wall s | best val accuracy | its test accuracy |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    print(f"| {r['strategy']} | {r['seed']} | {r['trials']} | {r['epochs']} | {r['wall']:.1f} | "
          f"{r['val']:.4f} | {r['test']:.4f} |")
print("\n| strategy | runs | mean epochs | mean wall s | mean best val | mean test |")
print("| --- | --- | --- | --- | --- | --- |")
for s in dict.fromkeys(r["strategy"] for r in rows):
    rs = [r for r in rows if r["strategy"] == s]
    print(f"| {s} | {len(rs)} | {mean(r['epochs'] for r in rs):.0f} | {mean(r['wall'] for r in rs):.1f} | "
          f"{mean(r['val'] for r in rs):.4f} | {mean(r['test'] for r in rs):.4f} |")
PY
