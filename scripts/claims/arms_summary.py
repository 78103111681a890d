#!/usr/bin/env python3
"""Per-arm mean and sample sd over seeds of `gan eval` reports (#13, #14).

Shared by the claim scripts that train a few arms over several seeds and
evaluate each run's checkpoint into <root>/<arm>-s<seed>/eval.json. Prints
each run's variety (recall, coverage, class entropy, classes covered) and
quality (FCD, precision), the live mode-collapse alarms of its metrics.jsonl,
then per arm the mean and sd over seeds.

  arms_summary.py ROOT TITLE ARM=LABEL[,ARM=LABEL...] SEED [SEED ...]
"""
import json, os, re, statistics as st, sys

KEYS = [("recall", "recall"), ("coverage", "coverage"), ("class_entropy_bits", "entropy"),
        ("classes_covered", "classes"), ("frechet_classifier_distance", "FCD"), ("precision", "precision")]


def alarms(run):
    """Number of mode-collapse alarms the run raised while training."""
    path = os.path.join(run, "metrics.jsonl")
    if not os.path.exists(path):
        return 0
    return sum(1 for line in open(path) if '"alarm":"mode_collapse"' in line)


def main(root, title, arms, seeds):
    # Split on the commas that start a new ARM=, so a label may hold commas.
    arms = [a.split("=", 1) for a in re.split(r",(?=\w+=)", arms)]
    print(title)
    print(f"{'arm':>20} {'seed':>4} " + " ".join(f"{h:>9}" for _, h in KEYS) + f" {'alarms':>7}")
    for arm, label in arms:
        runs = [os.path.join(root, f"{arm}-s{s}") for s in seeds]
        missing = [r for r in runs if not os.path.exists(os.path.join(r, "eval.json"))]
        if missing:
            sys.exit(f"arms_summary.py: no eval.json in {', '.join(missing)}")
        rows = [json.load(open(os.path.join(r, "eval.json")))[0] for r in runs]
        al = [alarms(r) for r in runs]
        for s, r, a in zip(seeds, rows, al):
            print(f"{label:>20} {s:>4} " + " ".join(f"{float(r[k]):9.3f}" for k, _ in KEYS) + f" {a:7d}")
        sd = lambda v: st.stdev(v) if len(v) > 1 else 0.0
        cols = [[float(r[k]) for r in rows] for k, _ in KEYS] + [al]
        print(f"{label:>20} {'mean':>4} " + " ".join(f"{st.mean(c):9.3f}" for c in cols[:-1]) + f" {st.mean(al):7.1f}")
        print(f"{'':>20} {'sd':>4} " + " ".join(f"{sd(c):9.3f}" for c in cols[:-1]) + f" {sd(al):7.1f}")


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
