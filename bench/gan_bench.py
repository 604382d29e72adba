#!/usr/bin/python3
# gan_bench.py - the PyTorch side of nnsh's GAN benchmarks W7 and W8 (see
# bench/README.md): the same networks, data and steps as bench/w7.nn and
# bench/w8.nn (BCE, Adam lr 2e-4 beta1 0.5, batch 100; each iteration one
# discriminator step on a real and a generated batch, then one generator
# step on a fresh generated batch against target 1). Only the epoch is
# timed. Prints one RESULT line.
#
# Run with Debian's interpreter, which has torch:  /usr/bin/python3 gan_bench.py

import argparse
import gzip
import os
import time

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"

p = argparse.ArgumentParser(description="PyTorch side of the GAN benchmarks")
p.add_argument("--workload", required=True, choices=["W7", "W8"])
p.add_argument("--threads", type=int, default=1)
p.add_argument("--iters", type=int, default=0,
               help="stop after this many iterations (0: the whole epoch)")
p.add_argument("--data", default=DATA_DIR)
p.add_argument("--seed", type=int, default=1)
ARGS = p.parse_args()
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402
from torch import nn  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def models(workload):
    if workload == "W7":
        g = nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2),
                          nn.Linear(256, 512), nn.LeakyReLU(0.2),
                          nn.Linear(512, 1024), nn.LeakyReLU(0.2),
                          nn.Linear(1024, 784), nn.Tanh(),
                          nn.Unflatten(1, (1, 28, 28)))
        d = nn.Sequential(nn.Flatten(),
                          nn.Linear(784, 1024), nn.LeakyReLU(0.2),
                          nn.Dropout(0.3),
                          nn.Linear(1024, 512), nn.LeakyReLU(0.2),
                          nn.Dropout(0.3),
                          nn.Linear(512, 256), nn.LeakyReLU(0.2),
                          nn.Dropout(0.3),
                          nn.Linear(256, 1), nn.Sigmoid())
        return g, d, 60000
    g = nn.Sequential(nn.Linear(100, 6272, bias=False), nn.BatchNorm1d(6272),
                      nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
                      nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(64), nn.ReLU(),
                      nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                      nn.Conv2d(64, 128, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
                      nn.Flatten(), nn.Linear(6272, 1), nn.Sigmoid())
    return g, d, 10000


def main():
    torch.manual_seed(ARGS.seed)
    torch.set_num_threads(ARGS.threads)
    g, d, n = models(ARGS.workload)
    images = read_idx(os.path.join(ARGS.data, "train-images-idx3-ubyte.gz"))
    x = torch.from_numpy(images[:n].astype(np.float32) / 127.5 - 1)
    x = x.reshape(n, 1, 28, 28)
    og = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    batch = 100
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    dl = gl = 0.0
    iters = 0
    for start in range(0, n, batch):
        real = x[perm[start:start + batch]]
        od.zero_grad()
        ld = bce(d(real), ones)
        fake = g(torch.randn(batch, 100))
        ld = ld + bce(d(fake.detach()), zeros)
        ld.backward()
        od.step()
        og.zero_grad()      # a fresh batch, as nnsh's generator step
        lg = bce(d(g(torch.randn(batch, 100))), ones)
        lg.backward()
        og.step()
        dl, gl = ld.item(), lg.item()
        iters += 1
        if ARGS.iters and iters >= ARGS.iters:
            break
    secs = time.perf_counter() - t0
    print("RESULT workload=%s tool=pytorch threads=%d iters=%d seconds=%.3f "
          "per_iter_ms=%.3f d_loss=%.4f g_loss=%.4f" %
          (ARGS.workload, ARGS.threads, iters, secs, 1000 * secs / iters,
           dl, gl))


main()
