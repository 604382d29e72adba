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
PyTorch's L-BFGS runs two ways: one `step` per iteration (max_iter=1,
which evaluates the loss at each step's start, as the issue's figure
was taken) and one `step` of all the iterations (max_iter=N, PyTorch's
own use: its default is 20 a step), which takes each iteration's
gradient from the last line search as nnsh does.

Prints one table (markdown): seconds per iteration of each, the thread
count that gave it, loss and gradient evaluations per iteration, the
final loss, and nnsh / PyTorch (issue 14's target: <= 0.5). Each side
times its training loop alone, the data already loaded: nnsh's is the
seconds `runs export` gives each `train` (the mean of K runs in one
process, K large enough for the short sine runs to be timed to the
millisecond), PyTorch's a clock around its loop. Each time is the best
of --repeat processes or runs. One thread for both unless --best, which
runs each tool on 1 and 2 threads and keeps its best, as bench/run does.
Absolute seconds are noise on a shared machine: quote the ratio, with
the load average printed, and re-run on a quiet machine.

  bench/second_bench.py [--iters N] [--mnist-iters M] [--repeat R] [--best]
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time
from csv import DictReader as csv_rows

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


SETUP = {
    "sine": """seed 1
data s = make sine
model net input=1
add dense 10 tanh
add dense 1
loss mse
""",
    "mnist": """seed 1
data s = load idx {root}/data/train10k-images-idx3-ubyte.gz \
{root}/data/train10k-labels-idx1-ubyte.gz
model net input=1x28x28
add flatten
add dense 30 sigmoid
add dense 10 softmax
loss crossentropy
""",
}

# each workload: its setup, nnsh's optimizer, the runs timed in a process
WORK = {
    "sine-lbfgs": ("sine", "lbfgs", 20),
    "sine-lm": ("sine", "lm", 20),
    "mnist-lbfgs": ("mnist", "lbfgs", 3),
}


def nnsh_script(work, n, csv):
    """The workload's runs of n iterations, each from the same start, and
    their table written to csv."""
    setup, optim, k = WORK[work]
    run = "copy start net\noptim %s\ntrain s epochs=%d\n" % (optim, n)
    return (SETUP[setup].format(root=ROOT) + "copy net start\n" +
            run * k + "runs export %s\n" % csv)


def run_nnsh(work, n, threads, repeat):
    """nnsh's seconds per iteration (the best of repeat processes, each the
    mean of its runs), evaluations per iteration and final loss."""
    best = None
    with tempfile.TemporaryDirectory() as tmp:
        path, csv = os.path.join(tmp, "w.nn"), os.path.join(tmp, "runs.csv")
        with open(path, "w") as f:
            f.write(nnsh_script(work, n, csv))
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        for _ in range(repeat):
            out = subprocess.run([nnsh_path(), "--threads",
                                  str(threads), path], env=env,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit("second_bench: nnsh failed on %s:\n%s"
                         % (work, out.stderr))
            with open(csv) as f:
                secs = [float(r["seconds"]) for r in csv_rows(f)]
            per = sum(secs) / (len(secs) * n)
            best = per if best is None else min(best, per)
    evals = [int(e) for e in re.findall(r"evals (\d+)", out.stdout)]
    loss = re.findall(r"loss ([0-9.e+-]+)", out.stdout)
    return best, sum(evals) / max(len(evals), 1), loss[-1] if loss else "-"


def torch_net(work):
    torch.manual_seed(1)
    if work.startswith("sine"):
        return torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.Tanh(),
                                   torch.nn.Linear(10, 1))
    return torch.nn.Sequential(torch.nn.Linear(784, 30), torch.nn.Sigmoid(),
                               torch.nn.Linear(30, 10))


def run_torch_lbfgs(work, n, one_step):
    """PyTorch's seconds per iteration, evaluations per iteration and final
    loss: a step per iteration, or one step of n iterations."""
    x, y = sine_data() if work.startswith("sine") else mnist_data()
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    net = torch_net(work)
    opt = torch.optim.LBFGS(net.parameters(), lr=1, history_size=10,
                            max_iter=n if one_step else 1,
                            max_eval=n * 30 if one_step else None,
                            line_search_fn="strong_wolfe")
    evals = [0]

    def loss_of():
        out = net(x)
        if work.startswith("sine"):
            return 0.5 * ((out - y) ** 2).sum(1).mean()
        return torch.nn.functional.cross_entropy(out, y)

    def closure():
        evals[0] += 1
        opt.zero_grad()
        loss = loss_of()
        loss.backward()
        return loss

    t0 = time.perf_counter()
    for _ in range(1 if one_step else n):
        opt.step(closure)
    secs = time.perf_counter() - t0
    iters = opt.state[opt._params[0]]["n_iter"]
    with torch.no_grad():
        loss = loss_of()
    return secs / iters, evals[0] / iters, "%.4g" % loss.item()


def run_torch_lm(n):
    """PyTorch's seconds per LM iteration, evaluations per iteration (the
    Jacobian counts one) and final loss."""
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
    secs = time.perf_counter() - t0
    r = residuals(w)
    return secs / n, evals / n, "%.4g" % (0.5 * (r @ r) / len(r)).item()


def best(runs):
    """The fastest of runs, each (seconds per iteration, ...), with the
    thread count that gave it appended."""
    return min(r + (k,) for k, r in runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=200,
                    help="iterations of the sine workloads (200)")
    ap.add_argument("--mnist-iters", type=int, default=20,
                    help="iterations of mnist-lbfgs (20)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="each time is the best of this many runs (3)")
    ap.add_argument("--best", action="store_true",
                    help="run each tool on 1 and 2 threads, keep its best")
    a = ap.parse_args()
    threads = (1, 2) if a.best else (1,)
    load0 = os.getloadavg()
    rows = []
    for work, n in (("sine-lbfgs", a.iters), ("sine-lm", a.iters),
                    ("mnist-lbfgs", a.mnist_iters)):
        nn = best((k, run_nnsh(work, n, k, a.repeat)) for k in threads)
        sides = (("", None),) if work.endswith("lm") else (
            (" (torch: a step per iteration)", False),
            (" (torch: one step of all)", True))
        for label, one in sides:
            def torch_run(k):
                torch.set_num_threads(k)
                if one is None:
                    return min(run_torch_lm(n) for _ in range(a.repeat))
                return min(run_torch_lbfgs(work, n, one)
                           for _ in range(a.repeat))
            tt = best((k, torch_run(k)) for k in threads)
            rows.append((work + label, n) + nn + tt + (nn[0] / tt[0],))
        print("second_bench: %s done" % work, file=sys.stderr)
    print("load: %.2f %.2f %.2f at the start, %.2f %.2f %.2f at the end"
          % (load0 + os.getloadavg()))
    print("OPENBLAS_CORETYPE=%s (PyTorch's products are OpenBLAS's; "
          "nnsh's oneDNN's)" % os.environ.get("OPENBLAS_CORETYPE", "unset"))
    print("| workload | iters | nnsh s/iter | evals/iter | nnsh loss "
          "| threads | torch s/iter | evals/iter | torch loss | threads "
          "| nnsh/torch (target <= 0.5) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %.3g | %.2f | %s | %d | %.3g | %.2f | %s | %d "
              "| %.2f |" % r)


if __name__ == "__main__":
    main()
