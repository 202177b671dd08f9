"""The command line: config, version, invalid configuration, bind safety, graceful drain."""
import os
import signal
import subprocess
import threading
import time

import openai

from conftest import BIN, Upstream


def run(args, env=None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    full.update(env or {})
    return subprocess.run([str(BIN)] + args, env=full, capture_output=True, text=True, timeout=60)


def test_version_says_whether_the_model_is_embedded():
    r = run(["--version"])
    assert r.returncode == 0 and r.stdout.startswith("isartor ")
    assert "embedded" in r.stdout


def test_config_prints_effective_values_with_secrets_masked():
    r = run(["config"], {"ISARTOR__EXTERNAL_LLM_API_KEY": "sk-very-secret",
                         "ISARTOR__CACHE_TTL_SECS": "42"})
    assert r.returncode == 0
    assert "ISARTOR__CACHE_TTL_SECS=42" in r.stdout
    assert "sk-very-secret" not in r.stdout
    assert "ISARTOR__EXTERNAL_LLM_API_KEY=****" in r.stdout


def test_isartor_toml_in_the_working_directory_is_read_by_default(tmp_path):
    (tmp_path / "isartor.toml").write_text("cache_ttl_secs = 77\n")
    full = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    r = subprocess.run([str(BIN), "config"], env=full, cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "ISARTOR__CACHE_TTL_SECS=77" in r.stdout
    other = run(["config"])  # another directory: no file, the default
    assert "ISARTOR__CACHE_TTL_SECS=77" not in other.stdout


def test_flags_override_environment():
    r = run(["--host-port", "127.0.0.1:9999", "--offline", "config"],
            {"ISARTOR__HOST_PORT": "127.0.0.1:1111"})
    assert "ISARTOR__HOST_PORT=127.0.0.1:9999" in r.stdout
    assert "ISARTOR__OFFLINE_MODE=true" in r.stdout


def test_invalid_config_exits_nonzero_listing_every_problem():
    r = run(["up"], {"ISARTOR__CACHE_TTL_SECS": "-5", "ISARTOR__LLM_PROVIDER": "bard",
                     "ISARTOR__MAX_BODY_BYTES": "lots"})
    assert r.returncode != 0
    for name in ("ISARTOR__CACHE_TTL_SECS", "ISARTOR__LLM_PROVIDER", "ISARTOR__MAX_BODY_BYTES"):
        assert name in r.stderr


def test_refuses_public_bind_without_a_gateway_key():
    r = run(["up"], {"ISARTOR__HOST_PORT": "0.0.0.0:0"})
    assert r.returncode != 0 and "ISARTOR__GATEWAY_API_KEY" in r.stderr


def test_sigterm_lets_a_stream_in_flight_finish(gateway_factory):
    slow = Upstream(chunk_delay=0.2)
    try:
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": slow.url})
        result = {}

        def stream():
            c = openai.OpenAI(base_url=gw.base + "/v1", api_key="k", max_retries=0)
            chunks = c.chat.completions.create(
                model="m", stream=True, messages=[{"role": "user", "content": "a b c d e f g h"}])
            result["text"] = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)

        t = threading.Thread(target=stream)
        t.start()
        deadline = time.time() + 30  # wait until the stream is under way (bounded poll)
        while time.time() < deadline and not slow.requests():
            time.sleep(0.02)
        assert slow.requests(), "the stream never reached the upstream"
        gw.proc.send_signal(signal.SIGTERM)
        t.join(timeout=30)
        assert result.get("text", "").endswith("a b c d e f g h")
        assert gw.proc.wait(timeout=15) == 0
        assert "draining" in gw.err_text()
    finally:
        slow.stop()
