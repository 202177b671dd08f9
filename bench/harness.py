"""Processes and measurements shared by bench/soak.py and bench/hostile_load.py: the gateway
(a copy of the binary, so a rebuild cannot change it mid-run) in front of the test upstream
(tests/e2e/fake_upstream.py), both on loopback, and /proc readings of a process."""
import os
import pathlib
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def raise_fd_limit():
    """Raises this process's soft RLIMIT_NOFILE to its hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stats(pid):
    """RSS (MiB), open fds and threads of `pid`, read from /proc."""
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return {"rss_mb": rss_kb / 1024, "fds": fds, "threads": threads}


def percentile(values, q):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


class Upstream:
    def __init__(self, chunk_delay, python=sys.executable):
        self.proc = subprocess.Popen(
            [python, str(ROOT / "tests/e2e/fake_upstream.py"), "--port", "0",
             "--chunk-delay", str(chunk_delay)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"PORT=(\d+)", line)
        if not m:
            raise RuntimeError(f"fake upstream did not start: {line!r}")
        self.url = f"http://127.0.0.1:{m.group(1)}/v1"

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Gateway:
    def __init__(self, binary, tmp, env):
        binary = pathlib.Path(binary)
        copy = pathlib.Path(tmp) / "isartor"
        shutil.copy2(binary, copy)
        self.port = free_port()
        full = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
        full.update({"ISARTOR__HOST_PORT": f"127.0.0.1:{self.port}", "ISARTOR__LOG_LEVEL": "warn"})
        full.update(env)
        self.err_path = pathlib.Path(tmp) / "isartor.err"
        self.proc = subprocess.Popen([str(copy), "up"], env=full, stdout=subprocess.DEVNULL,
                                     stderr=open(self.err_path, "wb"))
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("isartor exited: " + self.err_path.read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("isartor did not start: " + self.err_path.read_text())
        self.base = f"http://127.0.0.1:{self.port}"

    def stats(self):
        return proc_stats(self.proc.pid)

    def stop(self, timeout=60):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode
