#!/usr/bin/env bash
# scripts/bench.sh sweep [--device cpu|cuda:0] [--trials N] [--seed S] [--data DIR]
# [--tune-workers N] [--judge-seeds "0 1 2"] [--quality-seeds "S ..."]: Optuna's
# pytorch_simple example in Python
# (bench/optuna_pytorch_simple.py: PyPI optuna and the torch tune links) and tune on
# configs/optuna_pytorch_simple.json, one after the other on this machine, and a table of both.
# The example runs one trial at a time; tune too unless --tune-workers N (default 1) gives it N
# workers (on the CPU, the cores split between them; on a GPU, N per device). Speed rows: the
# random sampler on both sides (the same kind of configs, so the time per trial compares the
# engines); quality rows: each side's default (Optuna's TPE, tune's bayes).
# Wall time is each process's, start to exit (imports, data loading and every trial included),
# and so is the CPU time (user + system, all threads; less swayed than wall time by other jobs
# on a shared machine); both keep the example's 600 s timeout. Each run's best config is then
# retrained by tune with each of --judge-seeds (default 0 1 2; "" leaves this out) and tested
# on the test images tune's validation sample leaves: the "winner's test accuracy" compares
# what the samplers found, apart from the noise of the validation figure that picked it.
# --quality-seeds "S ...": only the quality pair (Optuna's TPE, tune's bayes), once per seed,
# each winner judged as above, and a table by seed with the means and the seeds where bayes is at
# least as good (a sampler's result swings with its seed far more than these two differ).
# Called by scripts/bench.sh with the build directory and the Python interpreter first.
set -euo pipefail
build=$1 python=$2
shift 2
device=cpu trials=20 seed=0 data=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist} workers=1
judge_seeds="0 1 2" quality_seeds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2 && shift 2 ;;
    --trials) trials=$2 && shift 2 ;;
    --seed) seed=$2 && shift 2 ;;
    --data) data=$2 && shift 2 ;;
    --tune-workers) workers=$2 && shift 2 ;;
    --judge-seeds) judge_seeds=$2 && shift 2 ;;
    --quality-seeds) quality_seeds=$2 && shift 2 ;;
    *) echo "bench sweep: unknown argument $1; allowed: --device cpu|cuda:N, --trials N, --seed S, --data DIR, --tune-workers N, --judge-seeds \"S ...\", --quality-seeds \"S ...\"" >&2 && exit 2 ;;
  esac
done
case "$device" in
  cpu) devices=(--cpu-workers "$workers") ;;  # the cores split between them
  cuda:*) devices=(--gpus "${device#cuda:}" --per-device "$workers") ;;
  *) echo "bench sweep: --device: expected cpu or cuda:N, got $device" >&2 && exit 2 ;;
esac
if ! "$python" -c 'import optuna' >/dev/null 2>&1; then
  echo "bench sweep: installing optuna for $python" >&2
  "$python" -m pip install -q optuna==5.0.0 >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

# timed LOG COMMAND...: runs COMMAND with its stderr in LOG (shown if it fails) and its user and
# system CPU seconds in the file $cpu_file.
timed() {
  local log=$1 TIMEFORMAT='%U %S' status=0
  shift
  { time "$@" 2>"$log"; } 2>"$cpu_file" || status=$?
  if [ "$status" != 0 ]; then cat "$log" >&2 && return "$status"; fi
}
cpu_seconds() { awk '{print $1 + $2}' "$cpu_file"; }

# One JSON line per run: side, sampler, complete, pruned, epochs trained, best, wall and CPU
# seconds.
python_side() {
  local start end cpu_file="$work/python_$1.cpu"
  start=$(now)
  timed "$work/python_$1.log" "$python" bench/optuna_pytorch_simple.py --device "$device" \
    --trials "$trials" --seed "$seed" --sampler "$1" --data "$data" >"$work/python_$1.json"
  end=$(now)
  "$python" -c 'import json, sys; r = json.load(open(sys.argv[1]))
params = {k: v.lower() if k == "optimizer" else v for k, v in (r["best_params"] or {}).items()}
print(json.dumps({"side": "optuna example", "sampler": sys.argv[2], "complete": r["complete"],
                  "pruned": r["pruned"], "epochs": r["epochs"], "best": r["best"], "params": params,
                  "wall": float(sys.argv[4]) - float(sys.argv[3]), "cpu": float(sys.argv[5])}))' \
    "$work/python_$1.json" "$1" "$start" "$end" "$(cpu_seconds)"
}

tune_side() {
  local start end cpu_file="$work/tune_$1.cpu"
  rm -rf "$work/tune_$1"  # a fresh study for each seed, not a resumed one
  start=$(now)
  timed "$work/tune_$1.log" "$build/tune" --config configs/optuna_pytorch_simple.json \
    --trials "$trials" --seed "$seed" --strategy "$1" --study "$work/tune_$1" --data "$data" \
    "${devices[@]}"
  end=$(now)
  "$build/tune" export --study "$work/tune_$1" --format json --output "$work/tune_$1.json" 2>/dev/null
  "$python" -c 'import json, sys; trials = json.load(open(sys.argv[1]))
done = [t for t in trials if t["state"] == "complete"]
best = max(done, key=lambda t: t["value"]) if done else None
side = "tune" if sys.argv[6] == "1" else f"tune, {sys.argv[6]} workers"
print(json.dumps({"side": side, "sampler": sys.argv[2], "complete": len(done),
                  "pruned": sum(t["state"] == "pruned" for t in trials),
                  "epochs": sum(len(t["metrics"]) for t in trials),
                  "best": best["value"] if best else None, "params": best["params"] if best else {},
                  "wall": float(sys.argv[4]) - float(sys.argv[3]), "cpu": float(sys.argv[5])}))' \
    "$work/tune_$1.json" "$1" "$start" "$end" "$(cpu_seconds)" "$workers"
}

