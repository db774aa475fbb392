# Sourced by the browser tests.
#
# prepare_browser_test OUT: OUT empty, and the browser tests' npm packages installed.
prepare_browser_test() {
  rm -rf "$1" && mkdir -p "$1"
  [ -d "$(dirname "${BASH_SOURCE[0]}")/node_modules/puppeteer-core" ] || {
    echo "tests/browser/node_modules is missing: run scripts/test.sh (TUNE_TEST_DEPS=1 scripts/setup.sh)" >&2
    exit 1
  }
}

# make_study TUNE DIR TRIALS [SLEEP] writes DIR/experiment.json and
# runs TUNE on it into DIR/study. A real study of a command objective: a Python program that
# reports a learning curve per epoch ("tune:report E V"), pruned by the median rule, with one
# region of the space that fails, on two CPU workers, so every view has something to show.
make_study() {
  local tune=$1 dir=$2 trials=$3 sleep=${4:-0}
  mkdir -p "$dir"
  cat > "$dir/objective.py" <<PY
import math, sys, time
x, lr, opt, units = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if x > 3.2:
    sys.exit("diverged: x = %g" % x)
best = (x - 1) ** 2 + 0.3 * (math.log10(lr) + 2) ** 2 + (0.4 if opt == "sgd" else 0.0) + 0.001 * units
for epoch in range(1, 9):
    time.sleep($sleep)
    print("tune:report", epoch, best + 2.0 / epoch, flush=True)
print(best + 2.0 / 8)
PY
  cat > "$dir/experiment.json" <<JSON
{
  "name": "browser-check",
  "space": {
    "x": {"type": "float", "low": -4, "high": 4},
    "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": true},
    "optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
    "units": {"type": "int", "low": 16, "high": 256, "log": true}
  },
  "objective": {"command": ["python3", "$dir/objective.py", "{x}", "{lr}", "{optimizer}", "{units}"],
                "direction": "minimize"},
  "strategy": "random",
  "pruner": {"name": "median", "startup_trials": 4},
  "seed": 11
}
JSON
  "$tune" --config "$dir/experiment.json" --study "$dir/study" --trials "$trials" --cpu-workers 2 \
    > "$dir/run.log" 2>&1
}
