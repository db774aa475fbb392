#!/usr/bin/env python3
"""Checks `tune export --format optuna` with Optuna itself.

Runs a small real study with the tune binary (a command objective that reports a learning
curve, a median pruner that prunes some trials, one trial that fails), exports it both as JSON
and as an Optuna SQLite file, loads the latter with optuna.load_study and checks that it holds
what the JSON export holds: trials, numbers, states, params with their distributions, values,
intermediate values, times, user attrs, the direction and the study name.

usage: check_export.py TUNE_BINARY
Exits 0 when everything matches; otherwise says what differs and exits 1.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import optuna
    from optuna.distributions import (CategoricalDistribution, FloatDistribution,
                                      IntDistribution)
except ImportError:
    sys.exit(f"check_export: optuna is not importable by {sys.executable}; install it with "
             f"`{sys.executable} -m pip install optuna==5.0.0` (scripts/test.sh does)")

NAME = "optuna_check"
FIXED = {"epochs": 4}
SPACE = {
    "x": {"type": "float", "low": -4.0, "high": 4.0},
    "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    "dropout": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.1},
    "layers": {"type": "int", "low": 1, "high": 5, "step": 2},
    "units": {"type": "pow2", "low": 8, "high": 128},
    "act": {"type": "categorical", "choices": ["relu", "tanh", 3]},
    "hidden": {"type": "categorical", "choices": [[64], [64, 32]]},
}
STATES = {"complete": "COMPLETE", "pruned": "PRUNED", "failed": "FAIL", "running": "RUNNING"}

# Trial 2 fails; odd trials report a curve far worse than the others, so the median pruner
# stops them once two trials are complete.
OBJECTIVE = """
import os, sys
x = float(sys.argv[1])
n = int(os.environ["TUNE_TRIAL"])
if n == 2:
    sys.exit("boom: trial 2 fails on purpose")
worse = 100.0 if n % 2 else 0.0
for e in range(1, 5):
    print("tune:report", e, (x - 1) ** 2 + 1.0 / e + worse, flush=True)
