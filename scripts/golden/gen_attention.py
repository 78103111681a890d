#!/usr/bin/python3
"""Golden values for gan::nn::SelfAttention2d (issue #5), from PyTorch.

Writes tests/golden/self_attention.safetensors: for a SAGAN block (C = 16,
biases, Cv = C) and a BigGAN block (C = 16, no biases, Cv = C/2, output 1x1
conv W_o), fixed seeded weights and input x [2, 16, 4, 5] (N = 20 positions),
gamma = 0.5 (not the initial 0, so the attention path shows), and the block's
output y computed by a straight transcription of the reference implementation
(SAGAN-pytorch's Self_Attn: energy = bmm(query^T, key), softmax(dim=-1),
out = bmm(value, attention^T); BigGAN adds W_o). The reference runs in
float64 on the float32-rounded inputs; y is stored both as F32 (rounded once)
and as F64. Tensor names: "<variant>.x", "<variant>.f.weight", ..., "<variant>.y",
"<variant>.y64" with variant in {sagan, biggan}; f = key conv, g = query conv,
h = value conv, o = output conv (BigGAN), as gan/nn/self_attention.h names them.

Run: /usr/bin/python3 scripts/golden/gen_attention.py   (torch >= 1.13; the
safetensors format is written by hand with struct + json, no package needed).
"""
import json
import os
import struct

import torch


def self_attention(x, p, biggan):
    """x [B, C, H, W] float64; p: dict of float64 parameters."""
    b, c, hh, ww = x.shape
    n = hh * ww
    conv = lambda t, w, bias: torch.nn.functional.conv2d(t, w, bias)
    query = conv(x, p["g.weight"], p.get("g.bias")).view(b, -1, n).permute(0, 2, 1)  # [B, N, C/8]
    key = conv(x, p["f.weight"], p.get("f.bias")).view(b, -1, n)  # [B, C/8, N]
    energy = torch.bmm(query, key)  # [B, N (j), N (i)]: s[i, j] = f_i . g_j
    attention = torch.softmax(energy, dim=-1)  # beta[j, i], softmax over i
    value = conv(x, p["h.weight"], p.get("h.bias")).view(b, -1, n)  # [B, Cv, N]
    out = torch.bmm(value, attention.permute(0, 2, 1)).view(b, -1, hh, ww)  # o_j = sum_i beta[j, i] h_i
    if biggan:
        out = conv(out, p["o.weight"], None)
    return p["gamma"] * out + x


def make(variant, gen):
    c, biggan = 16, variant == "biggan"
    ck, cv = c // 8, (c // 2 if biggan else c)
    shapes = {"f.weight": (ck, c, 1, 1), "g.weight": (ck, c, 1, 1), "h.weight": (cv, c, 1, 1)}
    if biggan:
        shapes["o.weight"] = (c, cv, 1, 1)
    else:
        shapes.update({"f.bias": (ck,), "g.bias": (ck,), "h.bias": (cv,)})
    # Weights ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) * 3: spread scores so the
    # softmax is neither uniform nor one-hot.
    p = {}
    for name, shape in shapes.items():
        fan_in = shape[1] if len(shape) == 4 else c
        p[name] = ((torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * 3 / fan_in**0.5).float()
    p["gamma"] = torch.tensor([0.5], dtype=torch.float32)
    x = torch.randn((2, c, 4, 5), generator=gen, dtype=torch.float64).float()
    y64 = self_attention(x.double(), {k: v.double() for k, v in p.items()}, biggan)
    out = {f"{variant}.x": x}
    out.update({f"{variant}.{k}": v for k, v in p.items()})
    out[f"{variant}.y"] = y64.float()
    out[f"{variant}.y64"] = y64
    return out


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        dtype = {torch.float32: "F32", torch.float64: "F64"}[t.dtype]
        data = t.numpy().astype("<f4" if dtype == "F32" else "<f8").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


def main():
    gen = torch.Generator().manual_seed(20190521)  # SAGAN's arXiv v2 date
    tensors = {}
    for variant in ("sagan", "biggan"):
        tensors.update(make(variant, gen))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "golden", "self_attention.safetensors")
    write_safetensors(path, tensors, {"generator": "scripts/golden/gen_attention.py", "torch": torch.__version__})
    print(f"wrote {path}: {len(tensors)} tensors")
    for variant in ("sagan", "biggan"):
        y = tensors[f"{variant}.y64"]
        print(f"  {variant}: y {list(y.shape)} mean {y.mean().item():.6f} std {y.std().item():.6f}")


if __name__ == "__main__":
    main()
