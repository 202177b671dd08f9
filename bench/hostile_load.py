#!/usr/bin/env python3
"""Hostile load (issue 19, section 4), two cases that need numbers rather than a pass/fail test:

1. 10,000 idle keep-alive connections (each made one request, then went quiet) while other
   clients keep asking: latency of /healthz and of an L1a hit before, during and after, the
   gateway's open fds and RSS, and whether the idle connections are closed at the keep-alive
   deadline (ISARTOR__HEADER_TIMEOUT_SECS) so the fds come back.
2. 1,000 concurrent SSE streams relayed from the upstream (each ~15 events 0.5 s apart): all
   complete with [DONE]?, the gateway's peak RSS and fds, then SIGTERM: exit status.

Both processes need more than 10,000 descriptors: the script raises its soft RLIMIT_NOFILE to
the hard limit (the gateway inherits it); see docs/operations.md, "File descriptors".

    ~/.cache/isartor/bench-venv/bin/python bench/hostile_load.py     # writes bench/results/hostile_load.md
"""
import argparse
import asyncio
import json
import pathlib
import sys
import tempfile
import time

import aiohttp

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import ROOT, Gateway, Upstream, percentile, raise_fd_limit  # noqa: E402

HIT_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]}


async def idle_connection(port, held):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0]
                 .split(b":")[1])
    await r.readexactly(length)
    held.append((r, w))


async def latencies(session, base, n):
    out = {"healthz": [], "l1a": []}
    for _ in range(n):
        t0 = time.monotonic()
        async with session.get(base + "/healthz") as r:
            await r.read()
            assert r.status == 200
        out["healthz"].append(1000 * (time.monotonic() - t0))
        t0 = time.monotonic()
        async with session.post(base + "/v1/chat/completions", json=HIT_BODY) as r:
            await r.read()
            assert r.status == 200 and r.headers["x-isartor-layer"] == "l1a"
        out["l1a"].append(1000 * (time.monotonic() - t0))
    return {k: {"p50": percentile(v, 0.5), "p99": percentile(v, 0.99)} for k, v in out.items()}


async def idle_case(gw, n_idle, keepalive_s):
    report = {"idle_target": n_idle}
    async with aiohttp.ClientSession() as session:
        async with session.post(gw.base + "/v1/chat/completions", json=HIT_BODY) as r:
            await r.read()
        report["before"] = await latencies(session, gw.base, 200)
        report["stats_before"] = gw.stats()
        held = []
        t0 = time.monotonic()
        failures = 0
        for i in range(0, n_idle, 500):  # in batches: the listen backlog is finite
            res = await asyncio.gather(*(idle_connection(gw.port, held)
                                         for _ in range(min(500, n_idle - i))),
                                       return_exceptions=True)
            failures += sum(1 for x in res if isinstance(x, Exception))
        report["open_seconds"] = time.monotonic() - t0
        report["idle_open"] = len(held)
        report["idle_failures"] = failures
        report["stats_idle"] = gw.stats()
        report["during"] = await latencies(session, gw.base, 200)
        # The gateway closes a keep-alive connection that sends nothing within the header
        # deadline: wait (bounded) for the idle sockets to see EOF, then for the fds to return.
        t_wait = time.monotonic()
        closed = 0
        deadline = t_wait + keepalive_s + 60
        for r, w in held:
            try:
                left = max(0.1, deadline - time.monotonic())
                if await asyncio.wait_for(r.read(1), left) == b"":
                    closed += 1
            except (asyncio.TimeoutError, ConnectionError):
                pass
            w.close()
        report["closed_by_gateway"] = closed
        report["close_wait_seconds"] = time.monotonic() - t_wait
        fd_deadline = time.monotonic() + 30
        while time.monotonic() < fd_deadline and gw.stats()["fds"] > report["stats_before"]["fds"] + 20:
            await asyncio.sleep(0.2)
        report["stats_after"] = gw.stats()
        report["after"] = await latencies(session, gw.base, 200)
    return report


async def one_stream(session, base, i, results):
    body = {"model": "gpt-4o-mini", "stream": True,
            "messages": [{"role": "user", "content": f"stream {i} " + " ".join(["w"] * 6)}]}
    try:
        async with session.post(base + "/v1/chat/completions", json=body) as r:
            text = (await r.read()).decode()
            results.append(r.status == 200 and "data: [DONE]" in text)
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        results.append(False)


