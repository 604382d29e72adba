#!/usr/bin/python3
# torch_bench.py - the PyTorch side of nnsh's benchmarks (see bench/README.md).
#
# Loads Fashion-MNIST from the IDX .gz files itself, runs one workload (W1, W2,
# W3 training or W6 inference) and prints one machine-readable RESULT line.
# Two training loops: "dataloader" (nn.Sequential + torch.optim + a DataLoader
# over a TensorDataset with shuffle=True, as a homework script would) and
# "index" (a permutation per epoch, each batch gathered by index: the fastest
# honest PyTorch loop).  Only the training epochs are timed (W6: inference).
#
# Run with Debian's interpreter, which has torch:  /usr/bin/python3 torch_bench.py

import argparse
import gzip
import os
import sys
import time

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"
EPOCH_SAMPLES = 60000


def parse_args():
    p = argparse.ArgumentParser(description="PyTorch side of the nnsh benchmarks")
    p.add_argument("--workload", required=True,
                   choices=["W1", "W2", "W3", "W4", "W5", "W6"])
    p.add_argument("--epochs", type=int, default=1,
                   help="training epochs (W6: epochs of W1 before inference)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--loader", choices=["dataloader", "index"], default="index")
    p.add_argument("--w3-samples", type=int, default=10000,
                   help="W3 only: time this many samples per epoch and scale "
                        "to a 60,000-sample epoch (0 = the full epoch)")
    p.add_argument("--w6-reps", type=int, default=5,
                   help="W6 only: passes over the test set; the best is kept")
    p.add_argument("--data", default=DATA_DIR, help="directory of the IDX .gz files")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


ARGS = parse_args()

# torch.set_num_threads() sets OpenMP's thread count but not OpenBLAS's, and
# Debian's torch does its matrix products in OpenBLAS (pthreads build, which
# otherwise starts one thread per core).  Both must be set before torch loads.
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


def read_idx(path):
    """Read a gzip'd IDX file (MNIST format) into a numpy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(kind):
    """Images as float32 N x 784 in [0, 1], labels as int64."""
    images = read_idx(os.path.join(ARGS.data, kind + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(ARGS.data, kind + "-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def maxfan_init(model):
    """Weights N(0, 1/max(fan_in, fan_out)), biases 0 (nnsh's `init maxfan`)."""
    for layer in model:
        if isinstance(layer, nn.Linear):
            n_out, n_in = layer.weight.shape
            nn.init.normal_(layer.weight, 0.0, 1.0 / max(n_in, n_out) ** 0.5)
            nn.init.zeros_(layer.bias)


def build(workload):
    """The network, optimizer and batch size of a workload.  The last layer
    gives logits: nn.CrossEntropyLoss is softmax + cross-entropy, fused."""
    if workload in ("W1", "W6"):
        model = nn.Sequential(nn.Linear(784, 200), nn.Sigmoid(),
                              nn.Linear(200, 10))
        maxfan_init(model)
        return model, torch.optim.SGD(model.parameters(), lr=0.5), 100
    if workload == "W2":
        # PyTorch's default init, as a homework script would leave it.
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                              nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2),
                              nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.2),
                              nn.Linear(64, 10))
        return model, torch.optim.Adam(model.parameters(), lr=1e-3), 32
    if workload == "W3":
        model = nn.Sequential(nn.Linear(784, 32), nn.Sigmoid(),
                              nn.Linear(32, 32), nn.Sigmoid(),
                              nn.Linear(32, 10))
        maxfan_init(model)
        return model, torch.optim.SGD(model.parameters(), lr=0.003), 1
    if workload == "W4":
        # LeNet; its log-softmax output makes CrossEntropyLoss the NLL loss
        # (log_softmax of log-probabilities changes nothing).
        model = nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
                              nn.Conv2d(1, 10, 5), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(10, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(320, 50), nn.ReLU(),
                              nn.Dropout(0.5), nn.Linear(50, 10),
                              nn.LogSoftmax(dim=1))
        return model, torch.optim.Adam(model.parameters(), lr=1e-3), 64
    if workload == "W5":
        model = nn.Sequential(nn.Unflatten(1, (1, 28, 28)),
                              nn.Conv2d(1, 4, 5, 1, 2), nn.ReLU(),
                              nn.Conv2d(4, 8, 5, 2, 2), nn.ReLU(),
                              nn.Conv2d(8, 12, 4, 2, 1), nn.ReLU(),
                              nn.Flatten(), nn.Linear(588, 200), nn.ReLU(),
                              nn.Linear(200, 10))
        return model, torch.optim.Adam(model.parameters(), lr=3e-3), 100
    raise ValueError(workload)


