#!/usr/bin/python3
"""transformer_params.py - counts the parameters of the homework's
Transformer in PyTorch, built as the from-scratch tutorial it follows
builds it (MultiHeadAttention with W_q, W_k, W_v, W_o, each a Linear
with bias; a position-wise feed-forward of two Linears; LayerNorms;
embeddings; a final Linear), at its sizes: vocabularies of 5000,
d_model 512, 8 heads, 6 + 6 layers, d_ff 2048, max length 100, dropout
0.1. Run once with Debian's python3-torch; its output is committed as
tests/transformer_params.txt, which tests/seq_examples.sh compares with
examples/transformer.nn's summary:
    /usr/bin/python3 tests/transformer_params.py > tests/transformer_params.txt
"""
import torch.nn as nn

V_SRC, V_TGT, D, H, LAYERS, D_FF, MAX_LEN, DROP = \
    5000, 5000, 512, 8, 6, 2048, 100, 0.1


class MultiHeadAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.W_q, self.W_k = nn.Linear(D, D), nn.Linear(D, D)
        self.W_v, self.W_o = nn.Linear(D, D), nn.Linear(D, D)


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(D, D_FF), nn.Linear(D_FF, D)
        self.relu = nn.ReLU()


class EncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn, self.feed_forward = MultiHeadAttention(), FeedForward()
        self.norm1, self.norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.dropout = nn.Dropout(DROP)


class DecoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = MultiHeadAttention()
        self.cross_attn = MultiHeadAttention()
        self.feed_forward = FeedForward()
        self.norm1, self.norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.norm3 = nn.LayerNorm(D)
        self.dropout = nn.Dropout(DROP)


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder_embedding = nn.Embedding(V_SRC, D)
        self.decoder_embedding = nn.Embedding(V_TGT, D)
        # the positional encoding is a buffer of MAX_LEN x D: no parameters
        self.encoder_layers = nn.ModuleList(EncoderLayer()
                                            for _ in range(LAYERS))
        self.decoder_layers = nn.ModuleList(DecoderLayer()
                                            for _ in range(LAYERS))
        self.fc = nn.Linear(D, V_TGT)
        self.dropout = nn.Dropout(DROP)


print(sum(p.numel() for p in Transformer().parameters()))
