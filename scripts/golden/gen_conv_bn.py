#!/usr/bin/python3
"""Golden PyTorch numbers for conv2d / conv_transpose2d / batch_norm (issue #4).

Writes tests/golden/<case>_<f64|f32>.safetensors: the inputs, the weights, the
outputs and the gradients of a fixed random dy (dx, dw, db, dgamma, dbeta) as
PyTorch computes them, for tests/engine/test_golden_conv_bn.cpp to compare our
engine ops against. Each case is drawn once in float64 from a fixed seed; the
f32 file holds the same values rounded to float32 and PyTorch's float32
results on them (CPU). `__metadata__` records the torch version, the seed and
the case's parameters (all strings, as safetensors requires).

Run from anywhere:  /usr/bin/python3 scripts/golden/gen_conv_bn.py
The safetensors format is written by hand (struct + json; the `safetensors`
package is not needed): u64 LE header length, a JSON header padded with spaces
to a multiple of 8, then the raw little-endian tensors back to back.
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden")
SEED = 20261123

# name, op, input shapes, parameters. Shapes are small (files < 1 MB in all)
# but not multiples of anything, and every case has N >= 2.
CASES = [
    # DCGAN's discriminator layer: 4x4, stride 2, pad 1, no bias.
    dict(name="conv2d_k4s2p1", op="conv2d", x=[2, 3, 8, 8], w=[5, 3, 4, 4], bias=False,
         stride=[2, 2], padding=[1, 1], dilation=[1, 1], groups=1),
    dict(name="conv2d_k3p1_bias", op="conv2d", x=[2, 3, 7, 6], w=[4, 3, 3, 3], bias=True,
         stride=[1, 1], padding=[1, 1], dilation=[1, 1], groups=1),
    dict(name="conv2d_1x1", op="conv2d", x=[3, 4, 5, 5], w=[6, 4, 1, 1], bias=True,
         stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1),
    # Groups and dilation together, with a non-square stride.
    dict(name="conv2d_g2_d2", op="conv2d", x=[2, 4, 9, 8], w=[6, 2, 3, 3], bias=True,
         stride=[1, 2], padding=[2, 1], dilation=[2, 2], groups=2),
    # DCGAN's generator layer with output_padding 1: 5x5 -> 11x11 (2H + 1).
    dict(name="convT_k4s2p1_op1", op="conv_transpose2d", x=[2, 4, 5, 5], w=[4, 3, 4, 4], bias=True,
         stride=[2, 2], padding=[1, 1], output_padding=[1, 1], dilation=[1, 1], groups=1),
    # DCGAN's first G layer: z as 1x1 -> 4x4.
    dict(name="convT_1x1_to_4x4", op="conv_transpose2d", x=[3, 8, 1, 1], w=[8, 6, 4, 4], bias=False,
         stride=[1, 1], padding=[0, 0], output_padding=[0, 0], dilation=[1, 1], groups=1),
    dict(name="batch_norm_train", op="batch_norm", x=[4, 3, 5, 5], training=True, momentum=0.1, eps=1e-5),
    dict(name="batch_norm_eval", op="batch_norm", x=[4, 3, 5, 5], training=False, momentum=0.1, eps=1e-5),
]

DTYPES = {torch.float64: ("F64", "f64"), torch.float32: ("F32", "f32")}


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def draw(case):
    """The case's inputs in float64, from the fixed seed (one stream per case)."""
    g = torch.Generator().manual_seed(SEED + sum(map(ord, case["name"])))
    r = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    x = r(*case["x"])
    v = {"x": x}
    if case["op"] in ("conv2d", "conv_transpose2d"):
        v["w"] = r(*case["w"]) * 0.3
        if case["bias"]:
            v["b"] = r(case["w"][0] if case["op"] == "conv2d" else case["w"][1] * case["groups"])
    else:
        c = case["x"][1]
        v["gamma"] = 1 + 0.2 * r(c)
        v["beta"] = 0.2 * r(c)
        v["running_mean"] = 0.5 * r(c)
        v["running_var"] = 0.5 + torch.rand(c, generator=g, dtype=torch.float64)
        v["x"] = 1.5 * x + 0.7  # statistics away from (0, 1)
    return v, g


def run(case, inputs, g, dtype):
    t = {k: v.to(dtype) for k, v in inputs.items()}
    leaves = {k: t[k].clone().requires_grad_(True) for k in ("x", "w", "b", "gamma", "beta") if k in t}
    out = dict(t)
    if case["op"] == "conv2d":
        y = F.conv2d(leaves["x"], leaves["w"], leaves.get("b"), stride=case["stride"], padding=case["padding"],
                     dilation=case["dilation"], groups=case["groups"])
    elif case["op"] == "conv_transpose2d":
        y = F.conv_transpose2d(leaves["x"], leaves["w"], leaves.get("b"), stride=case["stride"],
                               padding=case["padding"], output_padding=case["output_padding"],
                               groups=case["groups"], dilation=case["dilation"])
    else:
        rm, rv = t["running_mean"].clone(), t["running_var"].clone()
        if case["training"]:
            # Saved statistics of the training forward: batch mean and 1/sqrt(biased var + eps).
            _, save_mean, save_invstd = torch.native_batch_norm(
                t["x"], t["gamma"], t["beta"], t["running_mean"].clone(), t["running_var"].clone(),
                True, case["momentum"], case["eps"])
            out["save_mean"], out["save_invstd"] = save_mean, save_invstd
        y = F.batch_norm(leaves["x"], rm, rv, leaves["gamma"], leaves["beta"], training=case["training"],
                         momentum=case["momentum"], eps=case["eps"])
        out["running_mean_out"], out["running_var_out"] = rm, rv
    dy = torch.randn(*y.shape, generator=g, dtype=torch.float64).to(dtype)
    y.backward(dy)
    out["y"], out["dy"] = y.detach(), dy
    for k, leaf in leaves.items():
        out["d" + k] = leaf.grad
    return out


def metadata(case, dtype):
    m = {"torch_version": torch.__version__, "seed": str(SEED), "dtype": DTYPES[dtype][1],
         "generator": "scripts/golden/gen_conv_bn.py"}
    for k, v in case.items():
        m[k] = ",".join(map(str, v)) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)
    return m


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for case in CASES:
        inputs, g = draw(case)
        state = g.get_state()
        for dtype in (torch.float64, torch.float32):
            g.set_state(state)  # the same dy in both precisions
            tensors = run(case, inputs, g, dtype)
            path = os.path.join(OUT_DIR, f"{case['name']}_{DTYPES[dtype][1]}.safetensors")
            write_safetensors(path, tensors, metadata(case, dtype))
            total += os.path.getsize(path)
            print(f"{os.path.relpath(path)}: {', '.join(f'{k}{list(v.shape)}' for k, v in tensors.items())}")
    print(f"{len(CASES) * 2} files, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