async def streams_case(gw, n):
    results = []
    peak = {"rss_mb": 0, "fds": 0, "threads": 0}
    before = gw.stats()
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=300)) as s:
        t0 = time.monotonic()
        tasks = [asyncio.create_task(one_stream(s, gw.base, i, results)) for i in range(n)]
        while not all(t.done() for t in tasks):
            st = gw.stats()
            for k in peak:
                peak[k] = max(peak[k], st[k])
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - t0
    return {"streams": n, "completed": sum(results), "seconds": elapsed, "before": before,
            "peak": peak, "after": gw.stats()}


def fmt(l):
    return f"{l['p50']:.2f} / {l['p99']:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--keepalive", type=int, default=45, help="ISARTOR__HEADER_TIMEOUT_SECS")
    ap.add_argument("--binary", default=str(ROOT / "build" / "isartor"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "hostile_load.md"))
    args = ap.parse_args()
    limit = raise_fd_limit()
    tmp = tempfile.mkdtemp(prefix="isartor-hostile-")
    up = Upstream(chunk_delay=0.5, python=sys.executable)
    env = {"ISARTOR__EXTERNAL_LLM_URL": up.url, "ISARTOR__LLM_PROVIDER": "openai",
           "ISARTOR__CACHE_MODE": "exact", "ISARTOR__THREADS": "2",
           "ISARTOR__HEADER_TIMEOUT_SECS": str(args.keepalive)}
    gw = Gateway(args.binary, tmp, env)
    try:
        idle = asyncio.run(idle_case(gw, args.idle, args.keepalive))
        streams = asyncio.run(streams_case(gw, args.streams))
    finally:
        exit_status = gw.stop()
        up.stop()
    result = {"fd_limit": limit, "idle": idle, "streams": streams, "exit_status": exit_status}
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1))
    i, s = idle, streams
    md = f"""# Hostile load: idle keep-alive connections and concurrent streams

Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on a 2-core machine shared with other
jobs (load average {open('/proc/loadavg').read().split()[0]}); gateway with 2 I/O threads,
exact cache, ISARTOR__HEADER_TIMEOUT_SECS={args.keepalive}; RLIMIT_NOFILE {limit} for the client
and the gateway. Reproduce: `~/.cache/isartor/bench-venv/bin/python bench/hostile_load.py`.

## {args.idle} idle keep-alive connections

Each made one `GET /healthz` and then stayed silent. {i['idle_open']} were open after
{i['open_seconds']:.1f} s ({i['idle_failures']} failed to connect).

| | gateway fds | RSS MiB | /healthz p50 / p99 ms | L1a hit p50 / p99 ms |
|---|---|---|---|---|
| before | {i['stats_before']['fds']} | {i['stats_before']['rss_mb']:.1f} | {fmt(i['before']['healthz'])} | {fmt(i['before']['l1a'])} |
| with the idle connections | {i['stats_idle']['fds']} | {i['stats_idle']['rss_mb']:.1f} | {fmt(i['during']['healthz'])} | {fmt(i['during']['l1a'])} |
| after they were closed | {i['stats_after']['fds']} | {i['stats_after']['rss_mb']:.1f} | {fmt(i['after']['healthz'])} | {fmt(i['after']['l1a'])} |

(200 sequential requests of each kind per row, from a separate client connection.)
The gateway closed {i['closed_by_gateway']} of the {i['idle_open']} idle connections itself at
the keep-alive deadline (the last one {i['close_wait_seconds']:.0f} s after the end of the
latency measurement).

## {args.streams} concurrent SSE streams

Relayed from the test upstream (one stream = ~15 events, 0.5 s apart).
{s['completed']} of {s['streams']} completed with `data: [DONE]` in {s['seconds']:.1f} s.
Gateway RSS {s['before']['rss_mb']:.1f} MiB before, peak **{s['peak']['rss_mb']:.1f} MiB**,
{s['after']['rss_mb']:.1f} MiB after; peak fds {s['peak']['fds']} (client + upstream side),
threads {s['peak']['threads']}.

Exit status after SIGTERM: **{exit_status}**.
"""
    out.write_text(md)
    print(md)


if __name__ == "__main__":
    main()
