#!/usr/bin/env python3
"""HTTP benchmark: isartor vs nginx on the same machine, in one run.

Measures with wrk (keep-alive, POST, the same small JSON chat-completion body, same concurrency):
  (1) L1a hit: isartor answering a repeated prompt from its exact cache (warmed with one request,
      header X-Isartor-Layer: l1a checked) vs nginx `return 200` with the exact body bytes the
      gateway returns;
  (2) L3 pass-through: isartor forwarding to an upstream (every request carries
      `Cache-Control: no-cache`, so L1a lookup is skipped and each request really goes upstream;
      header X-Isartor-Layer: l3 checked) vs nginx `proxy_pass` (upstream keepalive 64) to the
      SAME upstream: a second nginx returning a fixed OpenAI chat.completion JSON.
Every gateway run is also checked through /metrics: the isartor_requests_total counter of the
expected layer must grow by what wrk reports, and wrk must see no errors or non-2xx answers.

Each (threads, concurrency, scenario, server) cell is measured ROUNDS times, interleaved (round
robin over all cells, alternating which server goes first), and the median of the rounds is
reported. The machine has 2 cores shared by wrk, the gateway, nginx and the upstream, so only
ratios within one run mean something.

    /work/main/.venv/bin/python bench/http_bench.py            # writes bench/results/http.md
    .venv/bin/python bench/http_bench.py --rounds 1 --duration 2 --out /tmp/x.md   # quick look

The gateway binary (default build/isartor) is copied to a temp dir first so a concurrent rebuild
cannot change it mid-run. Its per-request JSON log line (stdout) goes to a file in that temp dir;
nginx runs with access_log off (its ceiling, as in docs NOTES).
"""
import argparse
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
ANALYSIS_MARKER = "<!-- analysis below is kept when the script rewrites this file -->"

# The client's request: a small OpenAI chat completion.
REQUEST_BODY = json.dumps({
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France? Answer in one word."},
    ],
    "temperature": 0,
    "max_tokens": 16,
}, separators=(",", ":"))

# What the test upstream answers to every POST /v1/chat/completions.
UPSTREAM_BODY = json.dumps({
    "id": "chatcmpl-bench0001",
    "object": "chat.completion",
    "created": 1764000000,
    "model": "gpt-4o-mini",
    "choices": [{
        "index": 0,
        "message": {"role": "assistant", "content": "Paris."},
        "finish_reason": "stop",
    }],
    "usage": {"prompt_tokens": 27, "completion_tokens": 2, "total_tokens": 29},
}, separators=(",", ":"))

NGINX_COMMON = """
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
worker_processes {workers};
worker_rlimit_nofile 65536;
events {{ worker_connections 4096; multi_accept on; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_buffer_size 64k;
  {http_extra}
  server {{
    listen 127.0.0.1:{port} {listen_extra}reuseport backlog=4096;
    {server_body}
  }}
}}
"""


