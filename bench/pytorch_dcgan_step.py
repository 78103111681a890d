#!/usr/bin/env python3
"""One DCGAN-28 training step in PyTorch, the peer of gan's BM_dcgan28_step.

The same model (models/include/gan/models/dcgan.h, features 32: G 100->128x7x7
->64x14x14->1x28x28, D 1x28x28->64x14x14->128x7x7->1) and the same step as
gan's Trainer (models/src/trainer.cpp), which follows PyTorch's DCGAN example:
fake = G(z) once; D step on a real batch and fake.detach(); G step through
D(fake); non-saturating loss with logits; Adam lr 2e-4, betas (0.5, 0.999); no
EMA. Batch 64, CPU, same number of threads (or --device cuda: the GPU with
cuDNN, TF32 as gan's default; each step synchronised). Prints the median
ms/step over the timed steps after warm-up.

  python3 bench/pytorch_dcgan_step.py [--threads 2] [--steps 20] [--batch 64] [--device cpu|cuda]

Needs Debian's python3-torch (not installed by scripts/install-deps.sh: it is a
benchmark peer, not a dependency). bench/compare_dcgan_step.sh runs both sides.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def dcgan28(z_dim=100, f=32, c=1):
    g = nn.Sequential(
        nn.ConvTranspose2d(z_dim, 4 * f, 7, 1, 0, bias=False), nn.BatchNorm2d(4 * f), nn.ReLU(True),
        nn.ConvTranspose2d(4 * f, 2 * f, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * f), nn.ReLU(True),
        nn.ConvTranspose2d(2 * f, c, 4, 2, 1, bias=True), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(c, 2 * f, 4, 2, 1, bias=True), nn.LeakyReLU(0.2, True),
        nn.Conv2d(2 * f, 4 * f, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * f), nn.LeakyReLU(0.2, True),
        nn.Conv2d(4 * f, 1, 7, 1, 0, bias=True))
    for m in list(g.modules()) + list(d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return g, d


def main():
    ap = argparse.ArgumentParser()
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
    g, d = dcgan28()
    g, d = g.to(dev), d.to(dev)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(a.batch, 1, 28, 28, device=dev) * 2 - 1
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
    print(f"pytorch {torch.__version__} {where} batch {a.batch}: "
          f"median {1000 * statistics.median(times):.2f} ms/step "
          f"(min {1000 * min(times):.2f}, {a.steps} steps after {a.warmup} warm-up)")


if __name__ == "__main__":
    main()
