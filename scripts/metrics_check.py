#!/usr/bin/python3
"""Independent NumPy/SciPy computation of gan's feature metrics.

Reads a feature file written by `gan eval --features-out FILE` (safetensors:
"real" [n_r, d], "fake" [n_f, d], "fake_probs" [n_f, classes], all F32) and
computes, in float64, from the textbook definitions:

  * Fréchet distance, trace term as pytorch-fid does it: tr sqrtm(S1 S2) with
    scipy.linalg.sqrtm (real part), and also through eigh (the C++ route);
  * the unbiased polynomial-kernel MMD^2 (KID's estimator) on the whole sets
    (one "subset" of every sample: deterministic), and for information the
    100-subset KID with NumPy's own subsets (not compared: different draws);
  * improved precision / recall (k = 3) and density / coverage (k = 5) as in
    Naeem et al.'s prdc package (k-th neighbour excluding the point itself,
    strict "<"), with scipy.spatial.distance.cdist;
  * the near-duplicate rate (gan's definition, eval/manifold.h), the
    classifier score, the class entropy and histogram.

Writes a JSON file next to the features (default tests/golden/metrics_check.json)
that tests/models/test_metrics_golden.cpp compares the C++ results with. The
test only reads the stored values; it never runs Python.

  /usr/bin/python3 scripts/metrics_check.py tests/golden/metrics_features.safetensors \
      --out tests/golden/metrics_check.json
Needs Debian's python3-numpy and python3-scipy.
"""
import argparse
import hashlib
import json
import struct

import numpy as np
import scipy.linalg
from scipy.spatial.distance import cdist


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[base + b:base + e], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return out, meta, hashlib.sha256(data).hexdigest()


def frechet(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    fd_sqrtm = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))
    w, v = np.linalg.eigh(s1)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = root @ s2 @ root
    tr = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    fd_eigh = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr)
    return fd_sqrtm, fd_eigh


def mmd2_unbiased(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.sum() / (m * n))


def kid_subsets(x, y, subsets=100, size=1000, seed=0):
    rng = np.random.default_rng(seed)
    size = min(size, len(x), len(y))
    v = [mmd2_unbiased(x[rng.choice(len(x), size, replace=False)], y[rng.choice(len(y), size, replace=False)])
         for _ in range(subsets)]
    return float(np.mean(v)), float(np.std(v)), size


def kth(d, k):
    # k-th neighbour excluding the point itself: index k of the sorted row (index 0 is the point).
    return np.sort(d, axis=1)[:, k]


def prdc(real, fake, k_pr=3, k_dc=5):
    rr, ff, rf = cdist(real, real), cdist(fake, fake), cdist(real, fake)  # rf [n_r, n_f]
    r_pr, r_dc, f_pr = kth(rr, k_pr), kth(rr, k_dc), kth(ff, k_pr)
    precision = float((rf < r_pr[:, None]).any(axis=0).mean())
    recall = float((rf < f_pr[None, :]).any(axis=1).mean())
    density = float((rf < r_dc[:, None]).sum() / (k_dc * len(fake)))
    coverage = float((rf.min(axis=1) < r_dc).mean())
    threshold = float(np.percentile(kth(rr, 1), 1))
    near_dup = float((kth(ff, 1) < threshold).mean())
    return dict(precision=precision, recall=recall, density=density, coverage=coverage,
                near_duplicate_rate=near_dup, near_duplicate_threshold=threshold)


def class_stats(p):
    marg = p.mean(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(p > 0, p * (np.log(p) - np.log(marg)), 0.0).sum(1).mean()
    hist = np.bincount(p.argmax(1), minlength=p.shape[1])
    f = hist[hist > 0] / len(p)
    return dict(classifier_score=float(np.exp(kl)), class_entropy_bits=float(-(f * np.log2(f)).sum()),
                class_histogram=[int(h) for h in hist])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features")
    ap.add_argument("--out", default="tests/golden/metrics_check.json")
    a = ap.parse_args()
    t, meta, file_hash = read_safetensors(a.features)
    real, fake = t["real"], t["fake"]
    fd_sqrtm, fd_eigh = frechet(real, fake)
    kid_mean, kid_std, kid_size = kid_subsets(real, fake)
    out = dict(features_file_sha256=file_hash, metadata=meta, n_real=len(real), n_fake=len(fake), dim=real.shape[1],
               frechet_distance_sqrtm=fd_sqrtm, frechet_distance_eigh=fd_eigh,
               mmd2_unbiased_full=mmd2_unbiased(real, fake),
               kid_numpy_subsets=dict(mean=kid_mean, std=kid_std, subsets=100, subset_size=kid_size),
               **prdc(real, fake), **class_stats(t["fake_probs"]))
    json.dump(out, open(a.out, "w"), indent=2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
