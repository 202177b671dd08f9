#!/usr/bin/env python3
"""TLS benchmark: isartor's HTTPS listener vs nginx with the same certificate, in one run.

Two scenarios, each with wrk (POST /v1/chat/completions, the small JSON body of http_bench.py):
  (1) handshake: every request on a new TLS connection (`Connection: close`), so each request
      costs one full handshake (wrk does not resume sessions) — a handshake rate;
  (2) keep-alive: L1a exact-cache hits over long-lived HTTPS connections vs nginx `return 200`
      with the same body bytes (the TLS analogue of http_bench's L1a row).
Both servers use the same throwaway ECDSA P-256 certificate, TLS 1.2+ and one worker
(ISARTOR__THREADS=1 / worker_processes 1). The gateway's answers are checked (X-Isartor-Layer: l1a
and the l1a counter in /metrics grows by what wrk counted); wrk must see no errors.

    .venv/bin/python bench/tls_bench.py                 # writes bench/results/tls.md
    .venv/bin/python bench/tls_bench.py --rounds 1 --duration 2 --out /tmp/tls.md

Only ratios within one run mean something: wrk, the gateway, nginx and the upstream share the
machine's cores. CPU µs/req (the measured server's own user+system time per completed request)
does not depend on how much of the cores the other processes took.
"""
import argparse
import pathlib
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import http_bench as hb  # noqa: E402  (shared nginx/gateway/wrk helpers)

ROOT = hb.ROOT


def make_pki(tmp):
    """A throwaway CA and a server certificate for 127.0.0.1 / localhost (openssl CLI)."""
    d = pathlib.Path(tmp) / "pki"
    d.mkdir()

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
    run("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2", "-subj",
        "/CN=isartor bench CA", "-out", "ca.pem")
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key")
    run("req", "-new", "-key", "server.key", "-subj", "/CN=127.0.0.1", "-out", "server.csr")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                               "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-sha256", "-extfile", "ext.cnf", "-out", "server.pem")
    return d


class TlsGateway(hb.Gateway):
    def __init__(self, binary, tmp, upstream_url, pki):
        super().__init__(binary, tmp, 1, upstream_url, extra_env={
            "ISARTOR__TLS_CERT_FILE": str(pki / "server.pem"),
            "ISARTOR__TLS_KEY_FILE": str(pki / "server.key"),
        })
        self.url = f"https://127.0.0.1:{self.port}"


def nginx_tls_return(tmp, pki, body, content_type):
    http_extra = (f"ssl_certificate {pki / 'server.pem'};\n  "
                  f"ssl_certificate_key {pki / 'server.key'};\n  "
                  "ssl_protocols TLSv1.2 TLSv1.3;\n  ssl_session_cache off;\n  "
                  "ssl_session_tickets off;")
    server = ("location / {\n      default_type " + content_type + ";\n"
              "      return 200 " + hb.nginx_string(body) + ";\n    }")
    n = hb.Nginx(tmp, "tls-return", 1, http_extra, server, listen_extra="ssl ")
    n.url = f"https://127.0.0.1:{n.port}"
    return n


