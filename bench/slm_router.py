#!/usr/bin/env python3
"""L2 SLM router benchmark: routing accuracy, share routed locally, decision latency, and L2
answer latency with the real Gemma 3 270M model behind the real gateway.

1. Routing: every prompt of bench/data/slm_router_prompts.jsonl (held-out split=eval rows, and
   split=train rows for reference) and, when present, the upstream Isartor workload
   claude_code_todo_app.jsonl (its own template/snippet/complex labels; template and snippet
   count as simple) goes through l2_router_bench, which calls the gateway's l2::Classify
   (MiniLM embedding through the Embedder queue + the trained head) and times each decision.
2. Answers: the gateway (L2 on, L1a/L1b caches bypassed with Cache-Control: no-cache) in front of
   llama-cpp-python's server (alpaca template, stop "###") answers the eval prompts labelled
   simple; end-to-end latency is reported for those answered at l2, plus how many the router
   sent to L3 and how many the quality guard rejected (answered by the test upstream).

  .venv/bin/python bench/slm_router.py --build build-l2 [--answers 30] [--out bench/results/slm_router.md]
Needs scripts/setup_l2.sh (server + model) and scripts/setup_models.sh (MiniLM).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import Gateway, Upstream  # noqa: E402
from test_slm_router import LlamaServer  # noqa: E402

FIXTURE = Path("/work/shared/data/isartor-fixtures/claude_code_todo_app.jsonl")


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def route(bench_bin, prompts):
    stdin = "".join(p.replace("\n", " ") + "\n" for p in prompts)
    out = subprocess.run([str(bench_bin)], input=stdin.encode(), capture_output=True, check=True)
    rows = [json.loads(l) for l in out.stdout.decode().splitlines()]
    assert len(rows) == len(prompts)
    return rows


def routing_row(name, rows, decisions):
    n = len(rows)
    correct = sum((d["local"]) == (r["label"] == "simple") for r, d in zip(rows, decisions))
    simple = [d for r, d in zip(rows, decisions) if r["label"] == "simple"]
    complex_ = [d for r, d in zip(rows, decisions) if r["label"] == "complex"]
    local = sum(d["local"] for d in decisions)
    ms = [d["ms"] for d in decisions]
    return {"set": name, "n": n, "accuracy": correct / n,
            "simple_recall": sum(d["local"] for d in simple) / max(1, len(simple)),
            "complex_recall": sum(not d["local"] for d in complex_) / max(1, len(complex_)),
            "local_share": local / n, "p50_ms": pct(ms, 50), "p95_ms": pct(ms, 95)}


def answers(gw_base, prompts, n):
    out = []
    for p in prompts[:n]:
        t = time.perf_counter()
        r = requests.post(gw_base + "/v1/chat/completions", timeout=600,
                          headers={"cache-control": "no-cache"},
                          json={"model": "gpt-4o-mini", "temperature": 0,
                                "messages": [{"role": "user", "content": p}]})
        dt = time.perf_counter() - t
        text = r.json()["choices"][0]["message"]["content"] if r.status_code == 200 else ""
        out.append({"prompt": p, "layer": r.headers.get("x-isartor-layer"), "s": dt,
                    "text": text, "route": r.headers.get("x-isartor-l2-route", "")})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--answers", type=int, default=30)
    ap.add_argument("--max-answer-tokens", type=int, default=64)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "slm_router.md"))
    args = ap.parse_args()
    build = Path(args.build)
    bench_bin = build / "tests" / "unit" / "l2_router_bench"

    data = [json.loads(l) for l in open(ROOT / "bench" / "data" / "slm_router_prompts.jsonl")]
    sets = {"ours, eval (held out)": [r for r in data if r["split"] == "eval"],
            "ours, train": [r for r in data if r["split"] == "train"]}
    if FIXTURE.exists():
        sets["upstream claude_code_todo_app"] = [
            {"prompt": d["prompt"], "label": "complex" if d["expected_classification"] == "complex"
             else "simple", "category": d["expected_classification"].upper()}
            for d in map(json.loads, open(FIXTURE))]
    table, by_cat, eval_decisions = [], {}, None
    for name, rows in sets.items():
        decisions = route(bench_bin, [r["prompt"] for r in rows])
        table.append(routing_row(name, rows, decisions))
        if name.startswith("ours, eval"):
            eval_decisions = decisions
        if name.startswith("ours, eval") or name.startswith("upstream"):
            for r, d in zip(rows, decisions):
                c = by_cat.setdefault((name.split(",")[0].split()[0], r["category"]), [0, 0, r["label"]])
                c[0] += 1
                c[1] += d["local"]

    eval_rows = sets["ours, eval (held out)"]
    simple_prompts = [r["prompt"] for r in eval_rows if r["label"] == "simple"]
    upstream = Upstream(chunk_delay=0)
    llama = LlamaServer()
    gw = Gateway({"ISARTOR__EXTERNAL_LLM_URL": upstream.url, "ISARTOR__LLM_PROVIDER": "openai",
                  "ISARTOR__CACHE_MODE": "exact", "ISARTOR__ENABLE_SLM_ROUTER": "true",
                  "ISARTOR__LAYER2__SIDECAR_URL": llama.url,
                  "ISARTOR__LAYER2__TIMEOUT_SECONDS": "300",
                  "ISARTOR__LAYER2__MAX_ANSWER_TOKENS": str(args.max_answer_tokens),
                  "ISARTOR__LAYER2__STOP_SEQUENCES": "###"})
    try:
        results = answers(gw.base, simple_prompts, args.answers)
        outcomes = {}
        for line in gw.metrics().splitlines():
            if line.startswith("isartor_l2_requests{"):
                outcomes[line.split('"')[1]] = int(float(line.split()[-1]))
        reasons = {}
        for m in re.finditer(r"quality guard rejected the answer: (\w+)", gw.err_text()):
            reasons[m.group(1)] = reasons.get(m.group(1), 0) + 1
    finally:
        gw.stop()
        llama.stop()
        upstream.stop()
    l2 = [a for a in results if a["layer"] == "l2"]
    l2_s = [a["s"] for a in l2]

    lines = ["# L2 SLM router benchmark", "",
             f"Machine: {os.cpu_count()} cores shared with other work (load average at start "
             f"{os.getloadavg()[0]:.1f}; latencies are inflated by that load). Router: MiniLM embedding + logistic head, threshold 0.40 "
             "on P(complex). Local model: Gemma 3 270M Q4_K_M in llama-cpp-python 0.3.16 "
             "(CPU, 2 threads, alpaca template, stop `###`).", "",
             "## Routing (decision = embedding + head, through the gateway's code path)", "",
             "| prompt set | n | accuracy | simple kept local | complex sent to L3 | share routed locally | decision p50 | decision p95 |",
             "|---|---|---|---|---|---|---|---|"]
    for t in table:
        lines.append(f"| {t['set']} | {t['n']} | {t['accuracy']:.1%} | {t['simple_recall']:.1%} | "
                     f"{t['complex_recall']:.1%} | {t['local_share']:.1%} | {t['p50_ms']:.2f} ms | "
                     f"{t['p95_ms']:.2f} ms |")
    lines += ["", "Per category (share routed locally):", "", "| set | category | label | n | routed locally |",
              "|---|---|---|---|---|"]
    for (s, cat), (n, loc, label) in sorted(by_cat.items()):
        lines.append(f"| {s} | {cat} | {label} | {n} | {loc}/{n} |")
    lines += ["", f"## L2 answers ({len(results)} held-out simple prompts, max {args.max_answer_tokens} tokens, temperature 0)", "",
              "| outcome | count |", "|---|---|",
              f"| answered at l2 | {len(l2)} |",
              f"| answered at l3 | {sum(a['layer'] == 'l3' for a in results)} |", "",
              "Gateway counters (`isartor_l2_requests`) after the run:", "",
              "| " + " | ".join(outcomes) + " |", "|" + "---|" * len(outcomes),
              "| " + " | ".join(str(v) for v in outcomes.values()) + " |", "",
              "`rejected` = the quality guard refused the local answer and L3 answered. Reasons "
              "(from the gateway log): " + (", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
                                            or "none") + ". `empty`: the base model opened with "
              "`###` (the stop string), `truncated`: it did not reach `###` within the token limit.",
              ""]
    if l2_s:
        lines += ["| L2 answer latency (end to end, gateway) | p50 | p95 | max |", "|---|---|---|---|",
                  f"| seconds | {pct(l2_s, 50):.2f} | {pct(l2_s, 95):.2f} | {max(l2_s):.2f} |", ""]
    lines += ["Sample answers given at l2:", ""]
    for a in l2[:6]:
        lines.append(f"- *{a['prompt']}* -> {a['text'].strip()[:160]!r}")
    lines += ["", "Reproduce:", "", "```",
              "scripts/setup_models.sh && scripts/setup_l2.sh",
              "cmake --build build --target isartor l2_router_bench",
              f"ISARTOR_BIN=build/isartor .venv/bin/python bench/slm_router.py --build build --answers {args.answers}",
              "```", ""]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))
    with open(Path(args.out).with_suffix(".answers.jsonl"), "w") as f:
        for a in results:
            f.write(json.dumps(a) + "\n")


if __name__ == "__main__":
    main()
