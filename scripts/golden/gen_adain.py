#!/usr/bin/env python3
"""Golden values for the StyleGAN / ProGAN ops, computed with PyTorch.

Writes tests/golden/style_ops.safetensors (read by tests/engine/test_style_golden.cpp):
AdaIN (F.instance_norm + per-sample affine), noise + leaky-ReLU + AdaIN,
pixel norm, minibatch stddev (StyleGAN2's MinibatchStdLayer, num_channels=1)
and StyleGAN2's modulated conv (fused_modconv path: grouped conv2d), each with
the gradients of sum(y * v) for a fixed random v.

Inputs are drawn with fixed seeds, rounded to float32 and stored as F32; the
references are computed in float64 from those float32 values and stored as
F32 (so the file is small and an f32 engine run should agree to ~1e-6).

Run with Debian's torch:  /usr/bin/python3 scripts/golden/gen_adain.py
The safetensors file is written by hand (struct + json): u64 LE header length,
JSON header padded with spaces to a multiple of 8, raw little-endian data.
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "style_ops.safetensors")


def leaf(gen, *shape, scale=1.0, shift=0.0):
    t = (torch.randn(*shape, generator=gen, dtype=torch.float32) * scale + shift).to(torch.float64)
    return t.requires_grad_()


def grads(y, inputs, gen):
    v = torch.randn(*y.shape, generator=gen, dtype=torch.float32).to(torch.float64)
    gs = torch.autograd.grad((y * v).sum(), inputs)
    return v, gs


def minibatch_stddev(x, group_size=4, num_channels=1):
    # stylegan2-ada-pytorch training/networks.py MinibatchStdLayer.forward
    N, C, H, W = x.shape
    G = min(group_size, N)
    Fc = num_channels
    c = C // Fc
    y = x.reshape(G, -1, Fc, c, H, W)
    y = y - y.mean(dim=0)
    y = y.square().mean(dim=0)
    y = (y + 1e-8).sqrt()
    y = y.mean(dim=[2, 3, 4])
    y = y.reshape(-1, Fc, 1, 1)
    y = y.repeat(G, 1, H, W)
    return torch.cat([x, y], dim=1)


def modulated_conv2d(x, weight, styles, demodulate=True, padding=1):
    # stylegan2-ada-pytorch training/networks.py modulated_conv2d, fused_modconv=True
    N = x.shape[0]
    out_c, in_c, kh, kw = weight.shape
    w = weight.unsqueeze(0) * styles.reshape(N, 1, -1, 1, 1)
    if demodulate:
        dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
        w = w * dcoefs.reshape(N, -1, 1, 1, 1)
    x = x.reshape(1, -1, *x.shape[2:])
    w = w.reshape(-1, in_c, kh, kw)
    x = F.conv2d(x, w, padding=padding, groups=N)
    return x.reshape(N, -1, *x.shape[2:])


def main():
    tensors = {}

    def put(name, t):
        tensors[name] = t.detach().to(torch.float32).contiguous()

    gen = torch.Generator().manual_seed(20261123)

    # AdaIN: x [2, 3, 5, 5], gamma/beta [2, 3] per sample.
    x, gamma, beta = leaf(gen, 2, 3, 5, 5, scale=1.5, shift=0.5), leaf(gen, 2, 3, shift=1.0), leaf(gen, 2, 3)
    y = F.instance_norm(x, eps=1e-5) * gamma[:, :, None, None] + beta[:, :, None, None]
    v, (dx, dg, db) = grads(y, (x, gamma, beta), gen)
    for k, t in dict(x=x, gamma=gamma, beta=beta, y=y, v=v, dx=dx, dgamma=dg, dbeta=db).items():
        put("adain." + k, t)

    # Noise + leaky-ReLU(0.2) + AdaIN (StyleGAN's layer order), x [2, 13, 5, 3].
    x, noise, scale = leaf(gen, 2, 13, 5, 3), leaf(gen, 2, 1, 5, 3), leaf(gen, 13, scale=0.5)
    gamma, beta = leaf(gen, 2, 13, shift=1.0), leaf(gen, 2, 13)
    t = F.leaky_relu(x + scale.reshape(1, -1, 1, 1) * noise, 0.2)
    y = F.instance_norm(t, eps=1e-5) * gamma[:, :, None, None] + beta[:, :, None, None]
    v, (dx, dn, ds, dg, db) = grads(y, (x, noise, scale, gamma, beta), gen)
    for k, t in dict(x=x, noise=noise, scale=scale, gamma=gamma, beta=beta, y=y, v=v, dx=dx, dnoise=dn, dscale=ds,
                     dgamma=dg, dbeta=db).items():
        put("noise_adain." + k, t)

    # Pixel norm: x [2, 6, 3, 3].
    x = leaf(gen, 2, 6, 3, 3)
    y = x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + 1e-8)
    v, (dx,) = grads(y, (x,), gen)
    for k, t in dict(x=x, y=y, v=v, dx=dx).items():
        put("pixel_norm." + k, t)

    # Minibatch stddev: x [8, 3, 4, 4], group size 4.
    x = leaf(gen, 8, 3, 4, 4)
    y = minibatch_stddev(x, 4)
    v, (dx,) = grads(y, (x,), gen)
    for k, t in dict(x=x, y=y, v=v, dx=dx).items():
        put("minibatch_stddev." + k, t)

    # Modulated conv: x [2, 3, 6, 6], weight [4, 3, 3, 3], styles [2, 3], demodulated, padding 1.
    x, w, s = leaf(gen, 2, 3, 6, 6), leaf(gen, 4, 3, 3, 3), leaf(gen, 2, 3, scale=0.5, shift=1.0)
    y = modulated_conv2d(x, w, s, True, 1)
    v, (dx, dw, ds) = grads(y, (x, w, s), gen)
    for k, t in dict(x=x, w=w, style=s, y=y, v=v, dx=dx, dw=dw, dstyle=ds).items():
        put("modulated_conv2d." + k, t)

    header, blobs, offset = {"__metadata__": {"generator": "scripts/golden/gen_adain.py",
                                              "torch": torch.__version__}}, [], 0
    for name in sorted(tensors):
        data = tensors[name].numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("utf-8"))
        for b in blobs:
            f.write(b)
    print(f"wrote {os.path.normpath(OUT)}: {len(tensors)} tensors, {8 + len(text) + offset} bytes")


if __name__ == "__main__":
    main()
