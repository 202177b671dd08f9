#!/usr/bin/env python3
"""Embedding benchmark: our C++ engine vs sentence-transformers (PyTorch CPU), in one run.

Measures, interleaving the contenders over several rounds (the machine is shared; the best
round of each is reported, with the median of all rounds next to it):
  * latency of one ~20-token prompt (and of one 256-token text), single thread: ours (oneDNN, plus the OpenBLAS and Eigen
    backends kept for the GEMM comparison) vs sentence-transformers with torch.set_num_threads(1);
  * throughput on 2 threads with batching: ours (2 workers, dynamic micro-batching, 16 clients)
    vs sentence-transformers encode(batch_size=16) with torch.set_num_threads(2);
  * resident memory of a process holding the model (after some embeddings).
Writes a markdown table to stdout (and to --out).

Needs the reference venv (torch + sentence-transformers) and the bench binaries:
    cmake --build <build> --target isartor_embed_bench isartor_embed_bench_v3
    HF_HUB_OFFLINE=1 .venv-ref/bin/python bench/embed_bench.py --bin-dir <build>/src/embed
"""
import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from embed_texts import BENCH_PROMPT  # noqa: E402

# A text that fills the 256-token window (truncated there by both engines).
LONG_TEXT = " ".join(["semantic caching of llm answers"] * 60)

MODEL_DIR = ROOT / "models" / "all-MiniLM-L6-v2"


