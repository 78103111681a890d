#!/usr/bin/env python3
"""One DCGAN training step in PyTorch, the peer of gan's BM_dcgan28_step / BM_dcgan64_step.

The same models (models/include/gan/models/dcgan.h): --model dcgan28, features
32: G 100->128x7x7->64x14x14->1x28x28, D 1x28x28->64x14x14->128x7x7->1; --model
dcgan64, pytorch/examples' DCGAN (features 64, RGB): G 100->512x4x4->256x8x8->
128x16x16->64x32x32->3x64x64, D the mirror (biases as gan's: on G's last conv
and D's first and last, where the example has none). The same step as
gan's Trainer (models/src/trainer.cpp), which follows PyTorch's DCGAN example:
fake = G(z) once; D step on a real batch and fake.detach(); G step through
D(fake); non-saturating loss with logits; Adam lr 2e-4, betas (0.5, 0.999); no
EMA. Batch 64, CPU, same number of threads (or --device cuda: the GPU with
cuDNN, TF32 as gan's default; each step synchronised). Prints the median
ms/step over the timed steps after warm-up.

  python3 bench/pytorch_dcgan_step.py [--model dcgan28|dcgan64] [--threads 2] [--steps 20] [--batch 64] [--device cpu|cuda]

Needs Debian's python3-torch (not installed by scripts/install-deps.sh: it is a
benchmark peer, not a dependency). bench/compare_dcgan_step.sh runs both sides.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def dcgan(widths, k0, c, z_dim=100):
    """gan's DcganGenerator / DcganDiscriminator: widths from the first G stage down
    (dcgan_widths), k0 the base kernel (7 for 28x28, 4 for 64x64)."""
    g = [nn.ConvTranspose2d(z_dim, widths[0], k0, 1, 0, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
    for a, b in zip(widths, widths[1:]):
        g += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
    g += [nn.ConvTranspose2d(widths[-1], c, 4, 2, 1, bias=True), nn.Tanh()]
    up = widths[::-1]  # D: C -> widths reversed, batch norm after every conv but the first
    d = [nn.Conv2d(c, up[0], 4, 2, 1, bias=True), nn.LeakyReLU(0.2, True)]
    for a, b in zip(up, up[1:]):
        d += [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, True)]
    d += [nn.Conv2d(up[-1], 1, k0, 1, 0, bias=True)]
    g, d = nn.Sequential(*g), nn.Sequential(*d)
    for m in list(g.modules()) + list(d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return g, d


# name: (G's stage widths, base kernel, channels, image size)
MODELS = {"dcgan28": ([128, 64], 7, 1, 28), "dcgan64": ([512, 256, 128, 64], 4, 3, 64)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="dcgan28", choices=list(MODELS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    if a.device == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    widths, k0, c, size = MODELS[a.model]
    g, d = dcgan(widths, k0, c)
    g, d = g.to(dev), d.to(dev)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(a.batch, c, size, size, device=dev) * 2 - 1
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)

    def step():
        z = torch.randn(a.batch, 100, 1, 1, device=dev)
        fake = g(z)
        d_real, d_fake = d(real).view(-1), d(fake.detach()).view(-1)
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = F.softplus(-d(fake).view(-1)).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

    for _ in range(a.warmup):
        step()
    sync()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    where = f"device {torch.cuda.get_device_name()}" if a.device == "cuda" else f"threads {a.threads}"
    print(f"pytorch {torch.__version__} {a.model} {where} batch {a.batch}: "
          f"median {1000 * statistics.median(times):.2f} ms/step "
          f"(min {1000 * min(times):.2f}, {a.steps} steps after {a.warmup} warm-up)")


if __name__ == "__main__":
    main()