# winner_test LINE: LINE (one run's JSON) with "test": the test accuracy of its best config,
# retrained by tune with each of $judge_seeds and averaged, on the test images tune's validation
# sample leaves (8,720). Both sides' winners are judged alike, without the noise of the one
# validation figure that picked them.
winner_test() {
  local line=$1 sets=() outs=() s
  mapfile -t sets < <("$python" -c 'import json, sys
for k, v in json.loads(sys.argv[1])["params"].items(): print(f"--set={k}={v}")' "$line")
  if [ ${#sets[@]} -eq 0 ] || [ -z "${judge_seeds// /}" ]; then echo "$line" && return; fi
  for s in $judge_seeds; do
    outs+=("$work/winner_$s.json")
    "$build/tune" train --config configs/optuna_pytorch_simple.json "${sets[@]}" --set "seed=$s" \
      --device "$device" --data "$data" --output "${outs[-1]}" >/dev/null 2>"$work/winner.log" ||
      { cat "$work/winner.log" >&2 && return 1; }
  done
  "$python" -c 'import json, sys; r = json.loads(sys.argv[1])
tests = [json.load(open(f))["test_accuracy"] for f in sys.argv[2:]]
r["test"] = sum(tests) / len(tests)
print(json.dumps(r))' "$line" "${outs[@]}"
}

if [ -n "${quality_seeds// /}" ]; then
  [ -n "${judge_seeds// /}" ] || { echo "bench sweep: --quality-seeds needs --judge-seeds" >&2 && exit 2; }
  echo "bench sweep: $trials trials per run on $device; TPE and bayes on seeds $quality_seeds" >&2
  for seed in $quality_seeds; do
    for run in "python_side tpe" "tune_side bayes"; do
      line=$($run) && winner_test "$line" | "$python" -c 'import json, sys
r = json.load(sys.stdin); r["seed"] = int(sys.argv[1]); print(json.dumps(r))' "$seed"
    done
  done | tee "$work/quality.jsonl" >&2
  "$python" - "$work/quality.jsonl" "$device" "$trials" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
by = {}
for r in runs:
    by.setdefault(r["seed"], {})["tpe" if r["sampler"] == "tpe" else "bayes"] = r
print(f"\nOptuna's pytorch_simple on {sys.argv[2]}, {sys.argv[3]} trials per run: TPE (the example) "
      "and bayes (tune), by seed\n")
print("| seed | TPE: best val | bayes: best val | TPE's winner on test | bayes's winner on test |")
print("| --- | --- | --- | --- | --- |")
cell = lambda v, other: "-" if v is None else (f"**{v:.4f}**" if other is not None and v >= other else f"{v:.4f}")
for seed, pair in by.items():
    t, b = pair["tpe"], pair["bayes"]
    print(f"| {seed} | {cell(t['best'], b['best'])} | {cell(b['best'], t['best'])} | "
          f"{cell(t['test'], b['test'])} | {cell(b['test'], t['test'])} |")
mean = lambda side, key: sum(p[side][key] for p in by.values()) / len(by)
print(f"| mean | {mean('tpe', 'best'):.4f} | {mean('bayes', 'best'):.4f} | {mean('tpe', 'test'):.4f} | "
      f"{mean('bayes', 'test'):.4f} |")
val = sum(p["bayes"]["best"] >= p["tpe"]["best"] for p in by.values())
test = sum(p["bayes"]["test"] >= p["tpe"]["test"] for p in by.values())
print(f"\nbayes at least as good as TPE: on {val} seeds of {len(by)} by the best validation figure, "
      f"on {test} by the winner's test accuracy")
PY
  exit 0
fi

echo "bench sweep: $trials trials per run on $device, seed $seed; 4 runs, one at a time" >&2
{
  python_side random
  tune_side random
  python_side tpe
  tune_side bayes
} >"$work/runs.jsonl"
while read -r line; do winner_test "$line"; done <"$work/runs.jsonl" | tee "$work/judged.jsonl" >&2
"$python" - "$work/judged.jsonl" "$device" "$trials" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
print(f"\nOptuna's pytorch_simple on {sys.argv[2]}, {sys.argv[3]} trials per run\n")
print("| run | sampler | trials completed (complete + pruned) | epochs trained | wall s | s per trial | CPU s | best val accuracy | winner's test accuracy | time per trial, example / tune (wall; CPU) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for pair in (runs[0:2], runs[2:4]):
    for r in pair:
        done = r["complete"] + r["pruned"]
        per_trial = lambda run, key: run[key] / max(run["complete"] + run["pruned"], 1)
        ratio = (f"{per_trial(pair[0], 'wall') / per_trial(r, 'wall'):.2f}x; "
                 f"{per_trial(pair[0], 'cpu') / per_trial(r, 'cpu'):.2f}x") if r["side"].startswith("tune") else ""
        best = f"{r['best']:.4f}" if r["best"] is not None else "-"
        test = f"{r['test']:.4f}" if "test" in r else "-"
        print(f"| {r['side']} | {r['sampler']} | {done} ({r['complete']} + {r['pruned']}) | {r['epochs']} | "
              f"{r['wall']:.1f} | {r['wall'] / max(done, 1):.2f} | {r['cpu']:.1f} | {best} | {test} | {ratio} |")
PY