def epoch_dataloader(model, opt, loss_fn, x, y, batch, limit):
    """One epoch the homework way; returns (loss, accuracy, samples seen)."""
    loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True)
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        opt.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        opt.step()
        total_loss += loss.item() * len(yb)
        correct += (out.argmax(1) == yb).sum().item()
        seen += len(yb)
        if seen >= limit:
            break
    return total_loss / seen, correct / seen, seen


def epoch_index(model, opt, loss_fn, x, y, batch, limit):
    """One epoch without a DataLoader: a permutation per epoch, each batch
    gathered by index into one reused buffer (permuting the whole 188 MB set
    at once costs more in page faults).  The batches' losses and outputs are
    kept and reduced once at the end, so the running loss and accuracy add
    no work per batch."""
    n = min(limit, len(y))
    perm = torch.randperm(len(y))[:n]
    buf = torch.empty(batch, x.shape[1])
    losses, sizes, outs = [], [], []
    for i in range(0, n, batch):
        idx = perm[i:i + batch]
        xb = torch.index_select(x, 0, idx, out=buf[:len(idx)])
        yb = y[idx]
        opt.zero_grad(set_to_none=True)
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
        sizes.append(float(len(idx)))
        outs.append(out.detach())
    total_loss = torch.stack(losses).dot(torch.tensor(sizes)).item()
    correct = (torch.cat(outs).argmax(1) == y[perm]).sum().item()
    return total_loss / n, correct / n, n


def evaluate(model, loss_fn, x, y, batch=1000):
    """Loss and accuracy over a set, in eval mode, without autograd."""
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(y), batch):
            out = model(x[i:i + batch])
            total_loss += loss_fn(out, y[i:i + batch]).item() * len(out)
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return total_loss / len(y), correct / len(y)


def train(model, opt, batch, x, y, workload):
    """Train for ARGS.epochs; returns (seconds per 60,000-sample epoch,
    samples timed per epoch)."""
    loss_fn = nn.CrossEntropyLoss()
    run_epoch = epoch_dataloader if ARGS.loader == "dataloader" else epoch_index
    limit = len(y)
    if workload == "W3" and ARGS.w3_samples > 0:
        limit = min(ARGS.w3_samples, len(y))
    times = []
    for e in range(ARGS.epochs):
        t0 = time.perf_counter()
        loss, acc, seen = run_epoch(model, opt, loss_fn, x, y, batch, limit)
        dt = time.perf_counter() - t0
        times.append(dt * EPOCH_SAMPLES / seen)
        print(f"# epoch {e + 1}/{ARGS.epochs} loss {loss:.4f} acc {acc:.4f} "
              f"time {dt:.3f}s ({seen} samples)", flush=True)
    return sum(times) / len(times), limit


def main():
    torch.manual_seed(ARGS.seed)
    torch.set_num_threads(ARGS.threads)
    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")
    model, opt, batch = build(ARGS.workload)
    loss_fn = nn.CrossEntropyLoss()
    variant = "inference" if ARGS.workload == "W6" else ARGS.loader
    common = (f"workload={ARGS.workload} tool=torch variant={variant} "
              f"threads={ARGS.threads}")
    coretype = os.environ.get("OPENBLAS_CORETYPE", "unset")
    print(f"# torch {torch.__version__}, OPENBLAS_CORETYPE={coretype}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}",
          flush=True)

    sec, samples = train(model, opt, batch, x_train, y_train, ARGS.workload)
    _, test_acc = evaluate(model, loss_fn, x_test, y_test)

    if ARGS.workload != "W6":
        extra = ""
        if samples < EPOCH_SAMPLES:
            extra = (f" timed_samples={samples} scaled_to={EPOCH_SAMPLES}")
            print(f"# {ARGS.workload}: each epoch timed over {samples} samples "
                  f"and scaled to {EPOCH_SAMPLES}; test_acc is after "
                  f"{samples} samples per epoch", flush=True)
        print(f"RESULT {common} sec_per_epoch={sec:.4f} "
              f"test_acc={test_acc:.4f}{extra}", flush=True)
        return

    # W6: inference of the trained W1 network on the 10k test set, batch
    # 1000, loss and accuracy included (as nnsh's evaluate does).  Best pass.
    best = None
    for _ in range(ARGS.w6_reps):
        t0 = time.perf_counter()
        _, acc = evaluate(model, loss_fn, x_test, y_test, batch=1000)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    print(f"RESULT {common} infer_sec={best:.5f} "
          f"samples_per_sec={len(y_test) / best:.0f} test_acc={acc:.4f} "
          f"train_sec_per_epoch={sec:.4f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