print((x - 1) ** 2 + 0.25 + worse)
"""

problems = []


def expect(ok, what):
    if not ok:
        problems.append(what)


def run(args):
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"check_export: {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


def make_study(tune, work):
    program = os.path.join(work, "curve.py")
    with open(program, "w") as f:
        f.write(OBJECTIVE)
    experiment = {
        "name": NAME,
        "space": SPACE,
        "params": FIXED,
        "objective": {"command": [sys.executable, program, "{x}"], "direction": "minimize"},
        "strategy": "random",
        "pruner": {"name": "median", "startup_trials": 2},
        "seed": 7,
    }
    config = os.path.join(work, "experiment.json")
    with open(config, "w") as f:
        json.dump(experiment, f)
    study = os.path.join(work, "study")
    run([tune, "--config", config, "--study", study, "--trials", "10"])
    return study


# What Optuna should hold for a param of tune's space, and for its value.
def distribution(spec):
    kind = spec["type"]
    if kind == "float":
        return FloatDistribution(spec["low"], spec["high"], log=spec.get("log", False),
                                 step=spec.get("step"))
    if kind == "int":
        return IntDistribution(spec["low"], spec["high"], log=spec.get("log", False),
                               step=spec.get("step", 1))
    if kind == "pow2":
        return IntDistribution(spec["low"], spec["high"], log=True)
    return CategoricalDistribution([optuna_choice(c) for c in spec["choices"]])


def optuna_choice(choice):
    if isinstance(choice, (list, dict)):
        return json.dumps(choice, separators=(",", ":"))
    return choice


def optuna_value(spec, value):
    return optuna_choice(value) if spec["type"] == "categorical" else value


def finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def same_time(when, seconds):
    return when is not None and abs(when.timestamp() - seconds) < 1e-3


def check_trial(ours, theirs):
    n = ours["number"]
    expect(theirs.number == n, f"trial {n}: number {theirs.number}")
    expect(theirs.state.name == STATES[ours["state"]],
           f"trial {n}: state {theirs.state.name}, tune says {ours['state']}")
    params = {k: optuna_value(SPACE[k], v) for k, v in ours["params"].items() if k in SPACE}
    fixed = {k: v for k, v in ours["params"].items() if k not in SPACE}
    expect(theirs.params == params, f"trial {n}: params {theirs.params}, expected {params}")
    distributions = {k: distribution(SPACE[k]) for k in params}
    expect(theirs.distributions == distributions,
           f"trial {n}: distributions {theirs.distributions}, expected {distributions}")
    expect(theirs.user_attrs.get("fixed_params", {}) == fixed,
           f"trial {n}: fixed_params {theirs.user_attrs.get('fixed_params')}, expected {fixed}")
    value = ours["value"] if ours["state"] in ("complete", "pruned") else None
    expect(theirs.value == value, f"trial {n}: value {theirs.value}, tune says {value}")
    curve = {m["epoch"]: m["value"] for m in ours["metrics"] if finite(m.get("value"))}
    expect(theirs.intermediate_values == curve,
           f"trial {n}: intermediate values {theirs.intermediate_values}, expected {curve}")
    expect(same_time(theirs.datetime_start, ours["start"]),
           f"trial {n}: started {theirs.datetime_start}, tune says {ours['start']}")
    if ours["end"] is not None:
        expect(same_time(theirs.datetime_complete, ours["end"]),
               f"trial {n}: completed {theirs.datetime_complete}, tune says {ours['end']}")
    for key in ("device", "worker", "error"):
        expect(theirs.user_attrs.get(key) == (ours[key] or None),
               f"trial {n}: user attr {key} {theirs.user_attrs.get(key)!r}, tune: {ours[key]!r}")


def check(tune, work):
    study_dir = make_study(tune, work)
    exported_json = os.path.join(work, "trials.json")
    exported_db = os.path.join(work, "optuna.db")
    run([tune, "export", "--study", study_dir, "--format", "json", "--output", exported_json])
    run([tune, "export", "--study", study_dir, "--format", "optuna", "--output", exported_db])
    with open(exported_json) as f:
        ours = sorted(json.load(f), key=lambda t: t["number"])

    storage = "sqlite:///" + exported_db
    expect(optuna.get_all_study_names(storage) == [NAME],
           f"study names {optuna.get_all_study_names(storage)}, expected [{NAME!r}]")
    study = optuna.load_study(study_name=NAME, storage=storage)
    expect(study.direction == optuna.study.StudyDirection.MINIMIZE,
           f"direction {study.direction}, expected MINIMIZE")
    expect(study.user_attrs.get("fixed_params") == FIXED,
           f"study user attr fixed_params {study.user_attrs.get('fixed_params')}, expected {FIXED}")
    theirs = sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
    expect(len(theirs) == len(ours), f"{len(theirs)} trials, tune has {len(ours)}")
    for o, t in zip(ours, theirs):
        check_trial(o, t)
    states = {t["state"] for t in ours}
    expect({"complete", "pruned", "failed"} <= states,
           f"the study should have complete, pruned and failed trials; it has {states}")
    complete = [t for t in ours if t["state"] == "complete"]
    best = min(complete, key=lambda t: (t["value"], t["number"]))
    expect(study.best_trial.number == best["number"],
           f"best trial {study.best_trial.number}, tune's best {best['number']}")
    check_visualizations(study)


def check_visualizations(study):
    try:
        import plotly  # noqa: F401  optuna.visualization's backend, installed by scripts/test.sh
    except ImportError:
        sys.exit("check_export: plotly is missing (optuna.visualization needs it): run "
                 "scripts/test.sh, which installs optuna==5.0.0 and plotly==7.1.0")
    from optuna import visualization as vis
    for plot in (vis.plot_optimization_history, vis.plot_intermediate_values,
                 vis.plot_parallel_coordinate, vis.plot_slice, vis.plot_param_importances):
        plot(study)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    work = tempfile.mkdtemp(prefix="tune-optuna-check-")
    check(sys.argv[1], work)
    if problems:
        print("check_export: the Optuna export differs from tune's (files kept in " + work + "):")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    shutil.rmtree(work)
    print(f"check_export: optuna {optuna.__version__} reads the export as tune wrote it")


if __name__ == "__main__":
    main()
