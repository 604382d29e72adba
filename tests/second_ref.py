#!/usr/bin/python3
"""second_ref.py - reference numbers for tests/test_second.c, in numpy.

One Levenberg-Marquardt step (mu = 0.01) on a 2-2-1 tanh network with
fixed weights and four samples, loss mse (half the squared error per
sample, averaged): the weights after the step and the loss there. The
Jacobian is analytic. (Gauss-Newton has no step here: J'J is 9 x 9 of
rank 4, and the test checks that gn says so.) Its output is
tests/second_ref.out; test_second.c carries the same numbers. Run it
with Debian's python3-numpy: /usr/bin/python3 tests/second_ref.py
"""
import numpy as np

X = np.array([[0.5, -1.0], [1.0, 0.25], [-0.75, 0.5], [0.0, 1.5]])
Y = np.array([0.3, -0.2, 0.8, 0.1])
# the parameter block's order: W1 (2 x 2, a row per unit), b1, W2 (1 x 2), b2
W0 = np.array([0.4, -0.3, 0.2, 0.6, 0.1, -0.1, 0.7, -0.5, 0.05])


def unpack(w):
    return w[0:4].reshape(2, 2), w[4:6], w[6:8], w[8]


def forward(w):
    W1, b1, W2, b2 = unpack(w)
    h = np.tanh(X @ W1.T + b1)
    return h @ W2 + b2, h


def loss(w):
    out, _ = forward(w)
    return 0.5 * np.sum((out - Y) ** 2) / len(Y)


def jacobian(w):
    W1, b1, W2, b2 = unpack(w)
    _, h = forward(w)
    J = np.zeros((len(Y), 9))
    for s in range(len(Y)):
        dh = W2 * (1 - h[s] ** 2)          # d out / d (pre-activation)
        J[s, 0:4] = np.outer(dh, X[s]).ravel()
        J[s, 4:6] = dh
        J[s, 6:8] = h[s]
        J[s, 8] = 1
    return J


def step(w, mu):
    out, _ = forward(w)
    r = out - Y
    J = jacobian(w)
    d = np.linalg.solve(J.T @ J + mu * np.eye(9), J.T @ r)
    return w - d


def show(name, w):
    print("%s weights %s" % (name, " ".join("%.7g" % v for v in w)))
    print("%s loss %.7g" % (name, loss(w)))


show("start", W0)
show("lm", step(W0, 0.01))