def post(url, ctx):
    req = urllib.request.Request(url + "/v1/chat/completions", data=hb.REQUEST_BODY.encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
        return resp.status, dict(resp.headers), resp.read()


def metrics(gw, ctx):
    text = urllib.request.urlopen(gw.url + "/metrics", timeout=5, context=ctx).read().decode()
    counts = {}
    for line in text.splitlines():
        if line.startswith("isartor_requests_total{") and 'final_layer="L1a' in line:
            counts["l1a"] = counts.get("l1a", 0) + float(line.rsplit(" ", 1)[1])
    return counts


def write_lua(tmp, name, close):
    path = pathlib.Path(tmp) / name
    extra = 'wrk.headers["Connection"] = "close"' if close else ""
    path.write_text(hb.WRK_LUA.format(body=hb.lua_string(hb.REQUEST_BODY), extra=extra))
    return path


def measure(cells, args, ctx, log):
    results = {key: [] for key, *_ in cells}
    for rnd in range(args.rounds):
        order = cells if rnd % 2 == 0 else list(reversed(cells))
        for key, server, lua, conns in order:
            gw = server if isinstance(server, TlsGateway) else None
            before = metrics(gw, ctx) if gw else None
            pids = server.worker_pids()
            cpu0 = hb.cpu_seconds(pids)
            r = hb.run_wrk(server.url, lua, conns, args.duration)
            r["cpu_us_per_req"] = (hb.cpu_seconds(pids) - cpu0) * 1e6 / max(r["requests"], 1)
            if r["errors"]:
                raise RuntimeError(f"{key}: wrk saw errors {r}")
            if gw:
                grown = metrics(gw, ctx).get("l1a", 0) - before.get("l1a", 0)
                if not (r["requests"] <= grown <= r["requests"] + conns):
                    raise RuntimeError(f"{key}: l1a counter grew {grown}, wrk saw {r['requests']}")
                gw.truncate_log()
            r["load"] = hb.loadavg()
            results[key].append(r)
            log(f"round {rnd + 1} {key}: {r['rps']:.0f} rps p50 {r['p50_us'] / 1e3:.3f} ms "
                f"p99 {r['p99_us'] / 1e3:.3f} ms cpu {r['cpu_us_per_req']:.1f} us/req")
    return results


def render(results, args, info, loads, started, tls_info):
    med = lambda runs, f: statistics.median(r[f] for r in runs)  # noqa: E731
    lines = ["# TLS benchmark: isartor HTTPS vs nginx with the same certificate", "",
             f"Measured {started} by `.venv/bin/python bench/tls_bench.py --rounds {args.rounds} "
             f"--duration {args.duration}` (gateway at commit {hb.git_rev()}).", "",
             f"- Machine: {info['cpu']}, {info['cores']} cores (shared by wrk, the gateway, nginx "
             f"and the upstream), Linux {info['kernel']}; {info['nginx']}; {info['wrk']}; "
             f"OpenSSL {ssl.OPENSSL_VERSION.split()[1]}.",
             f"- Load average before: {loads[0]}; after: {loads[1]}.",
             f"- Negotiated with both (Python client): {tls_info}. ECDSA P-256 certificate, one "
             "worker each; nginx with session cache and tickets off (wrk never resumes, so every "
             "new connection is a full handshake for both).",
             "- handshake: wrk -t1 -c<C>, `Connection: close` on every request (one TLS handshake "
             "per request). keep-alive: wrk -t1 -c<C> over persistent HTTPS connections. The "
             "gateway answers from its exact cache in both (L1a; checked in /metrics).",
             f"- {args.rounds} interleaved rounds of {args.duration} s per cell; medians.", "",
             "| scenario | C | isartor RPS | nginx RPS | RPS ratio | isartor p50 / p99 ms | "
             "nginx p50 / p99 ms | CPU µs/req isartor / nginx | CPU ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    for scen in ("handshake", "keepalive"):
        for c in args.conns:
            g, n = results.get((scen, c, "isartor")), results.get((scen, c, "nginx"))
            if not g or not n:
                continue
            gr, nr = med(g, "rps"), med(n, "rps")
            gc, nc = med(g, "cpu_us_per_req"), med(n, "cpu_us_per_req")
            lines.append(
                f"| {scen} | {c} | {gr:,.0f} | {nr:,.0f} | {gr / nr:.2f} | "
                f"{hb.fmt_ms(med(g, 'p50_us'))} / {hb.fmt_ms(med(g, 'p99_us'))} | "
                f"{hb.fmt_ms(med(n, 'p50_us'))} / {hb.fmt_ms(med(n, 'p99_us'))} | "
                f"{gc:.1f} / {nc:.1f} | {gc / nc:.2f}× |")
    lines += ["", "<details><summary>Every round (RPS, p50 ms, p99 ms, CPU µs/req, load)"
              "</summary>", "", "| cell | rounds |", "|---|---|"]
    for key, runs in results.items():
        cells = "; ".join(f"{r['rps']:,.0f}, {hb.fmt_ms(r['p50_us'])}, "
                          f"{hb.fmt_ms(r['p99_us'])}, {r['cpu_us_per_req']:.1f} [{r['load']}]"
                          for r in runs)
        lines.append(f"| {' '.join(map(str, key))} | {cells} |")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "isartor"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--conns", type=int, nargs="+", default=[32])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "tls.md"))
    args = ap.parse_args()
    for tool in ("wrk", "nginx", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit("tls_bench: terminated"))
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    tmp = tempfile.mkdtemp(prefix="isartor-tls-bench-")
    binary = pathlib.Path(tmp) / "isartor"
    shutil.copy2(args.binary, binary)
    procs = []
    try:
        pki = make_pki(tmp)
        ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
        upstream = hb.Nginx(tmp, "upstream", 1, "",
                            "location = /v1/chat/completions {\n      default_type "
                            "application/json;\n      return 200 "
                            + hb.nginx_string(hb.UPSTREAM_BODY) + ";\n    }")
        procs.append(upstream)
        gw = TlsGateway(binary, tmp, upstream.url + "/v1", pki)
        procs.append(gw)
        post(gw.url, ctx)  # miss -> l3, stored
        status, headers, body = post(gw.url, ctx)
        hb.check_answer(status, headers, "l1a")
        ctype = {k.lower(): v for k, v in headers.items()}["content-type"].split(";")[0]
        ngx = nginx_tls_return(tmp, pki, body.decode(), ctype)
        procs.append(ngx)
        s, _, b = post(ngx.url, ctx)
        assert s == 200 and b == body, "nginx body differs"
        negotiated = set()
        for server in (gw, ngx):
            import socket
            with socket.create_connection(("127.0.0.1", server.port)) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    negotiated.add(f"{tls.version()} {tls.cipher()[0]}")
        tls_info = " | ".join(sorted(negotiated))
        lua_close = write_lua(tmp, "close.lua", close=True)
        lua_keep = write_lua(tmp, "keep.lua", close=False)
        cells = []
        for c in args.conns:
            cells += [(("handshake", c, "isartor"), gw, lua_close, c),
                      (("handshake", c, "nginx"), ngx, lua_close, c),
                      (("keepalive", c, "isartor"), gw, lua_keep, c),
                      (("keepalive", c, "nginx"), ngx, lua_keep, c)]
        for key, server, lua, c in cells:  # warm-up
            hb.run_wrk(server.url, lua, c, 1)
        gw.truncate_log()
        load_before = hb.loadavg()
        results = measure(cells, args, ctx, log)
        md = render(results, args, hb.machine_info(), (load_before, hb.loadavg()), started,
                    tls_info)
        out = pathlib.Path(args.out)
        old = out.read_text() if out.exists() else ""
        if hb.ANALYSIS_MARKER in old:
            md += "\n" + hb.ANALYSIS_MARKER + old.split(hb.ANALYSIS_MARKER, 1)[1]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(md)
        print(md)
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
