#!/usr/bin/env python3
"""Throughput of POST /v1/embeddings (the gateway's in-process MiniLM) against
sentence-transformers (PyTorch CPU) on the same model, in the same run.

Texts per second at batch 1 (one text per request, `--clients` concurrent HTTP clients, so the
embedder's dynamic batching can work as it does under real load) and batch 32 (32 texts per
request). sentence-transformers runs model.encode(batch_size=1 / 32) with torch on 2 threads.
The HTTP numbers include everything a client pays: HTTP, JSON encoding of 384 floats per text,
and the Python client itself on the same 2 cores. Contenders are interleaved over rounds; the
best round of each is reported with the median next to it.

    ~/.cache/isartor/venv-ref/bin/python bench/embeddings_bench.py --out bench/results/embeddings_api.md

The reference venv holds torch + sentence-transformers (python3 -m venv; pip install torch
sentence-transformers); build/isartor must exist. Traffic goes to 127.0.0.1 only.
"""
import argparse
import http.client
import json
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from embed_texts import BENCH_PROMPT  # noqa: E402

MODEL = "all-MiniLM-L6-v2"
MODEL_DIR = ROOT / "models" / MODEL


def texts(n, salt):
    return [f"{BENCH_PROMPT} variant {salt}-{i}" for i in range(n)]


def start_gateway(binary):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    env.update({"ISARTOR__HOST_PORT": "127.0.0.1:0", "ISARTOR__CACHE_MODE": "exact",
                "ISARTOR__EXTERNAL_LLM_URL": "http://127.0.0.1:9/v1"})
    proc = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    seen = ""
    while time.time() < deadline:
        line = proc.stderr.readline()
        seen += line
        m = re.search(r"listening on [\d.]+:(\d+)", line)
        if m:
            threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
            return proc, f"http://127.0.0.1:{m.group(1)}"
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("gateway did not start: " + seen)


def http_rate(base, batch, clients, total_texts, salt):
    """Texts per second through /v1/embeddings."""
    per_client = max(1, total_texts // (batch * clients))
    errors = []

    host, port = base.rsplit("//", 1)[1].split(":")

    def worker(cid):
        conn = http.client.HTTPConnection(host, int(port), timeout=120)  # keep-alive
        for r in range(per_client):
            body = json.dumps({"model": MODEL, "input": texts(batch, f"{salt}-{cid}-{r}"),
                               "encoding_format": "float"})
            conn.request("POST", "/v1/embeddings", body, {"content-type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200 or len(json.loads(data)["data"]) != batch:
                errors.append(data[:200])
    threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit("embedding requests failed: " + errors[0])
    return per_client * clients * batch / elapsed


def torch_rate(model, batch, total_texts, salt):
    items = texts(total_texts, salt)
    t0 = time.perf_counter()
    for i in range(0, len(items), batch):
        model.encode(items[i:i + batch], batch_size=batch)
    return len(items) / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build" / "isartor"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--texts", type=int, default=640, help="texts per measurement")
    ap.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients at batch 1")
    ap.add_argument("--model-dir", default=str(MODEL_DIR),
                    help="the MiniLM folder sentence-transformers loads (default: models/)")
    ap.add_argument("--out")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(2)
    model = SentenceTransformer(args.model_dir, device="cpu")
    load_before = os.getloadavg()[0]
    proc, base = start_gateway(args.bin)
    try:
        # Warm both (model load, first passes, connection pools).
        http_rate(base, 1, 2, 32, "warm")
        http_rate(base, 32, 1, 64, "warm32")
        torch_rate(model, 1, 32, "warm")
        torch_rate(model, 32, 64, "warm32")
        results = {k: [] for k in ("http1", "http32", "torch1", "torch32")}
        for r in range(args.rounds):
            results["http1"].append(http_rate(base, 1, args.clients, args.texts, f"r{r}"))
            results["torch1"].append(torch_rate(model, 1, args.texts, f"r{r}"))
            results["http32"].append(http_rate(base, 32, 2, args.texts, f"r{r}"))
            results["torch32"].append(torch_rate(model, 32, args.texts, f"r{r}"))
    finally:
        proc.terminate()
        proc.wait(timeout=15)

    def cell(k):
        return f"{max(results[k]):.0f} (median {statistics.median(results[k]):.0f})"

    shown = []
    skip = False
    for a in sys.argv[1:]:
        if skip or a.startswith("--out"):
            skip = a == "--out"
            continue
        shown.append(a)
    cmd = " ".join(["~/.cache/isartor/venv-ref/bin/python bench/embeddings_bench.py", *shown,
                    "--out bench/results/embeddings_api.md"])
    lines = [
        "# /v1/embeddings throughput vs sentence-transformers",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__} on 2 threads; {args.rounds} interleaved rounds of "
        f"{args.texts} texts (~20 tokens each), best round (median in brackets). Load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after (the machine is shared: other "
        "jobs competed for the cores, so compare the ratio, not the absolute numbers).",
        "",
        "| batch | isartor `/v1/embeddings` (texts/s) | sentence-transformers `encode` (texts/s) | ratio |",
        "|---|---|---|---|",
        f"| 1 ({args.clients} concurrent clients, one text per request) | {cell('http1')} | {cell('torch1')} "
        f"| {max(results['http1']) / max(results['torch1']):.2f}x |",
        f"| 32 (32 texts per request, 2 clients) | {cell('http32')} | {cell('torch32')} "
        f"| {max(results['http32']) / max(results['torch32']):.2f}x |",
        "",
        "The gateway's numbers are end to end over HTTP (request and JSON encoding of 384 floats per "
        "text, parsed by a Python client running on the same two cores); sentence-transformers' are "
        "in-process calls with no transport at all. The vectors are the same (cosine >= 0.9999, "
        "see embedding.md; tests/e2e/test_embeddings_api.py checks them against `isartor embed`).",
        "",
        "Reproduce:",
        "",
        "```sh",
        cmd,
        "```",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
