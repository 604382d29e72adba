#!/usr/bin/python3
"""rnn_ref.py - writes tests/rnn_ref.h: PyTorch's nn.LSTM and nn.GRU on fixed
weights and inputs, its outputs (every step) and the gradients of
sum(Y * G) with respect to the input and every parameter, for test_seq.c
to compare nnsh's lstm and gru with. Run once with Debian's python3-torch; the
header is committed so the tests need no torch:
    /usr/bin/python3 tests/rnn_ref.py > tests/rnn_ref.h
"""
import torch

N, T, C, H = 2, 5, 3, 4


def arr(name, t):
    v = t.detach().reshape(-1).tolist()
    body = ",\n".join("\t" + ", ".join("%.9g" % x for x in v[i:i + 6])
                      for i in range(0, len(v), 6))
    return "static const float %s[%d] = {\n%s,\n};\n" % (name, len(v), body)


def lstm(g):
    torch.manual_seed(3)
    net = torch.nn.LSTM(C, H, batch_first=True)
    x = torch.empty(N, T, C).uniform_(-1, 1, generator=g)
    x.requires_grad_(True)
    y, _ = net(x)
    gy = torch.empty(N, T, H).uniform_(-1, 1, generator=g)
    (y * gy).sum().backward()
    return [arr("lstm_wih", net.weight_ih_l0), arr("lstm_whh",
            net.weight_hh_l0), arr("lstm_bih", net.bias_ih_l0),
            arr("lstm_bhh", net.bias_hh_l0), arr("lstm_x", x),
            arr("lstm_gy", gy), arr("lstm_y", y), arr("lstm_dx", x.grad),
            arr("lstm_dwih", net.weight_ih_l0.grad),
            arr("lstm_dwhh", net.weight_hh_l0.grad),
            arr("lstm_dbih", net.bias_ih_l0.grad),
            arr("lstm_dbhh", net.bias_hh_l0.grad)]


def gru(g):
    torch.manual_seed(5)
    net = torch.nn.GRU(C, H, batch_first=True)
    x = torch.empty(N, T, C).uniform_(-1, 1, generator=g)
    x.requires_grad_(True)
    y, _ = net(x)
    gy = torch.empty(N, T, H).uniform_(-1, 1, generator=g)
    (y * gy).sum().backward()
    return [arr("gru_wih", net.weight_ih_l0), arr("gru_whh",
            net.weight_hh_l0), arr("gru_bih", net.bias_ih_l0),
            arr("gru_bhh", net.bias_hh_l0), arr("gru_x", x),
            arr("gru_gy", gy), arr("gru_y", y), arr("gru_dx", x.grad),
            arr("gru_dwih", net.weight_ih_l0.grad),
            arr("gru_dwhh", net.weight_hh_l0.grad),
            arr("gru_dbih", net.bias_ih_l0.grad),
            arr("gru_dbhh", net.bias_hh_l0.grad)]


def main():
    g = torch.Generator().manual_seed(4)
    print("/* rnn_ref.h - written by tests/rnn_ref.py with PyTorch %s:\n"
          " * nn.LSTM(%d, %d) and nn.GRU on %d samples of %d steps. Do "
          "not edit. */" % (torch.__version__, C, H, N, T))
    print("#define RNN_N %d\n#define RNN_T %d\n#define RNN_C %d\n"
          "#define RNN_H %d" % (N, T, C, H))
    for a in lstm(g) + gru(g):
        print(a)


main()
