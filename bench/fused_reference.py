#!/usr/bin/env python3
"""The Python ceiling for bench_fused: K same-shape MLP trials (784-128-10, ReLU, dropout,
Adam, batch 128) trained as one batched model in plain PyTorch, on synthetic data shaped like
Fashion-MNIST that lives on the device.

Each trial has its weights stacked along a first dimension ([K, in, out], applied with
torch.baddbmm), its own learning rate and dropout rate (tensors of size K), its own batch order
(one permutation per trial per epoch) and its own Adam state; the Adam step is written with
tensor learning rates and step counts so that, on a GPU, the whole step (forward, backward,
optimizer) can also be captured in one CUDA graph and replayed. Prints training samples per
second of all K trials together, from the last of --epochs epochs (the first warms up).

  python3 bench/fused_reference.py [--device cpu|cuda] [--k 1,8,32,64] [--samples N]
                                   [--epochs N] [--graph off|on|both]
"""
import argparse
import math
import time

import torch


class FusedMlp:
    """K MLPs in-hidden-out with weights stacked per trial."""

    def __init__(self, k, sizes, dropout, device, seed):
        gen = torch.Generator().manual_seed(seed)
        self.params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1 / math.sqrt(fan_in)
            w = (torch.rand(k, fan_in, fan_out, generator=gen) * 2 - 1) * bound
            b = (torch.rand(k, 1, fan_out, generator=gen) * 2 - 1) * bound
            self.params += [w.to(device).requires_grad_(), b.to(device).requires_grad_()]
        self.keep = (1 - dropout).view(k, 1, 1)  # per-trial keep probability

    def forward(self, x):  # x [K, B, in] -> logits [K, B, out]
        h = x
        layers = len(self.params) // 2
        for i in range(layers):
            w, b = self.params[2 * i], self.params[2 * i + 1]
            h = torch.baddbmm(b, h, w)
            if i + 1 < layers:
                h = torch.relu(h)
                mask = torch.rand_like(h) < self.keep
                h = h * mask / self.keep
        return h


class FusedAdam:
    """Adam per trial: lr [K], step count on the device, bias corrections computed there."""

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = params
        self.lr = lr  # [K]
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.step_count = torch.zeros((), device=lr.device)
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self):
        self.step_count += 1
        c1 = 1 - self.beta1**self.step_count
        c2 = 1 - self.beta2**self.step_count
        step_size = (self.lr / c1).view(-1, 1, 1)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            denom = (v / c2).sqrt_().add_(self.eps)
            p.sub_(step_size * m / denom)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()


def samples_per_second(k, args, device, graphed):
    torch.manual_seed(0)
    n, batch = args.samples, 128
    x = torch.randn(n, 784, device=device)
    y = torch.randint(0, 10, (n,), device=device)
    lr = torch.tensor([1e-3 * (1 + t % 4) for t in range(k)], device=device)
    dropout = torch.tensor([0.1 * (t % 3) for t in range(k)], device=device)
    model = FusedMlp(k, [784, 128, 10], dropout, device, seed=k)
    opt = FusedAdam(model.params, lr)
    static_x = torch.empty(k * batch, 784, device=device)
    static_y = torch.empty(k * batch, dtype=torch.long, device=device)
    loss_sum = torch.zeros(k, device=device)

    def step():
        opt.zero_grad()
        logits = model.forward(static_x.view(k, batch, 784))
        per_trial = torch.nn.functional.cross_entropy(
            logits.reshape(k * batch, 10), static_y, reduction="none").view(k, batch).mean(1)
        per_trial.sum().backward()
        opt.step()
        with torch.no_grad():
            loss_sum.add_(per_trial)

    graph = None
    seconds = 0.0
    for _ in range(args.epochs):
        order = torch.stack([torch.randperm(n, device=device) for _ in range(k)])  # [K, n]
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        steps = 0
        for first in range(0, n - batch + 1, batch):  # full batches only
            index = order[:, first:first + batch].reshape(-1)
            torch.index_select(x, 0, index, out=static_x)
            torch.index_select(y, 0, index, out=static_y)
            if graphed and graph is None and steps == 3:
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    graph = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(graph, stream=side):
                        step()
                torch.cuda.current_stream().wait_stream(side)
            if graph is not None:
                graph.replay()
            elif graphed and steps < 3:
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    step()
                torch.cuda.current_stream().wait_stream(side)
            else:
                step()
            steps += 1
        loss_sum.sum().item()  # one synchronisation per epoch, as tune's trainers do
        seconds = time.perf_counter() - start
    return k * steps * batch / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--k", default="1,8,32,64")
    parser.add_argument("--samples", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--graph", default="both", choices=["off", "on", "both"])
    args = parser.parse_args()
    device = torch.device(args.device)
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.graph]
    if device.type != "cuda":
        modes = [False]  # CUDA graphs need a GPU
    print(f"python fused reference (torch {torch.__version__}, {device}, "
          f"{args.samples} samples, batch 128, {args.epochs} epochs)")
    print(f"{'K':>4} " + " ".join(f"{'graphed' if g else 'eager':>14}" for g in modes)
          + "   samples/s, all trials")
    for k in [int(v) for v in args.k.split(",")]:
        figures = [samples_per_second(k, args, device, g) for g in modes]
        print(f"{k:>4} " + " ".join(f"{f:>14,.0f}" for f in figures), flush=True)


if __name__ == "__main__":
    main()
