#!/usr/bin/env python3
"""Soak (issue 19, section 5): a mixed workload at half the measured maximum rate for an hour,
sampling the gateway's RSS, open fds and threads and the latency p50/p99 every 10 s.

Mix (per request, drawn at random): L1a hits (a repeated prompt), L1b hits (a warmed prompt
with unique trailing whitespace: the exact key differs, the embedding does not),
misses (a unique prompt, answered by the upstream), streams (a unique prompt, stream:true, read
to the end), upstream errors (the prompt asks the test upstream for a 503) and client
disconnects (a stream the client drops after the first event).
Phases: warm the caches; find the maximum rate (closed loop, CONCURRENCY clients, --probe s);
then run open-loop at --fraction of it for --duration s. An error is any answer other than the
expected one (status, layer header, complete stream); injected 5xx answers are counted apart.
After --warmup s, RSS and fds should stay flat (the issue's goal: within +-5%).

    python -m venv ~/.cache/isartor/bench-venv && ~/.cache/isartor/bench-venv/bin/pip install aiohttp matplotlib
    nice -n 10 ~/.cache/isartor/bench-venv/bin/python bench/soak.py            # 1 hour
    ~/.cache/isartor/bench-venv/bin/python bench/soak.py --duration 120 --out /tmp/soak.md
Writes bench/results/soak.md, soak.json and soak.png (or next to --out).
"""
import argparse
import asyncio
import itertools
import json
import pathlib
import platform
import random
import subprocess
import sys
import tempfile
import time

import aiohttp

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import ROOT, Gateway, Upstream, percentile, raise_fd_limit  # noqa: E402

MIX = {"l1a": 0.35, "l1b": 0.15, "miss": 0.20, "stream": 0.15, "error": 0.05, "disconnect": 0.10}
BASE_PROMPTS = [
    "How do I reset my router password?",
    "What is the capital of France?",
    "Explain the difference between TCP and UDP.",
    "How can I make my laptop battery last longer?",
    "What are the health benefits of green tea?",
    "How do I change a flat tire on a bicycle?",
    "What is the boiling point of water at high altitude?",
    "Give me tips for a job interview.",
]
CONCURRENCY = 32
SAMPLE_EVERY = 10.0
counter = itertools.count()


def chat(prompt, stream=False):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}
    if stream:
        body["stream"] = True
    return body


class Stats:
    def __init__(self):
        self.window = []       # latencies (s) of requests finished in the current window
        self.window_hits = []  # of L1a/L1b hits only
        self.counts = {k: 0 for k in MIX}
        self.errors = []       # (kind, what) for answers other than expected
        self.injected = 0      # 5xx answers to the error kind, as asked
        self.unexpected_layer = 0  # 200 from another layer than the kind aimed at
        self.unexpected_by = {}    # "kind->layer": count, for those
        self.shed = 0          # launches skipped because CONCURRENCY_CAP requests were in flight

    def take_window(self):
        w, h = self.window, self.window_hits
        self.window, self.window_hits = [], []
        return w, h


async def one(session, base, kind, stats):
    n = next(counter)
    t0 = time.monotonic()
    try:
        if kind == "l1a":
            prompt, expect = BASE_PROMPTS[n % len(BASE_PROMPTS)], "l1a"
        elif kind == "l1b":
            # n written in spaces and tabs: a new exact key every time, the same tokens.
            ws = "".join(" " if b == "0" else "\t" for b in bin(n)[2:])
            prompt, expect = BASE_PROMPTS[n % len(BASE_PROMPTS)] + " " + ws, "l1b"
        elif kind == "error":
            prompt, expect = f"please fail #status=503 ({n})", None
        else:
            prompt, expect = f"unique question {n} at {time.time():.6f}", "l3"
        if kind in ("stream", "disconnect"):
            async with session.post(base + "/v1/chat/completions", json=chat(prompt, True)) as r:
                if r.status != 200:
                    stats.errors.append((kind, f"status {r.status}"))
                    return
                if kind == "disconnect":
                    await r.content.readline()
                    r.close()  # drops the connection mid-stream
                else:
                    text = (await r.read()).decode()
                    if "data: [DONE]" not in text:
                        stats.errors.append((kind, "stream without [DONE]"))
                        return
        else:
            async with session.post(base + "/v1/chat/completions", json=chat(prompt)) as r:
                await r.read()
                if kind == "error":
                    if r.status >= 500:
                        stats.injected += 1
                    else:
                        stats.errors.append((kind, f"status {r.status} for an injected 503"))
                    return
                if r.status != 200:
                    stats.errors.append((kind, f"status {r.status}"))
                    return
                layer = r.headers.get("x-isartor-layer")
                if layer != expect:
                    stats.unexpected_layer += 1
                    key = f"{kind}->{layer}"
                    stats.unexpected_by[key] = stats.unexpected_by.get(key, 0) + 1
        dt = time.monotonic() - t0
        stats.window.append(dt)
        if kind in ("l1a", "l1b"):
            stats.window_hits.append(dt)
        stats.counts[kind] += 1
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
        stats.errors.append((kind, type(e).__name__ + ": " + str(e)[:120]))


