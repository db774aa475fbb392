#!/usr/bin/env python3
"""Optuna's samplers on the test functions of bench_strategies.cpp, which runs this script.

Regret runs: prints one JSON line per (function, sampler, seed) with the objective value of
each evaluation in order (the C++ side turns them into regret against the optimum it knows).
Samplers, each with Optuna 5's defaults and seed=seed:
  optuna-tpe  TPESampler: multivariate for a single objective, constant_liar=True, group=False,
              10 startup trials, 24 candidates.
  optuna-gp   GPSampler: Matern 5/2 ARD GP with priors, log-EI, 10 startup trials.
Same functions, spaces, seeds and budget as the C++ benchmark. --jobs N runs seeds in N
processes (one torch thread each); --cache FILE keeps finished runs keyed by a hash of the
test functions' text, the Optuna version, function, sampler and seed, so that a rerun only computes what
it lacks (GPSampler needs minutes per run).

With --ask-time 50,200,... [--ask-space hartmann6|mixed] [--samplers optuna-tpe,optuna-gp]:
for each size, the median time of the sampler's ask (relative sampling and the suggest calls)
after that many complete trials at random points, added without sampling; one JSON line per
(sampler, size).
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import optuna


# --- test functions (their text keys the cache)
def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    u = x[1] - b * x[0] ** 2 + c * x[0] - 6
    return u * u + 10 * (1 - t) * math.cos(x[0]) + 10


def hartmann(x, a, p):
    alpha = [1.0, 1.2, 3.0, 3.2]
    s = 0.0
    for i in range(4):
        e = sum(a[i][j] * (x[j] - p[i][j]) ** 2 for j in range(len(x)))
        s += alpha[i] * math.exp(-e)
    return -s


H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470],
        [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    n = len(x)
    sq = sum(v * v for v in x) / n
    cs = sum(math.cos(2 * math.pi * v) for v in x) / n
    return -20 * math.exp(-0.2 * math.sqrt(sq)) - math.exp(cs) + 20 + math.e


def styblinski_tang(x):
    return 0.5 * sum(v ** 4 - 16 * v * v + 5 * v for v in x)


def floats(bounds, f):
    dists = {"x%d" % i: optuna.distributions.FloatDistribution(lo, hi)
             for i, (lo, hi) in enumerate(bounds)}
    return dists, lambda p: f([p["x%d" % i] for i in range(len(bounds))])


# The small network's validation loss of bench_strategies.cpp (netloss): see its comments.
NET = {
    "lr": optuna.distributions.FloatDistribution(1e-5, 1.0, log=True),
    "width": optuna.distributions.IntDistribution(8, 1024, log=True),
    "depth": optuna.distributions.IntDistribution(1, 8),
    "dropout": optuna.distributions.FloatDistribution(0.0, 0.7, step=0.05),
    "weight_decay": optuna.distributions.FloatDistribution(1e-7, 1e-1, log=True),
    "optimizer": optuna.distributions.CategoricalDistribution(["sgd", "adam", "rmsprop"]),
    "activation": optuna.distributions.CategoricalDistribution(["relu", "tanh", "gelu"]),
}
NET_OPTIMIZER = {"sgd": (-1.2, 0.06, -4.0), "adam": (-3.0, 0.0, -5.0),
                 "rmsprop": (-3.4, 0.025, -4.5)}
NET_ACTIVATION = {"relu": (0.0, 3), "tanh": (0.045, 2), "gelu": (-0.01, 3)}


def netloss(p):
    k, u, v = math.log2(p["width"]), math.log10(p["lr"]), math.log10(p["weight_decay"])
    depth, dropout = p["depth"], p["dropout"]
    best_lr, opt_offset, best_wd = NET_OPTIMIZER[p["optimizer"]]
    act_offset, best_depth = NET_ACTIVATION[p["activation"]]
    du = u - (best_lr - 0.12 * (k - 6) - 0.08 * (depth - 3))
    lr_term = 0.05 * du * du if du < 0 else 0.2 * du * du + (3 * (du - 0.8) ** 2 if du > 0.8 else 0)
    strength = 0.02 + 0.012 * (k - 3) + 0.006 * depth
    reg = strength * ((dropout - (0.1 + 0.05 * (k - 3))) ** 2 / 0.04
                      + (v - (best_wd + 0.15 * (k - 6))) ** 2 / 4)
    capacity = (0.6 * math.exp(-0.8 * (k - 3)) * (1.3 if p["activation"] == "tanh" else 1.0)
                + 0.004 * (k - 3) ** 2)
    loss = (0.28 + opt_offset + act_offset + capacity + 0.02 * (depth - best_depth) ** 2 + reg
            + lr_term)
    return min(loss, math.log(10))


FUNCTIONS = {
    "branin": floats([(-5, 10), (0, 15)], branin),
    "hartmann6": floats([(0, 1)] * 6, lambda x: hartmann(x, H6_A, H6_P)),
    "hartmann3": floats([(0, 1)] * 3, lambda x: hartmann(x, H3_A, H3_P)),
    "rosenbrock4": floats([(-5, 10)] * 4, rosenbrock),
    "logrosenbrock4": floats([(-5, 10)] * 4, lambda x: math.log1p(rosenbrock(x))),
    "ackley5": floats([(-32.768, 32.768)] * 5, ackley),
    "styblinski4": floats([(-5, 5)] * 4, styblinski_tang),
    "netloss": (NET, netloss),
}
# --- end of test functions


def suggest(trial, name, d):
    if isinstance(d, optuna.distributions.CategoricalDistribution):
        return trial.suggest_categorical(name, d.choices)
    if isinstance(d, optuna.distributions.IntDistribution):
        return trial.suggest_int(name, d.low, d.high, log=d.log)
    return trial.suggest_float(name, d.low, d.high, step=d.step, log=d.log)


def make_sampler(name, seed):
    if name == "optuna-tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "optuna-gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "optuna-random":
        return optuna.samplers.RandomSampler(seed=seed)
    sys.exit("unknown sampler " + name)


def run(job):
    name, sampler, seed, budget, threads = job
    if threads:
        import torch
        torch.set_num_threads(threads)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists, loss = FUNCTIONS[name]
    study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler, seed))
    study.optimize(lambda t: loss({k: suggest(t, k, d) for k, d in dists.items()}),
                   n_trials=budget)
    return {"function": name, "sampler": sampler, "seed": seed,
            "values": [t.value for t in study.trials]}


# The mixed space of bench_strategies.cpp's ask times (its pow2 "f" as the exponent 3..10).
MIXED = {
    "a": optuna.distributions.IntDistribution(1, 1000, log=True),
    "b": optuna.distributions.IntDistribution(0, 100),
    "c": optuna.distributions.FloatDistribution(0, 1, step=0.01),
    "d": optuna.distributions.CategoricalDistribution(["w", "x", "y", "z"]),
    "e": optuna.distributions.FloatDistribution(0, 1),
    "f": optuna.distributions.IntDistribution(3, 10),
}


def mixed_loss(p):
    return (abs(math.log10(p["a"]) - 1.5) + abs(p["b"] - 30) / 100 + p["c"]
            + (0.0 if p["d"] == "x" else 0.3) + p["e"] + abs(p["f"] - 6) / 10)


def ask_time(sampler, n, asks, space):
    dists, loss = (MIXED, mixed_loss) if space == "mixed" else FUNCTIONS["hartmann6"]
    prefill = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    trials = []
    for _ in range(n):
        t = prefill.ask()
        params = {k: suggest(t, k, d) for k, d in dists.items()}
        trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                value=loss(params)))
    study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler, 1))
    study.add_trials(trials)
    times = []
    for _ in range(asks):
        start = time.perf_counter()
        trial = study.ask()
        params = {k: suggest(trial, k, d) for k, d in dists.items()}
        times.append(time.perf_counter() - start)
        study.tell(trial, loss(params))
    times.sort()
    return 1e3 * times[len(times) // 2]


def per_sampler(spec, default):
    """"20" or "20,optuna-gp=5": a default and per-sampler overrides."""
    out = {"": default}
    for item in spec.split(","):
        if "=" in item:
            k, v = item.split("=", 1)
            out[k] = int(v)
        elif item:
            out[""] = int(item)
    return lambda sampler: out.get(sampler, out[""])


def cache_key(name, sampler, seed):
    with open(__file__) as f:
        text = f.read()
    functions = text[text.index("# --- test functions"):text.index("# --- end of test functions")]
    script = hashlib.sha1(functions.encode()).hexdigest()[:12]
    return "%s/%s/%s/%s/%d" % (script, optuna.__version__, name, sampler, seed)


def load_cache(path):
    cached = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    entry = json.loads(line)
                    cached[entry["key"]] = entry
                except (ValueError, KeyError):
                    pass
    return cached


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", default="branin,hartmann6,logrosenbrock4,styblinski4,"
                        "ackley5,netloss")
    parser.add_argument("--samplers", default="optuna-tpe,optuna-gp")
    parser.add_argument("--seeds", default="10", help='N, or e.g. "20,optuna-gp=5"')
    parser.add_argument("--max-evals", default="100", help='N, or e.g. "100,optuna-gp=50"')
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cache", default="")
    parser.add_argument("--ask-time", default="")
    parser.add_argument("--ask-space", default="hartmann6", choices=["hartmann6", "mixed"])
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    samplers = [s for s in args.samplers.split(",") if s]
    if args.ask_time:
        for sampler in samplers:
            for n in [int(v) for v in args.ask_time.split(",")]:
                asks = max(5, min(20, 20000 // n)) if sampler != "optuna-gp" else (5 if n <= 50 else 3)
                ms = ask_time(sampler, n, asks, args.ask_space)
                print(json.dumps({"sampler": sampler, "space": args.ask_space, "trials": n,
                                  "ms": ms}), flush=True)
        return
    seeds, budgets = per_sampler(args.seeds, 10), per_sampler(args.max_evals, 100)
    cached = load_cache(args.cache)
    todo = []
    for name in args.functions.split(","):
        if name not in FUNCTIONS:
            sys.exit("unknown function " + name)
        for sampler in samplers:
            for seed in range(seeds(sampler)):
                hit = cached.get(cache_key(name, sampler, seed))
                if hit and len(hit["values"]) >= budgets(sampler):
                    hit = dict(hit, values=hit["values"][:budgets(sampler)])
                    del hit["key"]
                    print(json.dumps(hit), flush=True)
                else:
                    todo.append((name, sampler, seed, budgets(sampler), 1 if args.jobs > 1 else 0))
    out = open(args.cache, "a") if args.cache else None
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result in pool.map(run, todo):
            print(json.dumps(result), flush=True)
            if out:
                out.write(json.dumps(dict(result, key=cache_key(
                    result["function"], result["sampler"], result["seed"]))) + "\n")
                out.flush()


if __name__ == "__main__":
    main()
