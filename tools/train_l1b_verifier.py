#!/usr/bin/env python3
"""Trains the L1b pair verifier (src/layers/l1b_semantic/pair_verifier.h): a logistic regression
that predicts "the cached answer of text A answers prompt B" from MiniLM features of both texts
plus the lexical guard's difference signals.

Features (must match VerifierFeatures in pair_verifier.cpp): |u - v| (384), u * v (384),
cos(u, v), then the lexical signals number date unit negation entity opposite order
same_up_to_typos (0/1).
Embeddings come from the gateway's own engine (`isartor embed --stdin`) and the lexical signals
from the gateway's own code (build target isartor_l1b_lexical_features), so training and serving
see the same numbers.

Data:
  - a QQP sample (/work/shared/data/qqp/pairs.jsonl.gz, read in place, never copied): rows
    [2000, 2000 + --qqp-train) of the bench's shuffle (random.Random(4)), so the first 2000 rows
    that bench/semantic_quality.py evaluates on are never trained on;
  - the split == "train" rows of bench/data/l1b_pairs.jsonl (held-out rows are never read),
    weighted up (--own-weight) because they are the traffic we care about and QQP is not;
  - each own train question paired with itself (an exact repeat must verify).
Pure numpy: full-batch gradient descent on the L2-regularised weighted log loss over
standardised features; the standardisation is folded into the exported weights. Deterministic.

  .venv/bin/python tools/train_l1b_verifier.py --isartor build/isartor \\
      --features build/src/isartor_l1b_lexical_features
Output: src/layers/l1b_semantic/pair_verifier_weights.inc
"""
import argparse
import gzip
import json
import os
import random
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "layers", "l1b_semantic", "pair_verifier_weights.inc")


def one_line(t):
    return " ".join(t.replace("\t", " ").split())


def embed(isartor, texts):
    stdin = "".join(one_line(t) + "\n" for t in texts)
    out = subprocess.run([isartor, "embed", "--stdin"], input=stdin.encode(), check=True,
                         capture_output=True).stdout.decode().splitlines()
    rows = [json.loads(line) for line in out if line.strip()]
    if len(rows) != len(texts):
        sys.exit(f"expected {len(texts)} embeddings, got {len(rows)}")
    return np.array([r["embedding"] for r in rows], dtype=np.float64)


def lexical(tool, pairs):
    stdin = "".join(one_line(new) + "\t" + one_line(cached) + "\n" for new, cached in pairs)
    out = subprocess.run([tool], input=stdin.encode(), check=True,
                         capture_output=True).stdout.decode().splitlines()
    if len(out) != len(pairs):
        sys.exit(f"expected {len(pairs)} lexical rows, got {len(out)}")
    return np.array([[float(x) for x in line.split()] for line in out])


def features(u, v, lex):
    cos = np.sum(u * v, axis=1, keepdims=True)
    return np.hstack([np.abs(u - v), u * v, cos, lex])


def train(x, y, w_sample, l2, steps=25):
    """Newton's method (IRLS) on the weighted mean log loss + l2/2 |w|^2 (bias unpenalised)."""
    n, d = x.shape
    xa = np.hstack([x, np.ones((n, 1))])
    ws = w_sample / w_sample.sum()
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    theta = np.zeros(d + 1)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xa @ theta)))
        g = xa.T @ ((p - y) * ws) + reg * theta
        h = (xa * (ws * p * (1 - p))[:, None]).T @ xa + np.diag(reg + 1e-9)
        step = np.linalg.solve(h, g)
        theta -= step
        if np.abs(step).max() < 1e-6:
            break
    return theta[:-1], float(theta[-1])