def pick(rng):
    x = rng.random()
    for kind, w in MIX.items():
        if x < w:
            return kind
        x -= w
    return "l1a"


async def warm(session, base):
    for p in BASE_PROMPTS:  # first ask is a miss (L3); the second must hit L1a
        async with session.post(base + "/v1/chat/completions", json=chat(p)) as r:
            await r.read()
            assert r.status == 200, r.status
        async with session.post(base + "/v1/chat/completions", json=chat(p)) as r:
            await r.read()
            assert r.headers.get("x-isartor-layer") == "l1a", r.headers


async def probe(session, base, seconds, rng):
    stats = Stats()
    end = time.monotonic() + seconds

    async def worker():
        while time.monotonic() < end:
            await one(session, base, pick(rng), stats)
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    done = sum(stats.counts.values()) + stats.injected
    return done / seconds, stats


async def soak(session, gw, rate, seconds, rng, samples):
    stats = Stats()
    cap = asyncio.Semaphore(512)
    tasks = set()
    start = time.monotonic()
    next_sample = start + SAMPLE_EVERY
    next_launch = start
    while True:
        now = time.monotonic()
        if now >= start + seconds:
            break
        if now >= next_sample:
            lat, hits = stats.take_window()
            s = gw.stats()
            s.update({"t": round(now - start, 1), "requests": len(lat),
                      "p50_ms": 1000 * percentile(lat, 0.5) if lat else None,
                      "p99_ms": 1000 * percentile(lat, 0.99) if lat else None,
                      "hit_p50_ms": 1000 * percentile(hits, 0.5) if hits else None,
                      "hit_p99_ms": 1000 * percentile(hits, 0.99) if hits else None,
                      "errors": len(stats.errors), "in_flight": len(tasks),
                      "load1": float(open("/proc/loadavg").read().split()[0])})
            samples.append(s)
            print(json.dumps(s), flush=True)
            next_sample += SAMPLE_EVERY
        while next_launch <= now:
            next_launch += rng.expovariate(rate)
            if cap.locked():
                stats.shed += 1
                continue

            async def run(kind=pick(rng)):
                async with cap:
                    await one(session, gw.base, kind, stats)
            t = asyncio.create_task(run())
            tasks.add(t)
            t.add_done_callback(tasks.discard)
        await asyncio.sleep(min(next_launch, next_sample) - time.monotonic() if
                            min(next_launch, next_sample) > time.monotonic() else 0)
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    return stats


