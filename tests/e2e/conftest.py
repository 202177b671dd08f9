"""Fixtures that start real processes: the isartor binary and the test upstream."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("ISARTOR_BIN", ROOT / "build" / "isartor"))
HERE = Path(__file__).resolve().parent


class Upstream:
    """The fake upstream LLM (fake_upstream.py) running as a subprocess on loopback."""

    def __init__(self, chunk_delay=0.05, host="127.0.0.1", tls_args=(), verify=True):
        """tls_args: extra fake_upstream.py flags (--tls-cert ...) to serve HTTPS; verify: the
        CA bundle the control requests use then."""
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "fake_upstream.py"), "--host", host, "--port", "0",
             "--chunk-delay", str(chunk_delay), *tls_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"PORT=(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"fake upstream did not start: {line!r}")
        self.port = int(m.group(1))
        self.host = host
        self.base = f"{'https' if tls_args else 'http'}://{host}:{self.port}"
        self.url = self.base + "/v1"
        self.verify = verify

    def requests(self):
        return requests.get(self.base + "/_requests", timeout=5, verify=self.verify).json()

    def reset(self):
        requests.post(self.base + "/_reset", timeout=5, verify=self.verify)

    def behave(self, **kw):
        requests.post(self.base + "/_behave", json=kw, timeout=5, verify=self.verify)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Gateway:
    """One isartor process. Its stdout (JSON log lines) and stderr are kept for assertions."""

    def __init__(self, env=None, args=None, wait=True):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
        full_env.update({"ISARTOR__HOST_PORT": "127.0.0.1:0"})
        full_env.update(env or {})
        self.out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"isartor-e2e-{os.getpid()}-{time.monotonic_ns()}"
        self.stdout = open(str(self.out_path) + ".out", "w+")
        self.stderr = open(str(self.out_path) + ".err", "w+")
        self.proc = subprocess.Popen([str(BIN)] + (args or []), env=full_env,
                                     stdout=self.stdout, stderr=self.stderr)
        self.port = None
        if wait:
            self._wait_listening()

    def _wait_listening(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            text = self.err_text()
            m = re.search(r"listening on [\d.]+:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                self.base = f"http://127.0.0.1:{self.port}"
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"isartor exited {self.proc.returncode}: {text}")
            time.sleep(0.02)
        raise RuntimeError("isartor did not start: " + self.err_text())

    def err_text(self):
        self.stderr.flush()
        return Path(self.stderr.name).read_text()

    def log_lines(self, until=None, timeout=10):
        """The JSON log lines so far. The gateway flushes buffered lines every 50 ms: a stopped
        gateway has written everything; a running one is read until `until(lines)` holds or,
        without `until`, until its log has stayed the same across two flush periods."""
        def read():
            out = []
            for line in Path(self.stdout.name).read_text().splitlines():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
            return out
        if self.proc.poll() is not None:
            return read()
        deadline = time.time() + timeout
        size, quiet_since = -1, time.time()
        while True:
            now_size = Path(self.stdout.name).stat().st_size
            if now_size != size:
                size, quiet_since = now_size, time.time()
            lines = read()
            if until is not None and until(lines):
                return lines
            if until is None and time.time() - quiet_since >= 0.12:
                return lines
            if time.time() > deadline:
                return lines
            time.sleep(0.02)

    def metrics(self):
        return requests.get(self.base + "/metrics", timeout=5).text

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="session")
def upstream():
    u = Upstream()
    yield u
    u.stop()


@pytest.fixture
def fresh_upstream(upstream):
    upstream.reset()
    return upstream


@pytest.fixture
def gateway_factory():
    started = []

    def make(env=None, args=None, wait=True):
        g = Gateway(env, args, wait)
        started.append(g)
        return g

    yield make
    for g in started:
        g.stop()


@pytest.fixture
def gateway(gateway_factory, fresh_upstream):
    """A gateway in front of the OpenAI-compatible test upstream."""
    return gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                            "ISARTOR__LLM_PROVIDER": "openai"})


def pytest_sessionfinish(session, exitstatus):
    """Under scripts/test_sanitized.sh, a sanitizer report from any gateway process fails the run
    (the process itself may have exited 0, or been stopped by a test that ignores its status)."""
    reports = os.environ.get("ISARTOR_SANITIZER_REPORTS")
    if not reports:
        return
    found = sorted(p for p in Path(reports).glob("*") if p.is_file() and p.stat().st_size > 0)
    if found:
        for p in found[:5]:
            sys.stderr.write(f"\n== sanitizer report {p} ==\n{p.read_text()[:4000]}\n")
        sys.stderr.write(f"\n{len(found)} sanitizer report(s) in {reports}\n")
        session.exitstatus = 1
