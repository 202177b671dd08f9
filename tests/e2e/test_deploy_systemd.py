"""deploy/systemd: the unit and the offline-site drop-in pass `systemd-analyze verify` (no
running systemd needed; nothing is started) and keep their sandbox."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN

SRC = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
ANALYZE = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(ANALYZE is None,
                                reason="systemd-analyze missing: run scripts/setup.sh")


def unit_copy(tmp_path, drop_in=True):
    """The unit next to its drop-in folder, with ExecStart pointing at the binary under test
    (verify checks that the executable exists)."""
    text = (SRC / "isartor.service").read_text()
    assert "ExecStart=/usr/local/bin/isartor " in text
    (tmp_path / "isartor.service").write_text(text.replace("/usr/local/bin/isartor", str(BIN)))
    if drop_in:
        shutil.copytree(SRC / "isartor.service.d", tmp_path / "isartor.service.d")
    return tmp_path / "isartor.service"


def analyze(*args):
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, timeout=120)


def settings(path):
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def test_unit_and_offline_drop_in_verify_without_warnings(tmp_path):
    unit = unit_copy(tmp_path)
    r = analyze("verify", str(unit))
    assert r.returncode == 0, r.stdout + r.stderr
    # verify exits 0 on unknown keys and bad values; it only warns, naming the file.
    assert "isartor.service" not in r.stderr and "offline-site.conf" not in r.stderr, r.stderr


def test_verify_reads_the_drop_in(tmp_path):
    """The control for the test above: a bad key in the drop-in is reported."""
    unit = unit_copy(tmp_path)
    conf = tmp_path / "isartor.service.d" / "offline-site.conf"
    conf.write_text(conf.read_text() + "IPAddressAlow=10.0.0.0/8\n")
    r = analyze("verify", str(unit))
    assert "offline-site.conf" in r.stderr and "IPAddressAlow" in r.stderr, r.stderr


def test_unit_keeps_its_sandbox_and_reads_config_from_etc():
    s = settings(SRC / "isartor.service")
    assert s["DynamicUser"] == ["yes"] and s["NoNewPrivileges"] == ["yes"]
    assert s["ProtectSystem"] == ["strict"] and s["PrivateTmp"] == ["yes"]
    assert s["CapabilityBoundingSet"] == [""]
    assert s["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    assert s["StateDirectory"] == ["isartor"]
    assert "ISARTOR__AUDIT_LOG_PATH=%S/isartor/audit.log" in s["Environment"]
    assert s["ExecStart"] == ["/usr/local/bin/isartor --config /etc/isartor/isartor.toml"]
    assert s["EnvironmentFile"] == ["-/etc/isartor/isartor.env"]
    # oneDNN's JIT needs writable+executable pages: this must stay off.
    assert "MemoryDenyWriteExecute" not in s
    d = settings(SRC / "isartor.service.d" / "offline-site.conf")
    assert d["IPAddressDeny"] == ["any"] and d["IPAddressAllow"]
    assert "ISARTOR__OFFLINE_MODE=true" in d["Environment"]


def test_the_example_config_file_is_accepted_by_the_binary():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    env["ISARTOR__GATEWAY_API_KEY"] = "from-the-environment-file"
    r = subprocess.run([str(BIN), "--config", str(SRC / "isartor.toml"), "config"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "ISARTOR__HOST_PORT=0.0.0.0:8080" in r.stdout
    assert "ISARTOR__OFFLINE_MODE=true" in r.stdout
    assert "ISARTOR__GATEWAY_API_KEY=****" in r.stdout


def exposure(unit):
    r = analyze("security", "--offline=yes", str(unit))
    m = re.search(r"Overall exposure level for isartor\.service: ([\d.]+)", r.stdout)
    assert m, r.stdout + r.stderr
    return float(m.group(1))


def test_security_exposure_is_low_and_lower_with_the_offline_drop_in(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "offline").mkdir()
    base = exposure(unit_copy(tmp_path / "base", drop_in=False))
    offline = exposure(unit_copy(tmp_path / "offline"))
    # systemd 252 measures 1.1 and 1.0 ("OK", docs/deploy.md); 2.0 is the bound of "OK".
    assert base <= 2.0 and offline <= base, (base, offline)
