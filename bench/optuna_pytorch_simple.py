"""The Python side of `scripts/bench.sh sweep`: Optuna's pytorch_simple example
(github.com/optuna/optuna-examples, pytorch/pytorch_simple.py) written again against the local
Fashion-MNIST files, with the example's space, model, loop and budget: 1-3 hidden layers, each
Linear -> ReLU -> Dropout with its own width and dropout, log-softmax and NLL loss; Adam,
RMSprop or SGD with only the learning rate set; batch 128; 10 epochs, each on a fresh random
3,840 training images and validated on a fresh random 1,280 test images; the accuracy of each
epoch reported to a MedianPruner (Optuna's default). One deliberate difference, in the example's
favour: the images are decoded into tensors once per process, where the example's data loaders
convert every image on every epoch, so these times are a lower bound on the example's own.
Prints one JSON line (with the best trial's params, which the example prints too)."""
import argparse
import json
import time

import optuna
import torch
import torch.nn.functional as F

from train_pytorch import find, read_idx

BATCH = 128
EPOCHS = 10
TRAIN_IMAGES = 30 * BATCH
VALIDATION_IMAGES = 10 * BATCH


def load_split(directory, prefix, device):
    """Images as [N, 784] floats in [0, 1] (what ToTensor gives, flattened) and int64 labels."""
    images = read_idx(find(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(directory, f"{prefix}-labels-idx1-ubyte"))
    x = torch.from_numpy(images.copy()).float().div_(255).reshape(len(images), -1)
    return x.to(device), torch.from_numpy(labels.copy()).long().to(device)


def build_model(trial, inputs, classes):
    modules = []
    width = inputs
    for i in range(trial.suggest_int("layers", 1, 3)):
        units = trial.suggest_int(f"units_{i}", 4, 128)
        dropout = trial.suggest_float(f"dropout_{i}", 0.2, 0.5)
        modules += [torch.nn.Linear(width, units), torch.nn.ReLU(), torch.nn.Dropout(dropout)]
        width = units
    modules += [torch.nn.Linear(width, classes), torch.nn.LogSoftmax(dim=1)]
    return torch.nn.Sequential(*modules)


def random_batches(size, count):
    """`count` examples of `size` in a random order, in batches (a shuffled loader cut short)."""
    return torch.randperm(size)[:count].split(BATCH)


def make_objective(train, test, device):
    (xt, yt), (xv, yv) = train, test

    def objective(trial):
        model = build_model(trial, xt.shape[1], 10).to(device)
        name = trial.suggest_categorical("optimizer", ["Adam", "RMSprop", "SGD"])
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        optimizer = getattr(torch.optim, name)(model.parameters(), lr=lr)
        for epoch in range(EPOCHS):
            model.train()
            for idx in random_batches(len(yt), TRAIN_IMAGES):
                idx = idx.to(device)
                optimizer.zero_grad()
                F.nll_loss(model(xt[idx]), yt[idx]).backward()
                optimizer.step()
            model.eval()
            correct = 0
            with torch.no_grad():
                for idx in random_batches(len(yv), VALIDATION_IMAGES):
                    idx = idx.to(device)
                    correct += (model(xv[idx]).argmax(1) == yv[idx]).sum().item()
            accuracy = correct / min(len(yv), VALIDATION_IMAGES)
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return accuracy

    return objective


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--sampler", choices=["random", "tpe"], default="tpe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    torch.manual_seed(a.seed)
    device = torch.device(a.device)
    start = time.perf_counter()
    train = load_split(a.data, "train", device)
    test = load_split(a.data, "t10k", device)
    sampler = (optuna.samplers.RandomSampler(seed=a.seed) if a.sampler == "random" else
               optuna.samplers.TPESampler(seed=a.seed))
    study = optuna.create_study(direction="maximize", sampler=sampler,
                                pruner=optuna.pruners.MedianPruner())
    study.optimize(make_objective(train, test, device), n_trials=a.trials, timeout=a.timeout)
    states = [t.state for t in study.trials]
    complete = states.count(optuna.trial.TrialState.COMPLETE)
    pruned = states.count(optuna.trial.TrialState.PRUNED)
    epochs = sum(len(t.intermediate_values) for t in study.trials)
    print(json.dumps({"sampler": a.sampler, "complete": complete, "pruned": pruned, "epochs": epochs,
                      "best": study.best_value if complete else None,
                      "best_params": study.best_params if complete else None,
                      "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
