#!/usr/bin/python3
"""second_bench.py - nnsh's full-batch lbfgs and lm against PyTorch (issue 14).

Workloads, each the same network, data and iteration count on both sides:
  sine-lbfgs   1-10-1 tanh on 200 points of sin(x), mse, L-BFGS (history
               10, strong Wolfe line search): nnsh's `optim lbfgs` against
               torch.optim.LBFGS(line_search_fn="strong_wolfe")
  sine-lm      the same net, Levenberg-Marquardt (mu 1e-3, x10 / x0.1):
               nnsh's `optim lm` against the same algorithm in PyTorch
               (torch.autograd.functional.jacobian, torch.linalg.solve),
               as PyTorch has no LM of its own and SciPy is not installed
  mnist-lbfgs  784-30-10 sigmoid/softmax cross-entropy, full batch on the
               bundled 10,000 digits (data/train10k-*), L-BFGS as above
Prints one table (markdown): seconds per iteration of each, loss and
gradient evaluations per iteration, and nnsh / PyTorch (issue 14's target:
<= 0.5). nnsh's time is its process for N iterations minus the same for 1
(start-up and loading cancel); PyTorch's is timed around its loop. Both on
one thread. Absolute seconds are noise on a shared machine: quote the
ratio, with `uptime`, and re-run on a quiet machine.

  bench/second_bench.py [--iters N] [--mnist-iters M]
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def nnsh_path():
    for p in (os.environ.get("NNSH"), os.path.join(ROOT, "build/src/nnsh"),
              os.path.join(ROOT, "src/nnsh")):
        if p and os.access(p, os.X_OK):
            return p
    sys.exit("second_bench: no nnsh binary: run ./setup first")


def sine_data():
    x = np.linspace(-np.pi, np.pi, 200, dtype=np.float32).reshape(-1, 1)
    return x, np.sin(x).astype(np.float32)


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big")
            for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_data():
    x = idx(os.path.join(ROOT, "data/train10k-images-idx3-ubyte.gz"))
    y = idx(os.path.join(ROOT, "data/train10k-labels-idx1-ubyte.gz"))
    x = x.reshape(len(x), -1).astype(np.float32) / 255
    return x, y.astype(np.int64)


SCRIPTS = {
    "sine-lbfgs": """seed 1
data s = make sine
model net input=1
add dense 10 tanh
add dense 1
loss mse
optim lbfgs
train s epochs={n}
""",
    "sine-lm": """seed 1
data s = make sine
model net input=1
add dense 10 tanh
add dense 1
loss mse
optim lm
train s epochs={n}
""",
    "mnist-lbfgs": """seed 1
data d = load idx {root}/data/train10k-images-idx3-ubyte.gz {root}/data/train10k-labels-idx1-ubyte.gz
model net input=1x28x28
add flatten
add dense 30 sigmoid
add dense 10 softmax
loss crossentropy
optim lbfgs
train d epochs={n}
""",
}


def run_nnsh(work, n):
    """Seconds of nnsh's process for n iterations, evaluations per one."""
    script = SCRIPTS[work].format(n=n, root=ROOT)
    with tempfile.NamedTemporaryFile("w", suffix=".nn", delete=False) as f:
        f.write(script)
        path = f.name
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NNSH_THREADS="1")
    t0 = time.perf_counter()
    out = subprocess.run([nnsh_path(), "--no-timing", path], env=env,
                         capture_output=True, text=True)
    secs = time.perf_counter() - t0
    os.unlink(path)
    if out.returncode != 0:
        sys.exit("second_bench: nnsh failed on %s:\n%s" % (work, out.stderr))
    evals = [int(e) for e in re.findall(r"evals (\d+)", out.stdout)]
    loss = re.findall(r"loss ([0-9.e+-]+)", out.stdout)
    return secs, sum(evals) / max(len(evals), 1), loss[-1] if loss else "-"


def torch_net(work):
    torch.manual_seed(1)
    if work.startswith("sine"):
        return torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.Tanh(),
                                   torch.nn.Linear(10, 1))
    return torch.nn.Sequential(torch.nn.Linear(784, 30), torch.nn.Sigmoid(),
                               torch.nn.Linear(30, 10))


def run_torch_lbfgs(work, n):
    x, y = sine_data() if work.startswith("sine") else mnist_data()
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    net = torch_net(work)
    opt = torch.optim.LBFGS(net.parameters(), lr=1, history_size=10,
                            max_iter=1, line_search_fn="strong_wolfe")
    evals = [0]

    def closure():
        evals[0] += 1
        opt.zero_grad()
        out = net(x)
        if work.startswith("sine"):
            loss = 0.5 * ((out - y) ** 2).sum(1).mean()
        else:
            loss = torch.nn.functional.cross_entropy(out, y)
        loss.backward()
        return loss

    t0 = time.perf_counter()
    for _ in range(n):
        loss = opt.step(closure)
    return time.perf_counter() - t0, evals[0] / n, "%.4g" % loss.item()


def run_torch_lm(n):
    x, y = sine_data()
    x, y = torch.from_numpy(x).double(), torch.from_numpy(y).double()
    net = torch_net("sine").double()
    w = torch.cat([p.detach().flatten() for p in net.parameters()])

    def residuals(wv):          # the 1-10-1 tanh net from a flat vector
        W1, b1 = wv[0:10].view(10, 1), wv[10:20]
        W2, b2 = wv[20:30].view(1, 10), wv[30:31]
        return (torch.tanh(x @ W1.T + b1) @ W2.T + b2 - y).flatten()

    mu, evals = 1e-3, 0
    t0 = time.perf_counter()
    for _ in range(n):
        r = residuals(w)
        J = torch.autograd.functional.jacobian(residuals, w)
        evals += 1
        A, g = J.T @ J, J.T @ r
        loss = 0.5 * (r @ r) / len(r)
        while mu < 1e10:
            d = torch.linalg.solve(A + mu * torch.eye(len(w),
                                                      dtype=w.dtype), g)
            r2 = residuals(w - d)
            evals += 1
            if 0.5 * (r2 @ r2) / len(r2) < loss:
                w, mu = w - d, mu * 0.1
                break
            mu *= 10
    r = residuals(w)
    return (time.perf_counter() - t0, evals / n,
            "%.4g" % (0.5 * (r @ r) / len(r)).item())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=200,
                    help="iterations of the sine workloads (200)")
    ap.add_argument("--mnist-iters", type=int, default=20,
                    help="iterations of mnist-lbfgs (20)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for work, n in (("sine-lbfgs", a.iters), ("sine-lm", a.iters),
                    ("mnist-lbfgs", a.mnist_iters)):
        full, ev, nloss = run_nnsh(work, n)
        one, _, _ = run_nnsh(work, 1)
        nn_it = max(full - one, 1e-9) / max(n - 1, 1)
        if work.endswith("lm"):
            tt, tev, tloss = run_torch_lm(n)
        else:
            tt, tev, tloss = run_torch_lbfgs(work, n)
        rows.append((work, n, nn_it, ev, nloss, tt / n, tev, tloss,
                     nn_it / (tt / n)))
        print("second_bench: %s done" % work, file=sys.stderr)
    print("load: %s" % os.getloadavg().__repr__())
    print("| workload | iters | nnsh s/iter | evals/iter | nnsh loss "
          "| torch s/iter | evals/iter | torch loss | nnsh/torch "
          "(target <= 0.5) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %.3g | %.2f | %s | %.3g | %.2f | %s | %.2f |" % r)


if __name__ == "__main__":
    main()
