"""The reference loop for bench_train: the same Fashion-MNIST MLP (784-128-10, Adam, batch 128)
trained the same way as tune's trainer, in Python PyTorch: tensors in memory on the device, one
randperm per epoch, index_select batches, loss/accuracy summed on the device and read once per
epoch, inference mode for validation. Prints one JSON line with the figures."""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def find(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{directory}/{name}: not found")


def load(directory, device, validation_fraction=0.1, seed=0):
    x = torch.from_numpy(read_idx(find(directory, "train-images-idx3-ubyte")).copy())
    y = torch.from_numpy(read_idx(find(directory, "train-labels-idx1-ubyte")).copy())
    x = x.float().div_(255).unsqueeze(1)
    y = y.long()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_val = int(len(y) * validation_fraction)
    val, train = order[:n_val], order[n_val:]
    mean, std = x[train].mean(), x[train].std()
    norm = lambda t: (t - mean) / std
    return (norm(x[train]).to(device), y[train].to(device), norm(x[val]).to(device),
            y[val].to(device))


def evaluate(model, x, y, batch=4096):
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.double, device=x.device)
    correct = torch.zeros((), dtype=torch.long, device=x.device)
    with torch.inference_mode():
        for first in range(0, len(y), batch):
            xb, yb = x[first:first + batch], y[first:first + batch]
            logits = model(xb)
            loss_sum += F.cross_entropy(logits, yb, reduction="sum")
            correct += (logits.argmax(1) == yb).sum()
    return loss_sum.item() / len(y), correct.item() / len(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    torch.manual_seed(0)
    xt, yt, xv, yv = load(a.data, device)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator(device=device).manual_seed(0)
    n = len(yt)
    epochs = []
    for epoch in range(1, a.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=gen, device=device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.long, device=device)
        for first in range(0, n, a.batch):
            index = order[first:first + a.batch]
            xb, yb = xt.index_select(0, index), yt.index_select(0, index)
            opt.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum.add_(loss.detach(), alpha=len(yb))
                correct.add_((logits.detach().argmax(1) == yb).sum())
        train_loss, train_acc = loss_sum.item() / n, correct.item() / n
        train_seconds = time.perf_counter() - start
        val_loss, val_acc = evaluate(model, xv, yv)
        epochs.append({"epoch": epoch, "seconds": time.perf_counter() - start,
                       "samples_per_second": n / train_seconds, "train_loss": train_loss,
                       "train_accuracy": train_acc, "val_loss": val_loss, "val_accuracy": val_acc})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "epochs": epochs}))


if __name__ == "__main__":
    main()
