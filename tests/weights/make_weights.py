#!/usr/bin/python3
"""make_weights.py - PyTorch models whose weights tests/test_weights.c loads
with nn_load_weights (`load FILE into MODEL`), and their outputs on fixed
inputs. Run once (/usr/bin/python3 tests/weights/make_weights.py, with Debian's
python3-torch); its files are committed, so the tests need no torch.

  mlp.safetensors    nn.Sequential(Linear(4, 8), Tanh(), Linear(8, 3))
  cnn.safetensors    nn.Sequential(Conv2d(1, 4, 3, padding=1),
                     BatchNorm2d(4), ReLU(), MaxPool2d(2), Flatten(),
                     Linear(36, 5)) on 1x6x6 inputs, its batchnorm's
                     running statistics moved by a few training batches
  cnn_named.safetensors  the same weights under a module's own names
                     (conv1, bn1, fc), which map=auto cannot order:
                     cnn_named.map says where each goes
  NAME.txt           "inputs outputs count", then count lines of inputs
                     and count lines of the model's outputs (eval mode)

The safetensors files are written by hand (the safetensors package is not
installed here): 8 bytes of little-endian header length, the JSON header
(tensors in state_dict order, padded with blanks to a multiple of 8), then
the raw little-endian data."""
import json
import os
import struct

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def save(state, name):
    header, blobs, at = {}, [], 0
    for key, t in state.items():
        t = t.detach().contiguous()
        data = t.numpy().tobytes()
        header[key] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                       "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(HERE, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def expect(model, x, name):
    model.eval()
    with torch.no_grad():
        y = model(x)
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    with open(os.path.join(HERE, name + ".txt"), "w") as f:
        f.write("%d %d %d\n" % (x.shape[1], y.shape[1], len(x)))
        for row in list(x) + list(y):
            f.write(" ".join("%.9g" % v for v in row.tolist()) + "\n")


def main():
    torch.manual_seed(17)
    mlp = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    save(mlp.state_dict(), "mlp")
    expect(mlp, torch.randn(5, 4), "mlp")

    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(36, 5))
    cnn.train()
    with torch.no_grad():
        for _ in range(3):
            cnn(torch.randn(16, 1, 6, 6) * 2 + 0.5)
    save(cnn.state_dict(), "cnn")
    expect(cnn, torch.randn(4, 1, 6, 6), "cnn")

    names = {"0": "conv1", "1": "bn1", "5": "fc"}
    named = {}
    for key, t in cnn.state_dict().items():
        module, _, param = key.partition(".")
        named[names[module] + "." + param] = t
    save(named, "cnn_named")


if __name__ == "__main__":
    main()