def nginx_string(s):
    """Quotes s for an nginx config string literal."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """User+system CPU seconds consumed so far by every thread of the given processes."""
    total = 0
    for pid in pids:
        for stat in pathlib.Path(f"/proc/{pid}/task").glob("*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # thread ended
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


class Nginx:
    """One private nginx (never the system service): generated config in its own prefix dir."""

    def __init__(self, tmp, name, workers, http_extra, server_body, listen_extra=""):
        self.prefix = pathlib.Path(tmp) / name
        self.prefix.mkdir()
        self.port = free_port()
        self.name = name
        conf = NGINX_COMMON.format(prefix=self.prefix, workers=workers, port=self.port,
                                   http_extra=http_extra, server_body=server_body,
                                   listen_extra=listen_extra)
        (self.prefix / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(
            ["nginx", "-c", str(self.prefix / "nginx.conf"), "-p", str(self.prefix),
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(self.port, self.proc, name)
        self.url = f"http://127.0.0.1:{self.port}"

    def worker_pids(self):
        path = pathlib.Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown of master and workers
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def nginx_return(tmp, name, workers, body, content_type):
    server = ("location / {\n      default_type " + content_type + ";\n"
              "      return 200 " + nginx_string(body) + ";\n    }")
    return Nginx(tmp, name, workers, "", server)


def nginx_proxy(tmp, name, workers, upstream_port):
    http_extra = ("upstream llm { server 127.0.0.1:%d; keepalive 64; }" % upstream_port)
    server = ("location / {\n      proxy_pass http://llm;\n      proxy_http_version 1.1;\n"
              "      proxy_set_header Connection \"\";\n      proxy_buffering on;\n    }")
    return Nginx(tmp, name, workers, http_extra, server)


class Gateway:
    def __init__(self, binary, tmp, threads, upstream_url, extra_env=None):
        self.port = free_port()
        self.threads = threads
        env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
        env.update({
            "ISARTOR__HOST_PORT": f"127.0.0.1:{self.port}",
            "ISARTOR__THREADS": str(threads),
            "ISARTOR__EXTERNAL_LLM_URL": upstream_url,
            "ISARTOR__LLM_PROVIDER": "openai",
            "ISARTOR__CACHE_MODE": "exact",
            "ISARTOR__LOG_LEVEL": "warn",
            **(extra_env or {}),
        })
        self.log_path = pathlib.Path(tmp) / f"isartor-t{threads}.log"
        self.err_path = pathlib.Path(tmp) / f"isartor-t{threads}.err"
        self.proc = subprocess.Popen([str(binary), "up"], env=env,
                                     stdout=open(self.log_path, "wb"),
                                     stderr=open(self.err_path, "wb"))
        wait_port(self.port, self.proc, f"isartor (threads={threads})")
        self.url = f"http://127.0.0.1:{self.port}"

    def worker_pids(self):
        return [self.proc.pid]

    def truncate_log(self):
        # The per-request log line is part of the measured cost; keep the file from growing.
        os.truncate(self.log_path, 0)

    def requests_by_layer(self):
        text = urllib.request.urlopen(self.url + "/metrics", timeout=5).read().decode()
        counts = {}
        for line in text.splitlines():
            if not line.startswith("isartor_requests_total{"):
                continue
            # Labels read like L1a_ExactCache, L3_Cloud: keyed here by the short name (l1a, l3).
            label = re.search(r'final_layer="([^"_]*)', line).group(1).lower()
            counts[label] = counts.get(label, 0) + float(line.rsplit(" ", 1)[1])
        return counts

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def post(url, no_cache=False):
    headers = {"Content-Type": "application/json"}
    if no_cache:
        headers["Cache-Control"] = "no-cache"
    req = urllib.request.Request(url + "/v1/chat/completions", data=REQUEST_BODY.encode(),
                                 headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, dict(resp.headers), resp.read()


WRK_LUA = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{extra}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {{\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d," ..
    "\\"mean_us\\":%.1f,\\"max_us\\":%d,\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d," ..
    "\\"status\\":%d,\\"timeout\\":%d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_lua(tmp, name, no_cache):
    path = pathlib.Path(tmp) / name
    extra = 'wrk.headers["Cache-Control"] = "no-cache"' if no_cache else ""
    path.write_text(WRK_LUA.format(body=lua_string(REQUEST_BODY), extra=extra))
    return path


def run_wrk(url, script, conns, duration, threads=1):
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency", "-s", str(script),
           url + "/v1/chat/completions"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if not m:
        raise RuntimeError("wrk output without RESULT line:\n" + out)
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def loadavg():
    return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])


def machine_info():
    cpu = "?"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = pathlib.Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    nginx_v = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(int(mem) / 2**20, 1),
            "kernel": platform.release(), "nginx": nginx_v,
            "wrk": wrk_v.split(" Copyright")[0].strip()}


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "src"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (src/ has uncommitted changes)" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "?"


def check_answer(status, headers, layer):
    got = {k.lower(): v for k, v in headers.items()}.get("x-isartor-layer")
    if status != 200 or got != layer:
        raise RuntimeError(f"expected 200 with X-Isartor-Layer: {layer}, got {status} {got}")


def measure(cells, args, log):
    """cells: list of (key, server, lua, expected-layer-or-None). Interleaved rounds.

    Besides wrk's numbers, records the CPU time the measured server (gateway process, or the
    nginx workers; never the shared upstream) used per answered request: under CPU contention
    from other processes RPS follows the share of the cores each contender gets, while CPU per
    request is a property of the server itself."""
    results = {c[0]: [] for c in cells}
    for rnd in range(args.rounds):
        order = cells if rnd % 2 == 0 else list(reversed(cells))
        for key, server, lua, layer in order:
            gw = server if isinstance(server, Gateway) else None
            before = gw.requests_by_layer() if gw else None
            pids = server.worker_pids()
            cpu0 = cpu_seconds(pids)
            r = run_wrk(server.url, lua, key[1], args.duration)
            r["cpu_us_per_req"] = (cpu_seconds(pids) - cpu0) * 1e6 / max(r["requests"], 1)
            if r["errors"]:
                raise RuntimeError(f"{key}: wrk saw errors {r}")
            if gw:
                after = gw.requests_by_layer()
                grown = after.get(layer, 0) - before.get(layer, 0)
                # wrk counts only completed responses; in-flight ones at the end also reach the
                # gateway, so the counter may be up to `conns` higher.
                if not (r["requests"] <= grown <= r["requests"] + key[1]):
                    raise RuntimeError(f"{key}: {layer} counter grew {grown}, wrk saw "
                                       f"{r['requests']}; other layers {after}")
                gw.truncate_log()
            r["load"] = loadavg()
            results[key].append(r)
            log(f"round {rnd + 1} {key}: {r['rps']:.0f} rps p50 {r['p50_us'] / 1e3:.3f} ms "
                f"p99 {r['p99_us'] / 1e3:.3f} ms cpu {r['cpu_us_per_req']:.1f} us/req "
                f"(load {r['load']})")
    return results


def median_of(runs, field):
    return statistics.median(r[field] for r in runs)


def fmt_ms(us):
    return f"{us / 1e3:.2f}"


def render(results, args, info, loads, body_len, started):
    lines = ["# HTTP benchmark: isartor vs nginx", "",
             f"Measured {started} on this machine by `.venv/bin/python bench/http_bench.py` "
             f"(gateway at commit {git_rev()}).", "",
             f"- Machine: {info['cpu']}, {info['cores']} cores (shared by wrk, gateway, nginx and "
             f"the upstream), {info['mem_gib']} GiB, Linux {info['kernel']}; {info['nginx']}; "
             f"{info['wrk']}.",
             f"- Load average (1/5/15 min) before: {loads[0]}; after: {loads[1]}.",
             f"- wrk -t1 -c<C> -d{args.duration}s, keep-alive, POST /v1/chat/completions with the "
             f"same {len(REQUEST_BODY)}-byte JSON body; {args.rounds} interleaved rounds per cell, "
             "median reported (RPS, p50, p99 are each the median over rounds).",
             f"- L1a: isartor answers from its exact cache (warmed; `X-Isartor-Layer: l1a` "
             f"checked, and the l1a counter in /metrics grew by what wrk counted) vs nginx "
             f"`return 200` with the same {body_len} body bytes.",
             "- L3: every request carries `Cache-Control: no-cache` (lookup skipped, each request "
             "forwarded; `X-Isartor-Layer: l3` and the l3 counter checked) vs nginx `proxy_pass` "
             "(upstream keepalive 64). Both go to the SAME upstream: a separate nginx "
             "(1 worker) returning a fixed "
             f"{len(UPSTREAM_BODY)}-byte chat.completion JSON.",
             "- Threads T: `ISARTOR__THREADS=T` for the gateway, `worker_processes T` for the "
             "nginx it is compared with. Gateway stdout (one JSON log line per request) goes to "
             "a file; nginx has access_log off.",
             "- CPU µs/req: user+system CPU time of the measured server (gateway process; nginx "
             "workers, not the shared upstream) divided by the requests wrk completed. It does not "
             "depend on how much of the cores other processes took, unlike RPS.", "",
             "| scenario | T | C | isartor RPS | nginx RPS | RPS ratio | isartor p50 / p99 ms | "
             "nginx p50 / p99 ms | p99 ratio | CPU µs/req isartor / nginx | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in args.threads:
        for c in args.conns:
            for scen in ("l1a", "l3"):
                g = results.get((scen, c, t, "isartor"))
                n = results.get((scen, c, t, "nginx"))
                if not g or not n:
                    continue
                g_rps, n_rps = median_of(g, "rps"), median_of(n, "rps")
                g50, g99 = median_of(g, "p50_us"), median_of(g, "p99_us")
                n50, n99 = median_of(n, "p50_us"), median_of(n, "p99_us")
                rr, pr = g_rps / n_rps, g99 / n99
                g_cpu, n_cpu = median_of(g, "cpu_us_per_req"), median_of(n, "cpu_us_per_req")
                if scen == "l1a":
                    ok = rr >= 0.9
                    target = f"RPS ≥ 0.9×: {'met' if ok else 'MISSED'}"
                else:
                    ok = rr >= 0.8 and pr <= 1.25
                    target = (f"RPS ≥ 0.8×, p99 ≤ 1.25×: {'met' if ok else 'MISSED'}")
                name = "L1a hit vs `return 200`" if scen == "l1a" else "L3 vs `proxy_pass`"
                lines.append(
                    f"| {name} | {t} | {c} | {g_rps:,.0f} | {n_rps:,.0f} | {rr:.2f} | "
                    f"{fmt_ms(g50)} / {fmt_ms(g99)} | {fmt_ms(n50)} / {fmt_ms(n99)} | "
                    f"{pr:.2f} | {g_cpu:.1f} / {n_cpu:.1f} | {target} |")
    lines += ["", "<details><summary>Every round (RPS, p50 ms, p99 ms, CPU µs/req, load average "
              "after)"
              "</summary>", "", "| cell | rounds |", "|---|---|"]
    for key, runs in results.items():
        scen, c, t, who = key
        cells = "; ".join(f"{r['rps']:,.0f}, {fmt_ms(r['p50_us'])}, {fmt_ms(r['p99_us'])}, "
                          f"{r['cpu_us_per_req']:.1f} [{r['load']}]" for r in runs)
        lines.append(f"| {scen} T={t} C={c} {who} | {cells} |")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "isartor"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--conns", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "http.md"))
    ap.add_argument("--keep", action="store_true",
                    help="leave everything running after measuring (prints ports; Ctrl-C ends)")
    args = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (Debian package {tool if tool == 'wrk' else 'nginx-light'})")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    # SIGTERM/SIGHUP end the run through the finally below, which stops every child we started.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit("http_bench: terminated"))
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    tmp = tempfile.mkdtemp(prefix="isartor-http-bench-")
    binary = pathlib.Path(tmp) / "isartor"
    shutil.copy2(args.binary, binary)
    procs = []
    try:
        upstream = Nginx(tmp, "upstream", 1, "",
                         "location = /v1/chat/completions {\n      default_type application/json;"
                         "\n      return 200 " + nginx_string(UPSTREAM_BODY) + ";\n    }")
        procs.append(upstream)
        gateways = {}
        for t in args.threads:
            gateways[t] = Gateway(binary, tmp, t, upstream.url + "/v1")
            procs.append(gateways[t])
        # Warm the exact cache and take the exact bytes the gateway answers with.
        gw0 = gateways[args.threads[0]]
        check_answer(*post(gw0.url, no_cache=True)[:2], "l3")
        l1a_bodies = set()
        for gw in gateways.values():
            post(gw.url)  # miss → l3, stored
            status, headers, body = post(gw.url)
            check_answer(status, headers, "l1a")
            ctype = {k.lower(): v for k, v in headers.items()}["content-type"]
            l1a_bodies.add(body)
        if len(l1a_bodies) != 1:
            raise RuntimeError("gateways answered different bodies")
        l1a_body = l1a_bodies.pop().decode()
        log(f"L1a body: {len(l1a_body)} bytes, content-type {ctype}")
        nginx_ret, nginx_px = {}, {}
        for t in args.threads:
            nginx_ret[t] = nginx_return(tmp, f"return-w{t}", t, l1a_body, ctype.split(";")[0])
            nginx_px[t] = nginx_proxy(tmp, f"proxy-w{t}", t, upstream.port)
            procs += [nginx_ret[t], nginx_px[t]]
            s, _, b = post(nginx_ret[t].url)
            assert s == 200 and b.decode() == l1a_body, "nginx return body differs"
            s, _, b = post(nginx_px[t].url)
            assert s == 200 and b.decode() == UPSTREAM_BODY, "nginx proxy body differs"
        lua_hit = write_lua(tmp, "hit.lua", no_cache=False)
        lua_l3 = write_lua(tmp, "l3.lua", no_cache=True)
        cells = []
        for t in args.threads:
            for c in args.conns:
                cells += [(("l1a", c, t, "isartor"), gateways[t], lua_hit, "l1a"),
                          (("l1a", c, t, "nginx"), nginx_ret[t], lua_hit, None),
                          (("l3", c, t, "isartor"), gateways[t], lua_l3, "l3"),
                          (("l3", c, t, "nginx"), nginx_px[t], lua_l3, None)]
        # One short warm-up per server (page cache, connection pools, CPU frequency).
        for key, server, lua, _ in cells:
            if key[1] == args.conns[0]:
                run_wrk(server.url, lua, key[1], 1)
        for gw in gateways.values():
            gw.truncate_log()
        load_before = loadavg()
        log(f"load average before: {load_before}")
        results = measure(cells, args, log)
        load_after = loadavg()
        md = render(results, args, machine_info(), (load_before, load_after), len(l1a_body),
                    started)
        out = pathlib.Path(args.out)
        old = out.read_text() if out.exists() else ""
        if ANALYSIS_MARKER in old:
            md += "\n" + ANALYSIS_MARKER + old.split(ANALYSIS_MARKER, 1)[1]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(md)
        print(md)
        raw = out.with_suffix(".json")
        raw.write_text(json.dumps({"started": started, "load_before": load_before,
                                   "load_after": load_after,
                                   "runs": {"/".join(map(str, k)): v
                                            for k, v in results.items()}}, indent=1))
        if args.keep:
            log("kept running: " + ", ".join(f"{type(p).__name__}:{p.port}" for p in procs))
            while True:
                time.sleep(3600)
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
