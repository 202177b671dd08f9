"""The phone-home audit: runs the real binary in offline mode across the feature matrix and
watches every connect/sendto of its process tree with strace (socket level, no mocks). Any
attempt to a destination outside the allowed set fails the test, DNS lookups included.

"The internet" is 127.0.0.2: the gateway is told only 127.0.0.1/32 is internal, and a sentinel
listener on 127.0.0.2 records every connection it receives. A negative control runs the same
harness with offline mode off and must catch the connection to the sentinel."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import BIN
from otlp_receiver import OtlpReceiver

CONNECT_RE = re.compile(r"^(\d+)\s+(connect|sendto|sendmsg)\((\d+), (.*)$")
INET_RE = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([\d.]+)"\)')
INET6_RE = re.compile(r'sa_family=AF_INET6, sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]+)"')
UNIX_RE = re.compile(r'sa_family=AF_UNIX, sun_path="([^"]*)"')


class Sentinel:
    """A TCP listener standing in for the internet; records every connection."""

    def __init__(self, host="127.0.0.2"):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.host = host
        self.hits = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            self.hits.append(addr)
            conn.close()

    def close(self):
        self.sock.close()


def attempts(trace_file):
    """Every outbound address the traced processes tried: (kind, address, port)."""
    out = []
    for line in Path(trace_file).read_text(errors="replace").splitlines():
        m = CONNECT_RE.match(line)
        if not m:
            continue
        rest = m.group(4)
        if "sa_family=AF_NETLINK" in rest:  # kernel routing queries (getaddrinfo AI_ADDRCONFIG)
            continue
        if mm := INET_RE.search(rest):
            out.append(("inet", mm.group(2), int(mm.group(1))))
        elif mm := INET6_RE.search(rest):
            out.append(("inet6", mm.group(2), int(mm.group(1))))
        elif mm := UNIX_RE.search(rest):
            out.append(("unix", mm.group(1), 0))
        elif m.group(2) == "connect":
            out.append(("other", rest[:80], 0))
    return out


def violations(trace_file, allowed):
    return [a for a in attempts(trace_file) if (a[1], a[2]) not in allowed]


class Traced:
    """isartor under `strace -f`, with the real process's pid for signals."""

    def __init__(self, args, env, trace_file):
        full = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
        full.update(env)
        self.err = open(str(trace_file) + ".stderr", "w+")
        self.proc = subprocess.Popen(
            ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace_file),
             str(BIN)] + args, env=full, stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = None

    def wait_listening(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            m = re.search(r"listening on [\d.]+:(\d+)", Path(self.err.name).read_text())
            if m:
                self.port = int(m.group(1))
                return f"http://127.0.0.1:{self.port}"
            assert self.proc.poll() is None, Path(self.err.name).read_text()
            time.sleep(0.05)
        raise RuntimeError("gateway did not start under strace")

    def stop(self):
        # Signal the gateway itself (strace's child), then let strace exit with it.
        kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        for k in kids:
            os.kill(int(k), signal.SIGTERM)
        return self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def strace_available():
    if shutil.which("strace") is None:
        pytest.fail("strace is missing: scripts/setup.sh installs it")


def drive(base):
    """The feature matrix a deployment exercises; returns the statuses seen."""
    body = {"model": "m", "messages": [{"role": "user", "content": "phone home?"}]}
    statuses = [requests.post(base + "/v1/chat/completions", json=body, timeout=30).status_code]  # L3
    r = requests.post(base + "/v1/chat/completions", json=body, timeout=30)                      # L1a
    statuses.append((r.status_code, r.headers.get("x-isartor-layer")))
    statuses.append(requests.post(base + "/v1/messages", timeout=30, json={
        "model": "m", "max_tokens": 8, "stream": True,
        "messages": [{"role": "user", "content": "stream phone home?"}]}).status_code)
    for path in ("/health", "/healthz", "/metrics", "/v1/models"):
        statuses.append(requests.get(base + path, timeout=10).status_code)
    return statuses


def run_matrix(tmp_path, upstream, sentinel, offline, collector):
    """Two gateways (internal L3 + internal collector with external fallbacks; external L3 +
    external collector) plus `check`, all traced."""
    external_ip = f"http://{sentinel.host}:{sentinel.port}/v1"
    common = {"ISARTOR__INTERNAL_NETWORKS": "127.0.0.1/32", "ISARTOR__HOST_PORT": "127.0.0.1:0",
              "ISARTOR__OFFLINE_MODE": "true" if offline else "false", "ISARTOR__L3_MAX_RETRIES": "0",
              "ISARTOR__L3_CONNECT_TIMEOUT_SECS": "2",
              "ISARTOR__ENABLE_MONITORING": "true",
              "ISARTOR__OTEL_EXPORTER_ENDPOINT": f"http://{sentinel.host}:{sentinel.port}"}
    traces, results = [], {}
    # 1. L3 = internal upstream; fallbacks = an external IP and an external name (never resolved offline).
    t1 = tmp_path / "internal.trace"
    g = Traced([], {**common, "ISARTOR__EXTERNAL_LLM_URL": upstream.url,
                    "ISARTOR__OTEL_EXPORTER_ENDPOINT": f"http://127.0.0.1:{collector.port}",
                    "ISARTOR__FALLBACK_PROVIDERS": f"openai@{external_ip},openai@http://api.openai.com/v1"}, t1)
    base = g.wait_listening()
    results["internal"] = drive(base)
    upstream.behave(mode="status", status=503, times=1)  # primary fails: fallbacks are tried
    results["fallback"] = requests.post(base + "/v1/chat/completions", timeout=30, json={
        "model": "m", "messages": [{"role": "user", "content": "fallback please"}]}).status_code
    results["exit1"] = g.stop()
    traces.append(t1)
    # 2. L3 = external: every cache miss must be refused without a connection.
    t2 = tmp_path / "external.trace"
    g = Traced([], {**common, "ISARTOR__EXTERNAL_LLM_URL": external_ip}, t2)
    base = g.wait_listening()
    results["external"] = drive(base)
    results["exit2"] = g.stop()
    traces.append(t2)
    # 3. `isartor check --probe` with the same configuration.
    t3 = tmp_path / "check.trace"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    env.update({**common, "ISARTOR__EXTERNAL_LLM_URL": upstream.url,
                "ISARTOR__FALLBACK_PROVIDERS": f"openai@{external_ip}"})
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(t3), str(BIN),
                    "check", "--probe"], env=env, capture_output=True, timeout=60)
    traces.append(t3)
    return traces, results


