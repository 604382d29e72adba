#!/usr/bin/python3
"""attention_ref.py - writes tests/attention_ref.h: PyTorch's
nn.MultiheadAttention (self-attention, with and without a causal mask,
cross-attention, and self-attention over an embedding of padded token
ids with a key_padding_mask, with and without the causal mask)
on fixed weights and inputs, its outputs and the gradients of
sum(Y * G) with respect to the input and every parameter, for
test_seq.c to compare nnsh's attention with. Run once with Debian's
python3-torch; the header is committed so the tests need no torch:
    /usr/bin/python3 tests/attention_ref.py > tests/attention_ref.h
"""
import torch

N, T, D, H = 2, 5, 8, 2


def arr(name, t):
    v = t.detach().reshape(-1).tolist()
    body = ",\n".join("\t" + ", ".join("%.9g" % x for x in v[i:i + 6])
                      for i in range(0, len(v), 6))
    return "static const float %s[%d] = {\n%s,\n};\n" % (name, len(v), body)


def case(prefix, causal, g):
    torch.manual_seed(1)
    mha = torch.nn.MultiheadAttention(D, H, batch_first=True)
    with torch.no_grad():   # biases away from 0, so they are checked
        mha.in_proj_bias.uniform_(-0.5, 0.5)
        mha.out_proj.bias.uniform_(-0.5, 0.5)
    x = torch.empty(N, T, D).uniform_(-1, 1, generator=g)
    x.requires_grad_(True)
    mask = None
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    y, _ = mha(x, x, x, attn_mask=mask, need_weights=False)
    gy = torch.empty(N, T, D).uniform_(-1, 1, generator=g)
    (y * gy).sum().backward()
    out = []
    if prefix == "sa":
        out += [arr("ref_win", mha.in_proj_weight),
                arr("ref_bin", mha.in_proj_bias),
                arr("ref_wo", mha.out_proj.weight),
                arr("ref_bo", mha.out_proj.bias)]
    out += [arr(prefix + "_x", x), arr(prefix + "_gy", gy),
            arr(prefix + "_y", y), arr(prefix + "_dx", x.grad),
            arr(prefix + "_dwin", mha.in_proj_weight.grad),
            arr(prefix + "_dbin", mha.in_proj_bias.grad),
            arr(prefix + "_dwo", mha.out_proj.weight.grad),
            arr(prefix + "_dbo", mha.out_proj.bias.grad)]
    return out


def cross(g):
    """Cross-attention: queries from q, keys and values from kv."""
    torch.manual_seed(1)
    mha = torch.nn.MultiheadAttention(D, H, batch_first=True)
    with torch.no_grad():
        mha.in_proj_bias.uniform_(-0.5, 0.5)
        mha.out_proj.bias.uniform_(-0.5, 0.5)
    q = torch.empty(N, T, D).uniform_(-1, 1, generator=g)
    kv = torch.empty(N, T, D).uniform_(-1, 1, generator=g)
    q.requires_grad_(True)
    kv.requires_grad_(True)
    y, _ = mha(q, kv, kv, need_weights=False)
    gy = torch.empty(N, T, D).uniform_(-1, 1, generator=g)
    (y * gy).sum().backward()
    return [arr("xa_q", q), arr("xa_kv", kv), arr("xa_gy", gy),
            arr("xa_y", y), arr("xa_dq", q.grad), arr("xa_dkv", kv.grad),
            arr("xa_dwin", mha.in_proj_weight.grad),
            arr("xa_dbin", mha.in_proj_bias.grad),
            arr("xa_dwo", mha.out_proj.weight.grad),
            arr("xa_dbo", mha.out_proj.bias.grad)]


PAD_V, PAD = 7, 6
PAD_IDS = [[1, 3, 0, 6, 6], [2, 5, 4, 1, 6]]


def padded(prefix, causal, g):
    """Tokens PAD_IDS through an embedding (PAD_V x D), then attention
    whose keys holding PAD get no weight; the gradient goes to the
    embedding's table, as nnsh's embed layer has it."""
    torch.manual_seed(1)
    mha = torch.nn.MultiheadAttention(D, H, batch_first=True)
    with torch.no_grad():
        mha.in_proj_bias.uniform_(-0.5, 0.5)
        mha.out_proj.bias.uniform_(-0.5, 0.5)
    table = torch.empty(PAD_V, D).uniform_(-1, 1, generator=g)
    table.requires_grad_(True)
    ids = torch.tensor(PAD_IDS)
    x = table[ids]
    mask = None
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    y, _ = mha(x, x, x, attn_mask=mask, key_padding_mask=ids == PAD,
               need_weights=False)
    gy = torch.empty(N, T, D).uniform_(-1, 1, generator=g)
    (y * gy).sum().backward()
    return [arr(prefix + "_table", table), arr(prefix + "_gy", gy),
            arr(prefix + "_y", y), arr(prefix + "_dtable", table.grad),
            arr(prefix + "_dwin", mha.in_proj_weight.grad),
            arr(prefix + "_dbin", mha.in_proj_bias.grad),
            arr(prefix + "_dwo", mha.out_proj.weight.grad),
            arr(prefix + "_dbo", mha.out_proj.bias.grad)]


def main():
    g = torch.Generator().manual_seed(2)
    print("/* attention_ref.h - written by tests/attention_ref.py with "
          "PyTorch %s:\n * nn.MultiheadAttention(%d, %d) on %d samples "
          "of %d positions, self-\n * attention (sa_), causal "
          "(ca_) and cross (xa_), the same weights. Do not\n * edit. */" %
          (torch.__version__, D, H, N, T))
    print("#define REF_N %d\n#define REF_T %d\n#define REF_D %d\n"
          "#define REF_H %d" % (N, T, D, H))
    for a in case("sa", False, g) + case("ca", True, g) + cross(g):
        print(a)
    print("/* padding: ids (pa_ without, pc_ with the causal mask), vocabulary"
          "\n * and the padding id */")
    print("static const float pad_ids[%d] = { %s };" %
          (N * T, ", ".join(str(i) for r in PAD_IDS for i in r)))
    print("#define PAD_V %d\n#define PAD_ID %d" % (PAD_V, PAD))
    for a in padded("pa", False, g) + padded("pc", True, g):
        print(a)


main()
