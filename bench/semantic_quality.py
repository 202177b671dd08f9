#!/usr/bin/env python3
"""L1b quality and end-to-end speed, measured through the real gateway and the fake upstream.

For every pair: seed prompt A (answered by the upstream, stored by L1b), then ask B in the same
partition and read X-Isartor-Layer / X-Isartor-Similarity / X-Isartor-Verifier-Score. Each pair
gets its own session, so pairs never see each other's entries.

Two probe runs give the result at every operating point: both at a low recall threshold
(--probe-threshold) with verifier threshold 0 (every recalled candidate is served and carries its
verifier score), one with the hard lexical veto off and one with it on. With one entry per
partition, B is served at (recall R, verifier V, veto) iff in the probe run with that veto setting
it was served with similarity >= R and verifier score >= V. The shipped defaults (or --chosen) are
then re-run for real to confirm.

Sets: bench/data/l1b_pairs.jsonl and l1b_conversations.jsonl (ours; train and held-out reported
separately, thresholds chosen on train only), bench/data/semantic_traps.jsonl (the older set),
and a QQP sample (the first --qqp-sample rows of a fixed shuffle; tools/train_l1b_verifier.py
trains on rows from 2000 on, so these are never trained on).

  ~/.cache/isartor/bench-venv/bin/python bench/semantic_quality.py --bin build/isartor \
      --qqp-sample 1000 --plot bench/results/semantic_cache_pr.png

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
    last_verifier[0] = r.headers.get("x-isartor-verifier-score")
    return r.headers.get("x-isartor-layer"), r.headers.get("x-isartor-similarity")


last_verifier = [None]


session_http = requests.Session()


def run_pairs(gw, pairs):
    out = []
    for p in pairs:
        sid = uuid.uuid4().hex
        chat(sid, gw, p["a"], p.get("history_a", ()))
        layer, sim = chat(sid, gw, p["b"], p.get("history_b", p.get("history_a", ())))
        ver = last_verifier[0]
        out.append(dict(p, layer=layer, sim=float(sim) if sim else None,
                        ver=float(ver) if ver else None))
    return out


def served(r, t, v=None):
    if r["layer"] != "l1b" or r["sim"] is None or r["sim"] < t - 1e-6:
        return False
    return v is None or (r["ver"] is not None and r["ver"] >= v - 1e-6)


SHOULD_HIT = ("near_repeat", "paraphrase", "conv_same")
OWN_ORDER = ["near_repeat", "paraphrase", "conv_same", "negation", "entity", "number", "scope",
             "conv_changed"]


def group(r):
    """Row label: own categories per split, the old trap set, QQP."""
    if "split" in r:
        return r["split"], r["category"]
    if r["category"].startswith("qqp"):
        return "qqp", r["category"]
    return "old", r["category"]


def rates(results, t, v):
    """{(split, category): (served, n)} plus should-hit and trap totals per split."""
    out = collections.defaultdict(lambda: [0, 0])
    for r in results:
        split, cat = group(r)
        k = served(r, t, v)
        for key in ((split, cat), (split, "ALL should-hit" if r["should_hit"] else "ALL traps")):
            out[key][0] += k
            out[key][1] += 1
    return out


def own_table(by_veto, points):
    """Per category for train and held-out, at each operating point (recall, verifier, veto)."""
    cats = OWN_ORDER + ["ALL should-hit", "ALL traps"]
    lines = ["| recall | verifier | veto | split | " + " | ".join(cats) + " |",
             "|---" * (len(cats) + 4) + "|"]
    for t, v, veto in points:
        rs = rates(by_veto[veto], t, v)
        for split in ("train", "heldout"):
            cells = []
            for c in cats:
                k, n = rs.get((split, c), (0, 0))
                cells.append(f"{k}/{n} ({100 * k / n:.1f}%)" if n else "-")
            vv = "off" if v is None else f"{v:.2f}"
            lines.append(f"| {t:.2f} | {vv} | {'on' if veto else 'off'} | {split} | " +
                         " | ".join(cells) + " |")
    return "\n".join(lines)


def other_table(by_veto, points):
    cats = [("qqp", "qqp_duplicate"), ("qqp", "qqp_different")] + sorted(
        {group(r) for r in by_veto[True] if group(r)[0] == "old"})
    lines = ["| recall | verifier | veto | " + " | ".join(f"{s}:{c}" for s, c in cats) + " |",
             "|---" * (len(cats) + 3) + "|"]
    for t, v, veto in points:
        rs = rates(by_veto[veto], t, v)
        cells = []
        for key in cats:
            k, n = rs.get(key, (0, 0))
            cells.append(f"{k}/{n} ({100 * k / n:.1f}%)" if n else "-")
        vv = "off" if v is None else f"{v:.2f}"
        lines.append(f"| {t:.2f} | {vv} | {'on' if veto else 'off'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def curve(results, split, t):
    """(trap rate, should-hit rate) as the verifier threshold sweeps 0..1 at recall t."""
    pts = []
    for i in range(101):
        rs = rates(results, t, i / 100)
        hit = rs.get((split, "ALL should-hit"), (0, 1))
        trap = rs.get((split, "ALL traps"), (0, 1))
        pts.append((trap[0] / max(trap[1], 1), hit[0] / max(hit[1], 1), i / 100))
    return pts


def plot(by_veto, path, recalls, chosen):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    for ax, split in zip(axes, ("train", "heldout", "qqp")):
        for veto, style in ((False, "--"), (True, "-")):
            for t in recalls:
                pts = curve(by_veto[veto], split, t)
                ax.plot([100 * p[0] for p in pts], [100 * p[1] for p in pts], style,
                        label=f"recall {t:.2f}, veto {'on' if veto else 'off'}")
            legacy = rates(by_veto[True], 0.93, None)
            h = legacy.get((split, "ALL should-hit"), (0, 1))
            tr = legacy.get((split, "ALL traps"), (0, 1))
            ax.plot([100 * tr[0] / max(tr[1], 1)], [100 * h[0] / max(h[1], 1)], "ks")
        t, v, veto = chosen
        rs = rates(by_veto[veto], t, v)
        h = rs.get((split, "ALL should-hit"), (0, 1))
        tr = rs.get((split, "ALL traps"), (0, 1))
        ax.plot([100 * tr[0] / max(tr[1], 1)], [100 * h[0] / max(h[1], 1)], "r*", markersize=14)
        ax.set_title({"train": "own set, train split", "heldout": "own set, held-out split",
                      "qqp": "QQP sample (duplicates vs not)"}[split])
        ax.set_xlabel("traps served (wrong answers), %")
        ax.set_ylabel("should-hit served, %")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("L1b: verifier threshold swept 0..1 per curve; black square = old default "
                 "(cosine 0.93 + veto, no verifier); red star = shipped default")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


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


def shipped_defaults(bin_path):
    """(recall, verifier, veto) from `isartor config --reference` (the config table)."""
    import subprocess
    ref = subprocess.run([str(bin_path), "config", "--reference"], capture_output=True,
                         text=True, check=True).stdout
    vals = {}
    for line in ref.splitlines():
        for name in ("ISARTOR__SIMILARITY_THRESHOLD", "ISARTOR__SEMANTIC_VERIFIER_THRESHOLD",
                     "ISARTOR__SEMANTIC_LEXICAL_VETO"):
            if f"`{name}`" in line and name not in vals:
                cells = [c.strip().strip("`") for c in line.split("|")]
                vals[name] = cells[3]  # | variable | key | default | meaning |
    return (float(vals["ISARTOR__SIMILARITY_THRESHOLD"]),
            float(vals["ISARTOR__SEMANTIC_VERIFIER_THRESHOLD"]),
            vals["ISARTOR__SEMANTIC_LEXICAL_VETO"] == "true")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build" / "isartor"))
    ap.add_argument("--qqp", default="/work/shared/data/qqp/pairs.jsonl.gz")
    ap.add_argument("--qqp-sample", type=int, default=1000)
    ap.add_argument("--traps", default=str(ROOT / "bench" / "data" / "semantic_traps.jsonl"))
    ap.add_argument("--own", nargs="*", default=[str(ROOT / "bench" / "data" / "l1b_pairs.jsonl"),
                                                str(ROOT / "bench" / "data" /
                                                    "l1b_conversations.jsonl")])
    ap.add_argument("--plot", default=None, help="write the precision/recall PNG here")
    ap.add_argument("--faq", default="/work/shared/data/isartor-fixtures/faq_loop.jsonl")
    ap.add_argument("--probe-threshold", type=float, default=0.6)
    ap.add_argument("--chosen", type=float, nargs=3, default=None,
                    metavar=("RECALL", "VERIFIER", "VETO"),
                    help="operating point to confirm for real (default: the shipped defaults)")
    ap.add_argument("--no-confirm", action="store_true")
    ap.add_argument("--skip-pairs", action="store_true", help="only speed and FAQ")
    ap.add_argument("--out", default=None, help="write raw results (JSON) here (outside the repo)")
    args = ap.parse_args()

    from conftest import Upstream
    up = Upstream(chunk_delay=0)
    pairs = [json.loads(l) for l in open(args.traps)]
    for path in args.own:
        pairs += [json.loads(l) for l in open(path)]
    if args.qqp and Path(args.qqp).exists():
        qqp = [json.loads(l) for l in gzip.open(args.qqp, "rt")]
        random.Random(4).shuffle(qqp)
        for q in qqp[:args.qqp_sample]:
            pairs.append({"category": "qqp_duplicate" if q["duplicate"] else "qqp_different",
                          "a": q["a"], "b": q["b"], "should_hit": bool(q["duplicate"])})
    defaults = shipped_defaults(args.bin)
    chosen = tuple(args.chosen) if args.chosen else defaults
    chosen = (chosen[0], chosen[1], bool(chosen[2]))
    print(f"shipped defaults: recall {defaults[0]}, verifier {defaults[1]}, "
          f"veto {defaults[2]}", file=sys.stderr)
    if not args.skip_pairs:
        by_veto = {}
        for veto in (False, True):
            gw = start(args.bin, up, ISARTOR__CACHE_MODE="semantic",
                       ISARTOR__SIMILARITY_THRESHOLD=args.probe_threshold,
                       ISARTOR__SEMANTIC_VERIFIER_THRESHOLD=0,
                       ISARTOR__SEMANTIC_LEXICAL_VETO="true" if veto else "false")
            t0 = time.time()
            by_veto[veto] = run_pairs(gw, pairs)
            events = [l for l in gw.metrics().splitlines() if 'cache_layer="l1b"' in l]
            gw.stop()
            print(f"probe run (veto {veto}): {len(pairs)} pairs in {time.time() - t0:.0f}s",
                  file=sys.stderr)
        if args.out:
            json.dump({str(k): v for k, v in by_veto.items()}, open(args.out, "w"))
        t, v, veto = chosen
        points = [(0.93, None, True)]  # the pre-verifier default: cosine 0.93 + lexical veto
        points += [(t, v, veto)]
        for rt in sorted({round(t - 0.05, 2), t, round(t + 0.05, 2)}):
            for vt in sorted({round(v - 0.2, 2), round(v - 0.1, 2), v, round(v + 0.1, 2),
                              round(v + 0.2, 2)}):
                for vo in (True, False):
                    if 0 <= vt <= 1 and (rt, vt, vo) != (t, v, veto):
                        points.append((rt, vt, vo))
        print("## Our sets, per category: served from L1b (probe runs, thresholds applied "
              "offline)\n")
        print("First row: the pre-verifier default (cosine 0.93, lexical veto, no verifier). "
              "Second row: the shipped default. Then the operating points around it.\n")
        print(own_table(by_veto, points))
        print("\n## QQP sample and the older trap set (same operating points)\n")
        print(other_table(by_veto, points))
        print("\nl1b events in the last probe run: " + "; ".join(events))
        if args.plot:
            plot(by_veto, args.plot, sorted({round(t - 0.05, 2), t, round(t + 0.05, 2)}), chosen)
            print(f"\nprecision/recall plot: {args.plot}")
    if not args.no_confirm:
        t, v, veto = chosen
        gw = start(args.bin, up, ISARTOR__CACHE_MODE="semantic",
                   ISARTOR__SIMILARITY_THRESHOLD=t, ISARTOR__SEMANTIC_VERIFIER_THRESHOLD=v,
                   ISARTOR__SEMANTIC_LEXICAL_VETO="true" if veto else "false")
        if not args.skip_pairs:
            confirm = run_pairs(gw, pairs)
            print(f"\n## Confirmation run at recall {t}, verifier {v}, veto {veto} (real, "
                  "not offline)\n")
            # Every hit of this run carries a verifier score >= v, so (t, v) selects all of them.
            print(own_table({veto: confirm}, [(t, v, veto)]))
            print()
            print(other_table({veto: confirm, True: confirm}, [(t, v, veto)]))
            failures = metric(gw.metrics(), "isartor_semantic_verifier_failures_total")
            print(f"\nverifier failures in the confirmation run: {failures:.0f}")
        print("\n## Speed (semantic mode, sequential, plain HTTP client)\n")
        print(json.dumps(speed(gw)))
        gw.stop()
    if args.faq and Path(args.faq).exists() and not args.no_confirm:
        print("\n## FAQ loop (cache mode both, shipped defaults), share per layer\n")
        gw = start(args.bin, up, ISARTOR__CACHE_MODE="both")
        counts = faq(gw, args.faq)
        base = l1a_baseline(gw)
        gw.stop()
        total = sum(counts.values())
        print(" | ".join(f"{k}: {v} ({100 * v / total:.1f}%)" for k, v in sorted(counts.items())))
        print("\nL1a hit baseline, same client: " + json.dumps(base))
    up.stop()


if __name__ == "__main__":
    main()
