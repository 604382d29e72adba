#!/usr/bin/python3
"""family_paper.py - Hinton's family trees in plain numpy (float64), to
check nnsh's run of the 1986 recipe against an implementation written
from the papers alone.

The network: the person one-hot in 24 -> 6 sigmoid units, the relation
one-hot in 12 -> 6, both into a central layer of 12, then 6, then 24
outputs. The error is summed over the facts and outputs, 1/2 (y - t)^2,
with no error when an output is within 0.2 of its target (Nature's Fig.
4 caption). One step per sweep: dw(t) = -eps dE/dw + alpha dw(t-1), eps
0.005 and alpha 0.5 for 20 sweeps, then 0.01 and 0.9; after each step
every weight is multiplied by 1 - decay. A fact is right when every
person of its answer is above 0.5 and every other below.

The options are the readings the papers leave open:
  --bias-decay   the decay shrinks the biases too (the papers treat a
                 bias as a weight from a unit that is always on)
  --zone target  beyond the dead zone the error counts from the target
                 (0 or 1); the default, edge, counts it from the zone's
                 edge (0.2 or 0.8), as nnsh's deadzone= does
  --init A       weights and biases uniform in +-A (default 0.3)
  --keep         keep dw(t-1) across the change of eps and alpha
  --start FILE   start from an nnsh model file (safetensors) instead
The held-out facts are --hold (default: the four nnsh's
`make family hold=4 seed=1` keeps apart). Run it with Debian's
python3-numpy: /usr/bin/python3 tests/family_paper.py [options]; what it
found is in examples/family.nn and the manual's family trees section.
"""
import argparse
import json
import struct

import numpy as np

PEOPLE = ["Christopher", "Penelope", "Andrew", "Christine", "Margaret",
          "Arthur", "Victoria", "James", "Jennifer", "Charles", "Colin",
          "Charlotte", "Roberto", "Maria", "Pierro", "Francesca", "Gina",
          "Emilio", "Lucia", "Marco", "Angela", "Tomaso", "Alfonso",
          "Sophia"]
RELATIONS = ["father", "mother", "husband", "wife", "son", "daughter",
             "uncle", "aunt", "brother", "sister", "nephew", "niece"]
# one family: (male, spouse, father, mother), -1 for none
TREE = [(1, 1, -1, -1), (0, 0, -1, -1), (1, 3, -1, -1), (0, 2, -1, -1),
        (0, 5, -1, -1), (1, 4, 0, 1), (0, 7, 0, 1), (1, 6, 2, 3),
        (0, 9, 2, 3), (1, 8, -1, -1), (1, -1, 7, 6), (0, -1, 7, 6)]
NNSH_HOLD = ["Charles wife", "Roberto son", "Pierro wife",
             "Lucia father"]


def answers(p, r):
    """The persons q (0..11) who are person p's relation r."""
    def parents(a):
        return [x for x in TREE[a][2:] if x >= 0]

    def sib(a, b):
        return a != b and TREE[a][2] >= 0 and TREE[a][2:] == TREE[b][2:]

    def uncle_of(a, b):          # b is a parent's sibling of a, or wed to one
        s = TREE[b][1]
        return any(sib(x, b) or (s >= 0 and sib(x, s)) for x in parents(a))

    tests = [lambda q: TREE[p][2] == q, lambda q: TREE[p][3] == q,
             lambda q: TREE[p][1] == q, lambda q: TREE[p][1] == q,
             lambda q: p in parents(q), lambda q: p in parents(q),
             lambda q: uncle_of(p, q), lambda q: uncle_of(p, q),
             lambda q: sib(p, q), lambda q: sib(p, q),
             lambda q: uncle_of(q, p), lambda q: uncle_of(q, p)]
    male = r % 2 == 0
    return [q for q in range(12) if tests[r](q) and TREE[q][0] == male]