def audited_run(tmp_path, upstream, offline):
    """The matrix with a fresh sentinel ("the internet") and internal collector; returns the
    traces, the statuses seen, the allowed destinations, the sentinel and the collector."""
    sentinel, collector = Sentinel(), OtlpReceiver()
    try:
        traces, results = run_matrix(tmp_path, upstream, sentinel, offline=offline,
                                     collector=collector)
    finally:
        sentinel.close()
        collector.stop()
    allowed = {("127.0.0.1", upstream.port), ("127.0.0.1", collector.port)}
    return traces, results, allowed, sentinel, collector


def test_offline_mode_never_phones_home(tmp_path, strace_available, fresh_upstream):
    traces, results, allowed, sentinel, collector = audited_run(tmp_path, fresh_upstream, True)
    for t in traces:
        assert attempts(t) or t.name == "external.trace", f"{t.name}: the trace saw nothing; is strace working?"
        assert violations(t, allowed) == [], f"{t.name}: connections outside the allowed set"
    assert sentinel.hits == []
    # The internal LLM answered, the cache deflected, external L3 was refused in the dialect.
    assert results["internal"][0] == 200 and results["internal"][1] == (200, "l1a")
    assert results["fallback"] == 503  # both fallbacks are external: blocked, not contacted
    assert results["external"][0] == 503 and results["external"][2] == 503
    assert results["exit1"] == 0 and results["exit2"] == 0
    assert collector.requests, "the internal collector should have received traces"


def test_negative_control_the_harness_catches_a_phone_home(tmp_path, strace_available, fresh_upstream):
    traces, _, allowed, sentinel, _ = audited_run(tmp_path, fresh_upstream, False)
    found = [v for t in traces for v in violations(t, allowed)]
    assert ("inet", "127.0.0.2", sentinel.port) in found, found
    assert sentinel.hits, "the sentinel should have seen the gateway connect"