def run_ours(binary, *args):
    out = subprocess.run([str(binary), *args, "--model-dir", str(MODEL_DIR)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_latency(model, iters, text=BENCH_PROMPT):
    for _ in range(5):
        model.encode([text])
    ms = []
    for _ in range(iters):
        t0 = time.perf_counter()
        model.encode([text])
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return {"median_ms": ms[len(ms) // 2], "p10_ms": ms[len(ms) // 10]}


def torch_throughput(model, requests):
    import torch
    torch.set_num_threads(2)
    texts = [f"{BENCH_PROMPT} variant {i}" for i in range(requests)]
    model.encode(texts[:32], batch_size=16)
    t0 = time.perf_counter()
    model.encode(texts, batch_size=16)
    s = time.perf_counter() - t0
    torch.set_num_threads(1)
    return requests / s


RSS_SNIPPET = """
import sys, torch
torch.set_num_threads(1)
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
for i in range(50): m.encode([sys.argv[2] + str(i)])
m.encode([" ".join(f"token{i}" for i in range(300))])
for line in open("/proc/self/status"):
    if line.startswith(("VmRSS:", "VmHWM:")): print(line.split()[0], int(line.split()[1]) / 1024)
"""


def torch_rss():
    out = subprocess.run([sys.executable, "-c", RSS_SNIPPET, str(MODEL_DIR), BENCH_PROMPT],
                         check=True, capture_output=True, text=True).stdout
    vals = dict(line.split() for line in out.strip().splitlines())
    return float(vals["VmRSS:"]), float(vals["VmHWM:"])


def best(rounds, key):
    return min(r[key] for r in rounds), statistics.median(r[key] for r in rounds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True, help="folder with isartor_embed_bench(_v3)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--out", help="also write the markdown here")
    args = ap.parse_args()
    bench = pathlib.Path(args.bin_dir) / "isartor_embed_bench"
    bench_v3 = pathlib.Path(args.bin_dir) / "isartor_embed_bench_v3"

    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(1)
    model = SentenceTransformer(str(MODEL_DIR), device="cpu")
    tokens = len(model.tokenize([BENCH_PROMPT])["input_ids"][0])

    lat = {k: [] for k in ("torch", "onednn", "openblas", "eigen-baseline", "eigen-x86-64-v3")}
    thr = {k: [] for k in ("torch", "ours", "ours-no-batching")}
    long_lat = {"torch": [], "onednn": []}
    for _ in range(args.rounds):
        long_lat["torch"].append(torch_latency(model, 20, LONG_TEXT))
        long_lat["onednn"].append(run_ours(bench, "latency", "--iters", "20",
                                           "--prompt", LONG_TEXT))
        lat["torch"].append(torch_latency(model, args.iters))
        for backend in ("onednn", "openblas", "eigen"):
            r = run_ours(bench, "latency", "--backend", backend, "--iters", str(args.iters))
            lat[r["backend"]].append(r)
        lat["eigen-x86-64-v3"].append(
            run_ours(bench_v3, "latency", "--backend", "eigen", "--iters", str(args.iters)))
        thr["torch"].append({"per_second": torch_throughput(model, args.requests)})
        thr["ours"].append(run_ours(bench, "throughput", "--workers", "2", "--max-batch", "16",
                                    "--requests", str(args.requests)))
        thr["ours-no-batching"].append(run_ours(bench, "throughput", "--workers", "2",
                                                "--max-batch", "1",
                                                "--requests", str(args.requests)))
    isa = lat["onednn"][0]["isa"]
    ours_rss = run_ours(bench, "rss")
    torch_rss_mb, torch_hwm_mb = torch_rss()

    t_best, t_med = best(lat["torch"], "p10_ms")
    lines = [
        f"Prompt: {tokens} tokens (`{BENCH_PROMPT}`). CPU: {platform.processor() or 'x86_64'}, "
        f"kernels ISA picked at run time: {isa}. torch {torch.__version__}. Rounds: "
        f"{args.rounds} x {args.iters} calls, interleaved; 'best' = best round's p10, "
        "'median' = median over rounds of each round's median.",
        "",
        "### Single request, single thread",
        "",
        "| engine | best p10 ms | median ms | vs PyTorch (best) |",
        "|---|---|---|---|",
    ]
    names = {"torch": "sentence-transformers (PyTorch, 1 thread)",
             "onednn": "**ours: oneDNN (product)**", "openblas": "ours: OpenBLAS backend",
             "eigen-baseline": "ours: Eigen, baseline x86-64 flags",
             "eigen-x86-64-v3": "ours: Eigen, -march=x86-64-v3 (not shippable)"}
    for key, rounds in lat.items():
        b, _ = best(rounds, "p10_ms")
        m = statistics.median(r["median_ms"] for r in rounds)
        lines.append(f"| {names[key]} | {b:.2f} | {m:.2f} | {b / t_best:.2f}x |")
    lt_best, _ = best(long_lat["torch"], "p10_ms")
    lines += ["", "### Single 256-token text, single thread", "",
              "| engine | best p10 ms | median ms | vs PyTorch (best) |", "|---|---|---|---|"]
    for key, rounds in long_lat.items():
        b, _ = best(rounds, "p10_ms")
        m = statistics.median(r["median_ms"] for r in rounds)
        lines.append(f"| {names[key]} | {b:.2f} | {m:.2f} | {b / lt_best:.2f}x |")
    lines += ["", "### Throughput, 2 threads", "",
              "| engine | best texts/s | median texts/s |", "|---|---|---|"]
    tnames = {"torch": "sentence-transformers, torch 2 threads, encode(batch_size=16)",
              "ours": "**ours: 2 workers, micro-batching (max 16), 16 concurrent clients**",
              "ours-no-batching": "ours: 2 workers, batching off (max_batch=1), 16 clients"}
    for key, rounds in thr.items():
        vals = [r["per_second"] for r in rounds]
        lines.append(f"| {tnames[key]} | {max(vals):.0f} | {statistics.median(vals):.0f} |")
    lines += ["", "### Resident memory of a process holding the model", "",
              "| process | RSS MB | peak RSS MB |", "|---|---|---|",
              f"| ours (isartor_embed_bench rss: 2 workers, 51 embeddings incl. one 256-token) "
              f"| {ours_rss['rss_mb']:.0f} | {ours_rss['peak_rss_mb']:.0f} |",
              f"| python + sentence-transformers (same work) | {torch_rss_mb:.0f} "
              f"| {torch_hwm_mb:.0f} |", ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
