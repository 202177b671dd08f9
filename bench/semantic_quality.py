#!/usr/bin/env python3
"""L1b quality and end-to-end speed, measured through the real gateway and the fake upstream.

For every pair: seed prompt A (answered by the upstream, stored by L1b), then ask B in the same
partition and read X-Isartor-Layer / X-Isartor-Similarity. Each pair gets its own session, so
pairs never see each other's entries. One run at a low threshold (--probe-threshold) gives the
result at every higher threshold T: with one entry per partition, B is served at T iff it was
served at the probe threshold with similarity >= T (the lexical guard does not depend on T).
The chosen threshold is then re-run for real to confirm.

  .venv/bin/python bench/semantic_quality.py --bin build-l1b/isartor \
      --qqp /work/shared/data/qqp/pairs.jsonl.gz --qqp-sample 1000 \
      --faq /work/shared/data/isartor-fixtures/faq_loop.jsonl

QQP is read in place and never copied into the repo (internal use only).
"""
import argparse
import collections
import gzip
import http.client
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))


def start(bin_path, upstream, **env):
    os.environ["ISARTOR_BIN"] = str(bin_path)
    import conftest  # noqa: E402  (reads ISARTOR_BIN at import)
    conftest.BIN = Path(bin_path)
    full = {"ISARTOR__EXTERNAL_LLM_URL": upstream.url, "ISARTOR__LLM_PROVIDER": "openai",
            "ISARTOR__CACHE_MAX_CAPACITY": "100000", "ISARTOR__CACHE_TTL_SECS": "86400"}
    full.update({k: str(v) for k, v in env.items()})
    return conftest.Gateway(full)


def chat(session, gw, text, history=()):
    body = {"model": "gpt-4o-mini",
            "messages": list(history) + [{"role": "user", "content": text}]}
    headers = {"authorization": "Bearer sk-bench"}
    if session:
        headers["x-session-id"] = session
    r = session_http.post(gw.base + "/v1/chat/completions", json=body, headers=headers, timeout=60)
    r.raise_for_status()
    return r.headers.get("x-isartor-layer"), r.headers.get("x-isartor-similarity")


session_http = requests.Session()


def run_pairs(gw, pairs):
    out = []
    for p in pairs:
        sid = uuid.uuid4().hex
        chat(sid, gw, p["a"], p.get("history_a", ()))
        layer, sim = chat(sid, gw, p["b"], p.get("history_b", p.get("history_a", ())))
        out.append(dict(p, layer=layer, sim=float(sim) if sim else None))
    return out


def served(r, t):
    return r["layer"] == "l1b" and r["sim"] is not None and r["sim"] >= t - 1e-6


