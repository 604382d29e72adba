#!/usr/bin/python3
# seq_bench.py - the PyTorch side of nnsh's sequence benchmarks W9 and W10
# (see bench/README.md): the same networks, data sizes and steps as
# bench/w9.nn and bench/w10.nn.
#   W9   examples/reverse.nn's Transformer encoder (embedding 10 x 32,
#        sinusoidal positions, two post-norm blocks of 4-head attention
#        and a 32-64-32 ReLU feed-forward block, dense 32-10), one epoch
#        of 10,000 random sequences of 8 tokens below 10 labelled by
#        their reverse; cross-entropy per position, Adam lr 0.003, batch
#        50.
#   W10  examples/chars.nn's character LSTM (embedding 58 x 32, LSTM 128,
#        dense 128-58), one epoch of the 4,069 windows of 64 characters
#        that start every 8th character of examples/shakespeare.txt, each
#        position labelled by the next character; cross-entropy, Adam lr
#        0.005, batch 32.
# Each epoch draws a fresh order and gathers each batch by index, as
# nnsh's train does. Only the epoch is timed. Prints one RESULT line.
#
# Run with Debian's interpreter, which has torch:  /usr/bin/python3 seq_bench.py

import argparse
import math
import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))

p = argparse.ArgumentParser(description="PyTorch side of W9 and W10")
p.add_argument("--workload", required=True, choices=["W9", "W10"])
p.add_argument("--threads", type=int, default=1)
p.add_argument("--seed", type=int, default=1)
ARGS = p.parse_args()
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402
from torch import nn  # noqa: E402


class PosEnc(nn.Module):
    """x + P, P the sinusoids of "Attention is all you need" (nnsh's posenc)."""

    def __init__(self, d, max_len=5000):
        super().__init__()
        pos = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) *
                        (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:x.size(1)]


class Block(nn.Module):
    """a = attention(x); x = norm(x + a); f = ffn(x); x = norm(x + f)."""

    def __init__(self, d, heads, dff):
        super().__init__()
        self.att = nn.MultiheadAttention(d, heads, batch_first=True)
        self.n1 = nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, dff), nn.ReLU(),
                                 nn.Linear(dff, d))
        self.n2 = nn.LayerNorm(d)

    def forward(self, x):
        x = self.n1(x + self.att(x, x, x, need_weights=False)[0])
        return self.n2(x + self.ffn(x))


class Reverse(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 32)
        self.pos = PosEnc(32)
        self.b1 = Block(32, 4, 64)
        self.b2 = Block(32, 4, 64)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        return self.out(self.b2(self.b1(self.pos(self.emb(x)))))


class Chars(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.emb = nn.Embedding(vocab, 32)
        self.lstm = nn.LSTM(32, 128, batch_first=True)
        self.out = nn.Linear(128, vocab)

    def forward(self, x):
        return self.out(self.lstm(self.emb(x))[0])


def reverse_data():
    x = torch.randint(0, 10, (10000, 8))
    return Reverse(), x, x.flip(1), 10, 0.003, 50


def chars_data():
    with open(os.path.join(HERE, "..", "examples", "shakespeare.txt"),
              encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    ids = torch.tensor([chars.index(c) for c in text])
    starts = range(0, len(text) - 64, 8)
    x = torch.stack([ids[s:s + 64] for s in starts])
    y = torch.stack([ids[s + 1:s + 65] for s in starts])
    return Chars(len(chars)), x, y, len(chars), 0.005, 32


def main():
    torch.manual_seed(ARGS.seed)
    torch.set_num_threads(ARGS.threads)
    model, x, y, vocab, lr, batch = (reverse_data() if ARGS.workload == "W9"
                                     else chars_data())
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    n = x.size(0)
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    total = right = 0.0
    for start in range(0, n, batch):
        idx = perm[start:start + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad()
        out = model(xb)
        loss = loss_fn(out.reshape(-1, vocab), yb.reshape(-1))
        loss.backward()
        opt.step()
        total += loss.item() * idx.numel()
        right += (out.argmax(-1) == yb).float().mean().item() * idx.numel()
    secs = time.perf_counter() - t0
    print("RESULT workload=%s tool=pytorch threads=%d samples=%d "
          "seconds=%.3f loss=%.4f acc=%.4f" %
          (ARGS.workload, ARGS.threads, n, secs, total / n, right / n))


main()
