#!/usr/bin/python3
"""Golden values for spectral normalization from PyTorch (issue #5).

For fixed weights and a fixed u, runs torch.nn.utils.spectral_norm in training
mode with n_power_iterations = 1 and 5 (its weight_u buffer set to our u) and
saves, per case and dtype, the inputs and the results:
  <case>.<dt>.w, <case>.<dt>.u                    inputs (weight_orig, weight_u before)
  <case>.<dt>.k<k>.weight                         W / sigma (module.weight after the forward)
  <case>.<dt>.k<k>.u, .v                          weight_u, weight_v after the forward
  <case>.<dt>.k<k>.sigma                          u^T W v with those vectors ([] tensor)
Cases: linear (Linear 10 -> 6, dim 0), conv (Conv2d 3 -> 4, 3x3, dim 0),
convt (ConvTranspose2d 3 -> 5, 2x2: weight [3, 5, 2, 2], dim 1).
The file is written by hand (struct + json), so the safetensors package is not needed.
Run: /usr/bin/python3 scripts/golden/gen_spectral_norm.py  (writes tests/golden/spectral_norm.safetensors)
"""
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden",
                   "spectral_norm.safetensors")


def make_module(case):
    if case == "linear":
        return torch.nn.Linear(10, 6)
    if case == "conv":
        return torch.nn.Conv2d(3, 4, 3)
    return torch.nn.ConvTranspose2d(3, 5, 2)


def main():
    tensors = {}
    gen = torch.Generator().manual_seed(20261123)
    for case in ("linear", "conv", "convt"):
        base = make_module(case)
        w0 = torch.randn(base.weight.shape, generator=gen, dtype=torch.float64)
        rows = w0.shape[1] if case == "convt" else w0.shape[0]
        u0 = torch.nn.functional.normalize(torch.randn(rows, generator=gen, dtype=torch.float64), dim=0)
        for dt_name, dt in (("f32", torch.float32), ("f64", torch.float64)):
            tensors[f"{case}.{dt_name}.w"] = w0.to(dt)
            tensors[f"{case}.{dt_name}.u"] = u0.to(dt)
            for k in (1, 5):
                m = make_module(case).to(dt)
                m = torch.nn.utils.spectral_norm(m, n_power_iterations=k)  # dim 1 for ConvTranspose2d
                with torch.no_grad():
                    m.weight_orig.copy_(w0.to(dt))
                    m.weight_u.copy_(u0.to(dt))
                m.train()
                x = torch.zeros((1, 10) if case == "linear" else (1, 3, 4, 4), dtype=dt)
                m(x)  # the pre-forward hook runs k power iterations and sets m.weight
                u, v = m.weight_u.detach().clone(), m.weight_v.detach().clone()
                wm = m.weight_orig.detach()
                if case == "convt":
                    wm = wm.permute(1, 0, 2, 3)
                wm = wm.reshape(wm.shape[0], -1)
                sigma = torch.dot(u, torch.mv(wm, v))
                tensors[f"{case}.{dt_name}.k{k}.weight"] = m.weight.detach().clone()
                tensors[f"{case}.{dt_name}.k{k}.u"] = u
                tensors[f"{case}.{dt_name}.k{k}.v"] = v
                tensors[f"{case}.{dt_name}.k{k}.sigma"] = sigma.reshape(())
    write_safetensors(OUT, tensors, {"generator": "scripts/golden/gen_spectral_norm.py",
                                     "torch": torch.__version__})
    print(f"wrote {len(tensors)} tensors to {os.path.normpath(OUT)}")


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        dtype = {torch.float32: ("F32", "<f"), torch.float64: ("F64", "<d")}[t.dtype]
        data = struct.pack(f"<{t.numel()}{dtype[1][1]}", *t.flatten().tolist())
        header[name] = {"dtype": dtype[0], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        f.write(b"".join(blobs))


if __name__ == "__main__":
    main()
