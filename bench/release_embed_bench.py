#!/usr/bin/env python3
"""Embedding latency of the release bundle's binary vs the dev build vs PyTorch, in one run.

The release build links differently (static Boost/OpenSSL/utf8proc, oneDNN and the C++ runtime
loaded from the bundle's lib/ through $ORIGIN/../lib); this checks that the shipped binary keeps
the embedding target (<= 0.5x sentence-transformers for one ~20-token prompt, one thread).
Both of ours are timed through the same path, `isartor embed --repeat N PROMPT` (single-text
calls on one thread after 5 warm-up calls); the contenders are interleaved over --rounds.

    HF_HUB_OFFLINE=1 ~/.cache/isartor/venv-ref/bin/python bench/release_embed_bench.py \\
        --before build/isartor --after dist/isartor-0.1.0-linux-x86_64/bin/isartor
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from embed_texts import BENCH_PROMPT  # noqa: E402

MODEL_DIR = ROOT / "models" / "all-MiniLM-L6-v2"


def ours(binary, iters):
    out = subprocess.run([str(binary), "embed", "--repeat", str(iters), BENCH_PROMPT],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_latency(model, iters):
    for _ in range(5):
        model.encode([BENCH_PROMPT])
    ms = []
    for _ in range(iters):
        t0 = time.perf_counter()
        model.encode([BENCH_PROMPT])
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return {"median_ms": ms[len(ms) // 2], "p10_ms": ms[len(ms) // 10]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="dev build binary (build/isartor)")
    ap.add_argument("--after", required=True, help="the bundle's bin/isartor")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=200)
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(1)
    model = SentenceTransformer(str(MODEL_DIR), device="cpu")
    runs = {"torch": [], "before": [], "after": []}
    tokens = None
    for _ in range(args.rounds):
        runs["torch"].append(torch_latency(model, args.iters))
        for key in ("before", "after"):
            r = ours(getattr(args, key), args.iters)
            tokens = r["tokens"]
            runs[key].append(r)
    t_best = min(r["p10_ms"] for r in runs["torch"])
    names = {"torch": "sentence-transformers (PyTorch, 1 thread)",
             "before": f"before: dev build (`{args.before}`, system shared libraries)",
             "after": f"**after: release bundle (`{args.after}`)**"}
    lines = [f"Prompt: {tokens} tokens. torch {torch.__version__}. Rounds: {args.rounds} x "
             f"{args.iters} calls, interleaved; 'best' = best round's p10, 'median' = median "
             "over rounds of each round's median.", "",
             "| engine | best p10 ms | median ms | vs PyTorch (best) |", "|---|---|---|---|"]
    for key, rounds in runs.items():
        b = min(r["p10_ms"] for r in rounds)
        m = statistics.median(r["median_ms"] for r in rounds)
        lines.append(f"| {names[key]} | {b:.2f} | {m:.2f} | {b / t_best:.2f}x |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
