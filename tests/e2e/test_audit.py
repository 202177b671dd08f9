"""AU-2 audit events on stdout and the signed, hash-chained audit log, verified by
`isartor audit verify` — and every kind of tampering detected."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import BIN


def run(args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    return subprocess.run([str(BIN)] + args, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def keys(tmp_path):
    r = run(["audit", "keygen", "--out", str(tmp_path / "keys")])
    assert r.returncode == 0, r.stderr
    priv = tmp_path / "keys" / "audit_ed25519.pem"
    assert oct(priv.stat().st_mode & 0o777) == "0o600"
    return priv, tmp_path / "keys" / "audit_ed25519.pub.pem"


def chat(gw, text, key=None):
    h = {"authorization": f"Bearer {key}"} if key else {}
    return requests.post(gw.base + "/v1/chat/completions", headers=h, timeout=30,
                         json={"model": "m", "messages": [{"role": "user", "content": text}]})


def verify(paths, pub, *extra):
    return run(["audit", "verify", *map(str, paths), "--public-key", str(pub), *extra])


def test_every_decision_is_an_event_without_content_or_secrets(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__GATEWAY_API_KEY": "gw-secret-key",
                          "ISARTOR__EXTERNAL_LLM_API_KEY": "sk-upstream-secret"})
    assert chat(gw, "patient John has diabetes", "gw-secret-key").status_code == 200
    assert chat(gw, "patient John has diabetes", "gw-secret-key").status_code == 200
    gw.stop()
    events = gw.log_lines()
    raw = Path(gw.stdout.name).read_text()
    assert "John" not in raw and "gw-secret-key" not in raw and "sk-upstream-secret" not in raw
    kinds = [e["event"] for e in events]
    assert kinds.count("request_received") == 2 and kinds.count("response_sent") == 2
    first_id = events[0]["request_id"]
    mine = [e for e in events if e["request_id"] == first_id]
    assert [e["event"] for e in mine][0] == "request_received"
    decisions = [(e["layer"], e["outcome"]) for e in mine if e["event"] == "layer_decision"]
    assert ("l1a", "miss") in decisions and ("l3", "answered") in decisions
    call = [e for e in mine if e["event"] == "l3_call"][0]
    assert call["provider"] == "openai" and call["status"] == 200 and call["completion_tokens"] == 7
    assert mine[0]["prompt_sha256"] == hashlib.sha256(b"patient John has diabetes").hexdigest()
    assert all(e["tenant"] == mine[0]["tenant"] and e["ts"] for e in mine)
    second = [e for e in events if e["request_id"] != first_id]
    assert ("l1a", "hit") in [(e["layer"], e["outcome"]) for e in second if e["event"] == "layer_decision"]
    sent = [e for e in events if e["event"] == "response_sent"]
    assert sent[0]["answer_sha256"] == sent[1]["answer_sha256"]  # the same answer, twice


def test_content_appears_only_when_asked(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__AUDIT_INCLUDE_CONTENT": "true"})
    chat(gw, "include this prompt")
    gw.stop()
    events = gw.log_lines()
    assert [e for e in events if e["event"] == "request_received"][0]["prompt"] == "include this prompt"
    assert "include this prompt" in [e for e in events if e["event"] == "response_sent"][0]["answer"]


def signed_log(gateway_factory, upstream, keys, tmp_path, n=12, **extra_env):
    priv, pub = keys
    log = tmp_path / "audit.log"
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": upstream.url,
                          "ISARTOR__AUDIT_LOG_PATH": str(log),
                          "ISARTOR__AUDIT_SIGNING_KEY_FILE": str(priv),
                          "ISARTOR__AUDIT_CHECKPOINT_EVERY": "5", **extra_env})
    for i in range(n):
        chat(gw, f"question {i % 4}")
    assert gw.stop() == 0
    return log, pub


def test_the_signed_log_verifies(gateway_factory, fresh_upstream, keys, tmp_path):
    log, pub = signed_log(gateway_factory, fresh_upstream, keys, tmp_path)
    r = verify([log], pub)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = log.read_text().splitlines()
    events = [json.loads(l) for l in lines]
    assert any(e.get("type") == "checkpoint" for e in events)
    assert sum(1 for e in events if e.get("event") == "response_sent") == 12
    assert "events" in r.stdout


def tamper_cases(lines):
    """Each way the issue names, applied to a copy of a verified log."""
    events = [i for i, l in enumerate(lines) if '"checkpoint"' not in l]
    checkpoints = [i for i, l in enumerate(lines) if '"checkpoint"' in l]
    e = events[3]
    cases = {}
    edited = list(lines)
    edited[e] = edited[e].replace('"status":200', '"status":201') if '"status":200' in edited[e] \
        else edited[e].replace('"ts":"', '"ts":"1')
    cases["edited"] = edited
    cases["deleted"] = lines[:e] + lines[e + 1:]
    cases["inserted"] = lines[:e] + [lines[e]] + lines[e:]
    swapped = list(lines)
    swapped[e], swapped[e + 1] = swapped[e + 1], swapped[e]
    cases["swapped"] = swapped
    forged = list(lines)
    cp = json.loads(forged[checkpoints[0]])
    cp["count"] = cp["count"] + 1
    forged[checkpoints[0]] = json.dumps(cp, separators=(",", ":"))
    cases["forged checkpoint"] = forged
    return cases


def test_each_kind_of_tampering_is_detected(gateway_factory, fresh_upstream, keys, tmp_path):
    log, pub = signed_log(gateway_factory, fresh_upstream, keys, tmp_path)
    lines = log.read_text().splitlines()
    for name, bad in tamper_cases(lines).items():
        copy = tmp_path / f"tampered-{name.replace(' ', '-')}.log"
        copy.write_text("\n".join(bad) + "\n")
        r = verify([copy], pub)
        assert r.returncode == 1, f"{name}: not detected: {r.stdout}{r.stderr}"
        assert copy.name in (r.stdout + r.stderr), name  # names the first bad file:line
    # Truncated after its last checkpoint: the signed part verifies, the unsigned tail is counted.
    last_cp = max(i for i, l in enumerate(lines) if '"checkpoint"' in l)
    prev_cp = max(i for i, l in enumerate(lines[:last_cp]) if '"checkpoint"' in l)
    cut = tmp_path / "truncated.log"
    cut.write_text("\n".join(lines[:last_cp]) + "\n")
    r = verify([cut], pub)
    assert r.returncode == 2, r.stdout + r.stderr
    assert str(last_cp - prev_cp - 1) in (r.stdout + r.stderr)
    # A key that did not sign the log.
    other = tmp_path / "other"
    run(["audit", "keygen", "--out", str(other)])
    assert verify([log], other / "audit_ed25519.pub.pem").returncode == 1


def test_rotation_keeps_the_chain_and_a_missing_middle_file_is_detected(
        gateway_factory, fresh_upstream, keys, tmp_path):
    log, pub = signed_log(gateway_factory, fresh_upstream, keys, tmp_path, n=30,
                          ISARTOR__AUDIT_ROTATE_BYTES="4000")
    files = sorted(tmp_path.glob("audit.log.*")) + [log]
    assert len(files) >= 3, files
    assert verify(files, pub).returncode == 0
    r = verify(files[:1] + files[2:], pub)
    assert r.returncode == 1, r.stdout + r.stderr


def test_kill_9_under_load_verifies_up_to_the_last_checkpoint(gateway_factory, fresh_upstream, keys, tmp_path):
    priv, pub = keys
    log = tmp_path / "audit.log"
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__AUDIT_LOG_PATH": str(log), "ISARTOR__AUDIT_SIGNING_KEY_FILE": str(priv),
                          "ISARTOR__AUDIT_CHECKPOINT_EVERY": "7"})
    stop = threading.Event()

    def load(k):
        i = 0
        while not stop.is_set():
            try:
                chat(gw, f"load {k} {i % 5}")
            except requests.RequestException:
                return
            i += 1

    threads = [threading.Thread(target=load, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    # Kill it once a checkpoint is on disk and the load is still running (bounded poll).
    deadline = time.time() + 30
    while time.time() < deadline and (not log.exists() or '"checkpoint"' not in log.read_text()):
        time.sleep(0.05)
    gw.proc.send_signal(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    gw.proc.wait()
    r = verify([log], pub, "--allow-unsigned-tail")
    assert r.returncode == 0, r.stdout + r.stderr
    assert sum(1 for l in log.read_text().splitlines() if '"checkpoint"' in l) >= 1