def table(results, thresholds):
    cats = sorted({r["category"] for r in results})
    lines = ["| threshold | " + " | ".join(cats) + " | traps (own) | should-hit (own) |",
             "|---" * (len(cats) + 3) + "|"]
    for t in thresholds:
        row, traps, trap_n, hits, hit_n = [], 0, 0, 0, 0
        for c in cats:
            rs = [r for r in results if r["category"] == c]
            k = sum(served(r, t) for r in rs)
            row.append(f"{k}/{len(rs)} ({100 * k / len(rs):.1f}%)")
            if not c.startswith("qqp"):
                if rs[0]["should_hit"]:
                    hits, hit_n = hits + k, hit_n + len(rs)
                else:
                    traps, trap_n = traps + k, trap_n + len(rs)
        lines.append(f"| {t:.2f} | " + " | ".join(row) +
                     f" | {100 * traps / max(trap_n, 1):.1f}% | {100 * hits / max(hit_n, 1):.1f}% |")
    return "\n".join(lines)


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def raw_latencies(gw, session, text, n, want_layer):
    """The same request n times over one keep-alive http.client connection, a thinner client than
    `requests` (compare the two L1a baselines: the gateway's work is the same)."""
    host, port = gw.base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]})
    headers = {"authorization": "Bearer sk-bench", "content-type": "application/json"}
    if session:
        headers["x-session-id"] = session
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        conn.request("POST", "/v1/chat/completions", body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        lat.append(time.perf_counter() - t)
        assert r.status == 200 and r.getheader("x-isartor-layer") == want_layer
    conn.close()
    lat.sort()
    return lat


def requests_latencies(gw, session, text, n, want_layer):
    """The same request n times through `requests` (the client the quality runs use)."""
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        layer, _ = chat(session, gw, text)
        lat.append(time.perf_counter() - t)
        assert layer == want_layer, layer
    lat.sort()
    return lat


def per_request(after, before, name, n):
    return (metric(after, name) - metric(before, name)) / n


def speed(gw, n=200):
    """L1b hit end-to-end (client-measured, plain HTTP) vs the embedding time of that prompt."""
    sid = uuid.uuid4().hex
    prompt = "How can I reset the password on my router?"
    chat(sid, gw, "How do I reset my router password?")
    chat(sid, gw, prompt)
    embed_sum = "isartor_semantic_embedding_seconds_sum"
    m0 = gw.metrics()
    lat = requests_latencies(gw, sid, prompt, n, "l1b")
    m1 = gw.metrics()
    emb = per_request(m1, m0, embed_sum, n)
    srch = per_request(m1, m0, "isartor_semantic_search_seconds_sum", n)
    in_layer = per_request(
        m1, m0, 'isartor_layer_duration_seconds_sum{layer_name="L1b_SemanticCache"}', n)
    raw = raw_latencies(gw, sid, prompt, n, "l1b")
    emb_raw = per_request(gw.metrics(), m1, embed_sum, n)
    return {"hit_p50_ms": 1000 * lat[n // 2], "hit_p90_ms": 1000 * lat[n * 9 // 10],
            "raw_client_hit_p50_ms": 1000 * raw[n // 2],
            "raw_client_embed_mean_ms": 1000 * emb_raw,
            "ratio_raw_p50_to_embed": raw[n // 2] / emb_raw if emb_raw else None,
            "embed_mean_ms": 1000 * emb, "search_mean_us": 1e6 * srch,
            "l1b_layer_mean_ms": 1000 * in_layer,
            "ratio_layer_to_embed": in_layer / emb if emb else None,
            "ratio_p50_to_embed": lat[n // 2] / emb if emb else None}


def l1a_baseline(gw, n=200):
    """An L1a hit through the same client: the HTTP + JSON cost every cache hit pays."""
    prompt = "What is the capital of France?"
    chat(None, gw, prompt)
    lat = requests_latencies(gw, None, prompt, n, "l1a")
    raw = raw_latencies(gw, None, prompt, n, "l1a")
    return {"l1a_hit_p50_ms": 1000 * lat[n // 2], "raw_client_l1a_hit_p50_ms": 1000 * raw[n // 2]}


def faq(gw, path):
    counts = collections.Counter()
    for line in open(path):
        prompt = json.loads(line)["prompt"]
        layer, _ = chat(None, gw, prompt)
        counts[layer] += 1
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build" / "isartor"))
    ap.add_argument("--qqp", default="/work/shared/data/qqp/pairs.jsonl.gz")
    ap.add_argument("--qqp-sample", type=int, default=1000)
    ap.add_argument("--traps", default=str(ROOT / "bench" / "data" / "semantic_traps.jsonl"))
    ap.add_argument("--faq", default="/work/shared/data/isartor-fixtures/faq_loop.jsonl")
    ap.add_argument("--probe-threshold", type=float, default=0.5)
    ap.add_argument("--chosen", type=float, default=None, help="re-run and FAQ at this threshold")
    ap.add_argument("--faq-thresholds", type=float, nargs="*", default=[])
    ap.add_argument("--skip-pairs", action="store_true", help="only speed and FAQ")
    ap.add_argument("--out", default=None, help="write raw results (JSON) here (outside the repo)")
    args = ap.parse_args()

    from conftest import Upstream
    up = Upstream(chunk_delay=0)
    pairs = [json.loads(l) for l in open(args.traps)]
    if args.qqp and Path(args.qqp).exists():
        qqp = [json.loads(l) for l in gzip.open(args.qqp, "rt")]
        random.Random(4).shuffle(qqp)
        for q in qqp[:args.qqp_sample]:
            pairs.append({"category": "qqp_duplicate" if q["duplicate"] else "qqp_different",
                          "a": q["a"], "b": q["b"], "should_hit": bool(q["duplicate"])})
    if not args.skip_pairs:
        gw = start(args.bin, up, ISARTOR__CACHE_MODE="semantic",
                   ISARTOR__SIMILARITY_THRESHOLD=args.probe_threshold)
        t0 = time.time()
        results = run_pairs(gw, pairs)
        veto = [l for l in gw.metrics().splitlines() if 'cache_layer="l1b"' in l]
        gw.stop()
        print(f"probe run: {len(pairs)} pairs in {time.time() - t0:.0f}s", file=sys.stderr)
        if args.out:
            json.dump(results, open(args.out, "w"))
        thresholds = [round(0.70 + 0.01 * i, 2) for i in range(26)]
        print("## Served from L1b, per category (probe run, threshold applied offline)\n")
        print(table(results, thresholds))
        print("\nl1b events in the probe run: " + "; ".join(veto))
    if args.chosen is not None:
        gw = start(args.bin, up, ISARTOR__CACHE_MODE="semantic",
                   ISARTOR__SIMILARITY_THRESHOLD=args.chosen)
        if not args.skip_pairs:
            confirm = run_pairs(gw, pairs)
            print(f"\n## Confirmation run at threshold {args.chosen} (real, not offline)\n")
            print(table(confirm, [args.chosen]))
        print("\n## Speed (semantic mode, sequential, plain HTTP client)\n")
        print(json.dumps(speed(gw)))
        gw.stop()
    if args.chosen is not None or args.faq_thresholds:
        print("\n## FAQ loop (cache mode both), share per layer\n")
        for t in ([args.chosen] if args.chosen is not None else []) + args.faq_thresholds:
            gw = start(args.bin, up, ISARTOR__CACHE_MODE="both", ISARTOR__SIMILARITY_THRESHOLD=t)
            counts = faq(gw, args.faq)
            if t == args.chosen:
                base = l1a_baseline(gw)
            gw.stop()
            total = sum(counts.values())
            print(f"threshold {t}: " + " | ".join(
                f"{k}: {v} ({100 * v / total:.1f}%)" for k, v in sorted(counts.items())))
        if args.chosen is not None:
            print("\nL1a hit baseline, same client: " + json.dumps(base))
    up.stop()


if __name__ == "__main__":
    main()
