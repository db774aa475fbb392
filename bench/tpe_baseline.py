#!/usr/bin/env python3
"""Optuna's TPESampler with its defaults on the test functions of bench_strategies.cpp.

Prints one JSON line per (function, seed): the simple regret after each evaluation. Same
functions, bounds, seeds and budget as the C++ benchmark, which runs this script. The defaults
(Optuna 5: multivariate for a single objective, constant_liar=True, group=False, 10 startup
trials, 24 candidates) are what a user gets; on these unconditional spaces group=True would
change nothing, since every parameter is in every trial.

With --ask-time 50,200,... [--ask-space hartmann6|mixed]: for each size, the median time of
TPESampler's ask (the trial's relative sampling and its suggest calls) after that many complete
trials at random points, added without sampling; one JSON line per size.
"""
import argparse
import json
import math
import random
import sys
import time

import optuna


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


FUNCTIONS = {
    "branin": ([(-5, 10), (0, 15)], 0.397887357729739, branin),
    "hartmann6": ([(0, 1)] * 6, -3.32236801141551, lambda x: hartmann(x, H6_A, H6_P)),
    "hartmann3": ([(0, 1)] * 3, -3.86278214782076, lambda x: hartmann(x, H3_A, H3_P)),
    "rosenbrock4": ([(-5, 10)] * 4, 0.0, rosenbrock),
    "ackley5": ([(-32.768, 32.768)] * 5, 0.0, ackley),
    "styblinski4": ([(-5, 5)] * 4, -39.16616570377142 * 4, styblinski_tang),
}


def run(name, seed, budget):
    bounds, optimum, f = FUNCTIONS[name]
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)

    def objective(trial):
        x = [trial.suggest_float("x%d" % i, lo, hi) for i, (lo, hi) in enumerate(bounds)]
        return f(x)

    study.optimize(objective, n_trials=budget)
    best, regret = math.inf, []
    for t in study.trials:
        best = min(best, t.value)
        regret.append(best - optimum)
    return regret


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


def suggest(trial, name, d):
    if isinstance(d, optuna.distributions.CategoricalDistribution):
        return trial.suggest_categorical(name, d.choices)
    if isinstance(d, optuna.distributions.IntDistribution):
        return trial.suggest_int(name, d.low, d.high, log=d.log)
    return trial.suggest_float(name, d.low, d.high, step=d.step)


def ask_time(n, asks, space):
    if space == "mixed":
        dists, loss = MIXED, mixed_loss
    else:
        bounds, _, f = FUNCTIONS["hartmann6"]
        dists = {"x%d" % i: optuna.distributions.FloatDistribution(lo, hi)
                 for i, (lo, hi) in enumerate(bounds)}
        loss = lambda p: f(list(p.values()))  # noqa: E731
    sampler = optuna.samplers.RandomSampler(seed=1)
    prefill = optuna.create_study(sampler=sampler)
    trials = []
    for _ in range(n):
        t = prefill.ask()
        params = {k: suggest(t, k, d) for k, d in dists.items()}
        trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                value=loss(params)))
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=1))
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", default="branin,hartmann6,hartmann3,rosenbrock4")  # or ackley5, styblinski4
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--ask-time", default="")
    parser.add_argument("--ask-space", default="hartmann6", choices=["hartmann6", "mixed"])
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.ask_time:
        for n in [int(v) for v in args.ask_time.split(",")]:
            ms = ask_time(n, max(5, min(20, 20000 // n)), args.ask_space)
            print(json.dumps({"space": args.ask_space, "trials": n, "ms": ms}), flush=True)
        return
    for name in args.functions.split(","):
        if name not in FUNCTIONS:
            sys.exit("unknown function " + name)
        for seed in range(args.seeds):
            regret = run(name, seed, args.budget)
            print(json.dumps({"function": name, "sampler": "optuna-tpe", "seed": seed,
                              "regret": regret}), flush=True)


if __name__ == "__main__":
    main()