def facts():
    X, T, names = [], [], []
    for p in range(24):
        for r in range(12):
            qs = answers(p % 12, r)
            if not qs:
                continue
            x, t = np.zeros(36), np.zeros(24)
            x[p] = 1
            x[24 + r] = 1
            t[[q + 12 * (p // 12) for q in qs]] = 1
            X.append(x)
            T.append(t)
            names.append(PEOPLE[p] + " " + RELATIONS[r])
    return np.array(X), np.array(T), names


SHAPES = [("people", 6, 24), ("relations", 6, 12), ("central", 12, 12),
          ("hidden", 6, 12), ("out", 24, 6)]


def init_uniform(rng, a):
    return {n: [rng.uniform(-a, a, (o, i)), rng.uniform(-a, a, o)]
            for n, o, i in SHAPES}


def load_nnsh(path):
    """The dense layers of an nnsh model file, in the model's order."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        body = f.read()
    head.pop("__metadata__", None)
    dense = sorted({k.split(".")[0] for k in head},
                   key=lambda k: head[k + ".W"]["data_offsets"][0])
    P = {}
    for (name, o, i), k in zip(SHAPES, dense):
        got = []
        for part, shape in (("W", (o, i)), ("b", (o,))):
            a, b = head[k + "." + part]["data_offsets"]
            got.append(np.frombuffer(body[a:b], "<f4").astype(float)
                       .reshape(shape))
        P[name] = got
    return P


def sig(z):
    return 1 / (1 + np.exp(-z))


def forward(P, X):
    pe = sig(X[:, :24] @ P["people"][0].T + P["people"][1])
    re = sig(X[:, 24:] @ P["relations"][0].T + P["relations"][1])
    ce_in = np.hstack([pe, re])
    ce = sig(ce_in @ P["central"][0].T + P["central"][1])
    hi = sig(ce @ P["hidden"][0].T + P["hidden"][1])
    y = sig(hi @ P["out"][0].T + P["out"][1])
    return [X[:, :24], X[:, 24:], pe, re, ce_in, ce, hi, y]


def grads(P, X, T, zone, dz):
    xp, xr, pe, re, ce_in, ce, hi, y = forward(P, X)
    if zone == "edge":
        e = y - np.clip(y, T - dz, T + dz)
    else:
        e = np.where(np.abs(y - T) > dz, y - T, 0.0)
    E = 0.5 * np.sum(e * e)
    G = {}
    d = e * y * (1 - y)
    G["out"] = [d.T @ hi, d.sum(0)]
    d = (d @ P["out"][0]) * hi * (1 - hi)
    G["hidden"] = [d.T @ ce, d.sum(0)]
    d = (d @ P["hidden"][0]) * ce * (1 - ce)
    G["central"] = [d.T @ ce_in, d.sum(0)]
    d = d @ P["central"][0]
    dp, dr = d[:, :6] * pe * (1 - pe), d[:, 6:] * re * (1 - re)
    G["people"] = [dp.T @ xp, dp.sum(0)]
    G["relations"] = [dr.T @ xr, dr.sum(0)]
    return E, G, y


def right(y, T):
    return int(np.sum(np.all(np.where(T > 0.5, y > 0.5, y < 0.5), 1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweeps", type=int, default=1500)
    ap.add_argument("--eps", type=float, default=0.01)
    ap.add_argument("--decay", type=float, default=0.002)
    ap.add_argument("--bias-decay", action="store_true")
    ap.add_argument("--zone", choices=["edge", "target"], default="edge")
    ap.add_argument("--deadzone", type=float, default=0.2)
    ap.add_argument("--init", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--start")
    ap.add_argument("--hold", default=",".join(NNSH_HOLD))
    ap.add_argument("--every", type=int, default=250)
    a = ap.parse_args()

    X, T, names = facts()
    held = a.hold.split(",")
    test = np.array([n in held for n in names])
    Xtr, Ttr, Xte, Tte = X[~test], T[~test], X[test], T[test]
    P = (load_nnsh(a.start) if a.start
         else init_uniform(np.random.default_rng(a.seed), a.init))
    V = {n: [np.zeros_like(w) for w in P[n]] for n in P}
    print(f"{len(names)} facts, {len(Xtr)} trained on, held out:",
          ", ".join(held))
    for s in range(1, a.sweeps + 1):
        eps, alpha = (0.005, 0.5) if s <= 20 else (a.eps, 0.9)
        if s == 21 and not a.keep:
            V = {n: [np.zeros_like(w) for w in P[n]] for n in P}
        E, G, y = grads(P, Xtr, Ttr, a.zone, a.deadzone)
        for n in P:
            for k in range(2):
                V[n][k] = -eps * G[n][k] + alpha * V[n][k]
                P[n][k] += V[n][k]
                if k == 0 or a.bias_decay:
                    P[n][k] *= 1 - a.decay
        if s % a.every == 0 or s == a.sweeps:
            y, yt = forward(P, Xtr)[-1], forward(P, Xte)[-1]
            size = " ".join(f"{np.abs(P[n][0]).max():.2f}" for n in P)
            print(f"sweep {s:5d}  E {E:8.3f}  right {right(y, Ttr):3d} of "
                  f"{len(Xtr)}, {right(yt, Tte)} of {len(Xte)}  "
                  f"largest |W| {size}")


if __name__ == "__main__":
    main()