def log_loss(x, y, ws, w, b):
    p = np.clip(1 / (1 + np.exp(-(x @ w + b))), 1e-7, 1 - 1e-7)
    return float(-(ws * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / ws.sum())


def c_float(x):
    """A C++ float literal ("0f" is not one); below float's range is 0."""
    s = f"{x:.9g}" if abs(x) >= 1e-30 else "0.0"
    if not any(c in s for c in ".en"):
        s += ".0"
    return s + "f"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isartor", default=os.path.join(ROOT, "build", "isartor"))
    ap.add_argument("--features", default=os.path.join(ROOT, "build",
                                                       "src", "isartor_l1b_lexical_features"))
    ap.add_argument("--qqp", default="/work/shared/data/qqp/pairs.jsonl.gz")
    ap.add_argument("--qqp-train", type=int, default=4000)
    ap.add_argument("--own-weight", type=float, default=8.0)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--cache", default="/tmp/isartor_l1b_verifier_embeddings.npy",
                    help="embeddings cache (outside the repo; reused when the texts match)")
    args = ap.parse_args()

    qqp = [json.loads(l) for l in gzip.open(args.qqp, "rt")]
    random.Random(4).shuffle(qqp)  # the bench's shuffle: it evaluates on rows [0, 2000)
    rows = [(q["b"], q["a"], float(q["duplicate"]), 1.0)
            for q in qqp[2000:2000 + args.qqp_train]]
    own = [json.loads(l) for l in open(os.path.join(ROOT, "bench", "data", "l1b_pairs.jsonl"))]
    own = [r for r in own if r["split"] == "train"]
    rows += [(r["b"], r["a"], float(r["should_hit"]), args.own_weight) for r in own]
    seeds = sorted({r["a"] for r in own})
    rows += [(t, t, 1.0, args.own_weight) for t in seeds]

    texts = sorted({t for new, cached, _, _ in rows for t in (new, cached)})
    index = {t: i for i, t in enumerate(texts)}
    cache = args.cache
    if cache and os.path.exists(cache) and json.load(open(cache + ".texts.json")) == texts:
        emb = np.load(cache)
    else:
        print(f"embedding {len(texts)} texts ...", file=sys.stderr)
        emb = embed(args.isartor, texts)
        if cache:
            np.save(cache, emb)
            json.dump(texts, open(cache + ".texts.json", "w"))
    u = emb[[index[new] for new, _, _, _ in rows]]
    v = emb[[index[cached] for _, cached, _, _ in rows]]
    lex = lexical(args.features, [(new, cached) for new, cached, _, _ in rows])
    x = features(u, v, lex)
    y = np.array([r[2] for r in rows])
    ws = np.array([r[3] for r in rows])
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mu) / sd

    # L2 strength by 3-fold cross-validated weighted log loss (train rows only).
    folds = np.random.RandomState(14).permutation(len(rows)) % 3
    best = None
    for l2 in (3e-2, 1e-1, 3e-1, 1.0, 3.0):
        losses = []
        for k in range(3):
            tr, te = folds != k, folds == k
            w, b = train(xs[tr], y[tr], ws[tr], l2)
            losses.append(log_loss(xs[te], y[te], ws[te], w, b))
        cv = float(np.mean(losses))
        print(f"l2={l2:g}: cv log loss {cv:.4f}", file=sys.stderr)
        if best is None or cv < best[1]:
            best = (l2, cv)
    l2, cv = best
    w, b = train(xs, y, ws, l2)
    acc = float((((xs @ w + b) > 0) == (y > 0.5)).mean())
    # Fold the standardisation in: w . (x - mu) / sd + b = (w / sd) . x + (b - w . mu / sd)
    w_raw = w / sd
    b_raw = b - float(np.dot(w, mu / sd))
    n_own = len(own) + len(seeds)
    with open(args.out, "w") as f:
        f.write("// Generated by tools/train_l1b_verifier.py; do not edit, rerun the script.\n")
        f.write(f"// Logistic regression, inputs as VerifierFeatures (pair_verifier.h). Trained on "
                f"{args.qqp_train} QQP pairs and {n_own} own\n")
        f.write(f"// train-split rows (bench/data/l1b_pairs.jsonl, weight {args.own_weight:g}); "
                f"l2 {l2:g} (3-fold CV log loss {cv:.4f});\n")
        f.write(f"// training accuracy {acc:.3f}. Output = P(the cached answer answers the "
                f"prompt).\n")
        f.write(f"constexpr int kVerifierInputs = {x.shape[1]};\n")
        f.write(f"constexpr float kVerifierBias = {c_float(b_raw)};\n")
        f.write("constexpr float kVerifierWeights[kVerifierInputs] = {\n")
        vals = [c_float(c) for c in w_raw]
        for i in range(0, len(vals), 6):
            f.write("    " + ", ".join(vals[i:i + 6]) + ",\n")
        f.write("};\n")
    print(f"wrote {args.out}: l2={l2:g} cv={cv:.4f} train acc={acc:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