def flatness(samples, key, warmup):
    vals = [s[key] for s in samples if s["t"] >= warmup]
    if not vals:
        return None
    mid = sorted(vals)[len(vals) // 2]
    return {"first": vals[0], "last": vals[-1], "min": min(vals), "max": max(vals),
            "median": mid, "band_pct": 100 * (max(vals) - min(vals)) / mid if mid else 0.0,
            "last_vs_first_pct": 100 * (vals[-1] - vals[0]) / vals[0] if vals[0] else 0.0}


def plot(samples, warmup, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = [s["t"] / 60 for s in samples]
    fig, ax = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
    ax[0].plot(t, [s["rss_mb"] for s in samples]); ax[0].set_ylabel("RSS (MiB)")
    ax[1].plot(t, [s["fds"] for s in samples]); ax[1].set_ylabel("open fds")
    ax[2].plot(t, [s["threads"] for s in samples]); ax[2].set_ylabel("threads")
    ax[3].plot(t, [s["p50_ms"] for s in samples], label="p50 (all)")
    ax[3].plot(t, [s["p99_ms"] for s in samples], label="p99 (all)")
    ax[3].plot(t, [s["hit_p99_ms"] for s in samples], label="p99 (cache hits)")
    ax[3].set_ylabel("latency (ms)"); ax[3].set_yscale("log"); ax[3].legend()
    ax[3].set_xlabel("minutes (dotted: end of warm-up)")
    for a in ax:
        a.axvline(warmup / 60, color="grey", linestyle=":")
        a.grid(alpha=0.3)
    fig.suptitle("isartor soak: mixed workload at half the measured maximum rate")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def git_rev():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def write_report(out, args, max_rate, rate, probe_stats, stats, samples, exit_status, started):
    warm = args.warmup
    rss = flatness(samples, "rss_mb", warm)
    fds = flatness(samples, "fds", warm)
    thr = flatness(samples, "threads", warm)
    after = [s for s in samples if s["t"] >= warm]
    p50s = [s["p50_ms"] for s in after if s["p50_ms"] is not None]
    p99s = [s["p99_ms"] for s in after if s["p99_ms"] is not None]
    data = {"args": vars(args), "max_rate": max_rate, "rate": rate, "samples": samples,
            "counts": stats.counts, "errors": stats.errors[:200], "error_count": len(stats.errors),
            "injected": stats.injected, "unexpected_layer": stats.unexpected_layer,
            "unexpected_by": stats.unexpected_by,
            "shed": stats.shed, "exit_status": exit_status, "rss": rss, "fds": fds,
            "threads": thr, "probe_errors": probe_stats.errors[:50]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(data, indent=1))
    png = out.with_suffix(".png")
    plot(samples, warm, png)
    total = sum(stats.counts.values()) + stats.injected

    def row(name, f, unit):
        if not f:
            return f"| {name} | – | – | – | – | – |"
        return (f"| {name} | {f['first']:.1f}{unit} | {f['last']:.1f}{unit} | "
                f"{f['min']:.1f}–{f['max']:.1f}{unit} | {f['band_pct']:.1f}% | "
                f"{f['last_vs_first_pct']:+.1f}% |")
    lines = [
        "# Soak: mixed workload at half the measured maximum rate",
        "",
        f"Run {started} UTC, binary {args.binary} built from {args.binary_commit or git_rev()}, {platform.node()} ({platform.machine()}), "
        f"load average at the end {open('/proc/loadavg').read().split()[0]}.",
        "",
        "```",
        "nice -n 10 ~/.cache/isartor/bench-venv/bin/python bench/soak.py " +
        " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "out"),
        "```",
        "",
        f"- Maximum rate, measured first (closed loop, {CONCURRENCY} clients, {args.probe:.0f} s, "
        f"same mix): **{max_rate:.0f} req/s** (errors in that probe: {len(probe_stats.errors)}).",
        f"- Soak rate: **{rate:.0f} req/s** open loop (Poisson arrivals) for **{args.duration / 60:.1f} min** "
        f"({args.duration:.0f} s); {total} requests finished.",
        "- Mix: " + ", ".join(f"{k} {int(v * 100)}%" for k, v in MIX.items()) +
        " (answers: " + ", ".join(f"{k} {stats.counts[k]}" for k in MIX) +
        f", injected 5xx {stats.injected}).",
        f"- Errors beyond the injected ones: **{len(stats.errors)}**; answers from another layer "
        f"than aimed at: {stats.unexpected_layer} ({stats.unexpected_by or 'none'}); launches shed by "
        f"the client cap: {stats.shed}.",
        f"- Exit status after SIGTERM at the end: **{exit_status}**.",
        "",
        f"After the {warm:.0f} s warm-up (samples every {SAMPLE_EVERY:.0f} s):",
        "",
        "| metric | first | last | range | band (max−min)/median | last vs first |",
        "|---|---|---|---|---|---|",
        row("RSS", rss, " MiB"), row("open fds", fds, ""), row("threads", thr, ""),
        "",
        f"Latency per 10 s window after warm-up: p50 {min(p50s):.1f}–{max(p50s):.1f} ms, "
        f"p99 {min(p99s):.1f}–{max(p99s):.1f} ms." if p50s else "No latency samples.",
        "",
        f"![soak plot]({png.name})",
        "",
    ]
    if stats.errors:
        lines += ["First errors:", ""] + [f"- {k}: {w}" for k, w in stats.errors[:10]] + [""]
    out.write_text("\n".join(lines))


async def main_async(args, gw, started):
    rng = random.Random(19)
    timeout = aiohttp.ClientTimeout(total=120)
    conn = aiohttp.TCPConnector(limit=600)
    async with aiohttp.ClientSession(timeout=timeout, connector=conn) as session:
        await warm(session, gw.base)
        max_rate, probe_stats = await probe(session, gw.base, args.probe, rng)
        rate = args.rate or max_rate * args.fraction
        print(f"max {max_rate:.1f} req/s -> soak at {rate:.1f} req/s", flush=True)
        samples = []
        stats = await soak(session, gw, rate, args.duration, rng, samples)
    return max_rate, rate, probe_stats, stats, samples


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=3600)
    ap.add_argument("--warmup", type=float, default=300)
    ap.add_argument("--probe", type=float, default=30)
    ap.add_argument("--fraction", type=float, default=0.5)
    ap.add_argument("--rate", type=float, default=0, help="fixed rate instead of probing")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--binary", default=str(ROOT / "build" / "isartor"))
    ap.add_argument("--binary-commit", default="",
                    help="commit the binary was built from, for the report (default: this tree's)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "soak.md"))
    args = ap.parse_args()
    raise_fd_limit()
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    tmp = tempfile.mkdtemp(prefix="isartor-soak-")
    up = Upstream(chunk_delay=0.02, python=sys.executable)
    gw = Gateway(args.binary, tmp, {
        "ISARTOR__EXTERNAL_LLM_URL": up.url, "ISARTOR__LLM_PROVIDER": "openai",
        "ISARTOR__CACHE_MODE": "both", "ISARTOR__CACHE_MAX_CAPACITY": "2000",
        "ISARTOR__THREADS": str(args.threads)})
    try:
        max_rate, rate, probe_stats, stats, samples = asyncio.run(main_async(args, gw, started))
    finally:
        exit_status = gw.stop()
        up.stop()
    write_report(pathlib.Path(args.out), args, max_rate, rate, probe_stats, stats, samples,
                 exit_status, started)
    print(pathlib.Path(args.out).read_text())


if __name__ == "__main__":
    main()
