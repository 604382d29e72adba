#!/usr/bin/python3
"""lbfgs_ref.py - reference numbers for tests/test_second.c's
lbfgs_matches_pytorch: torch.optim.LBFGS(history_size=10,
line_search_fn="strong_wolfe") on a 1-10-1 tanh network (torch's own
initial weights, seed 1) fitting 200 points of sin(x) on [-pi, pi], loss
mse (half the squared error, averaged), one `step` per iteration. Prints
the initial weights in nnsh's parameter order (W1, b1, W2, b2), then for
each iteration the evaluations its line search made and the loss at its
end. test_second.c carries the same numbers. Run it with Debian's
python3-torch: /usr/bin/python3 tests/lbfgs_ref.py
"""
import numpy as np
import torch

ITERS = 30

torch.manual_seed(1)
net = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.Tanh(),
                          torch.nn.Linear(10, 1))
x = np.linspace(-np.pi, np.pi, 200, dtype=np.float32).reshape(-1, 1)
x, y = torch.from_numpy(x), torch.from_numpy(np.sin(x))
w0 = torch.cat([p.detach().flatten() for p in net.parameters()])
print("w0:", ", ".join("%.9g" % v for v in w0.tolist()))
opt = torch.optim.LBFGS(net.parameters(), lr=1, history_size=10,
                        max_iter=1, line_search_fn="strong_wolfe")
evals = [0]


def loss_of():
    return 0.5 * ((net(x) - y) ** 2).sum(1).mean()


def closure():
    evals[0] += 1
    opt.zero_grad()
    loss = loss_of()
    loss.backward()
    return loss


searches, losses = [], []
for _ in range(ITERS):
    before = evals[0]
    opt.step(closure)
    searches.append(evals[0] - before - 1)     # the first is the step's f(x)
    with torch.no_grad():
        losses.append(loss_of().item())
print("search evals:", ", ".join(str(e) for e in searches))
print("losses:", ", ".join("%.9g" % v for v in losses))
