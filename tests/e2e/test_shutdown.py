"""Shutdown after load: many upstream connections pooled, then SIGTERM. The process must exit 0
(it used to close pooled sockets after their io_context was freed: SIGSEGV or a glibc heap
abort once ~100 streams had been relayed), and the signed audit log must verify up to its final
checkpoint."""
import concurrent.futures
import json

import requests

from test_audit import keys, verify  # noqa: F401  (fixture and helper shared with the audit tests)

STREAMS = 200


def stream_once(base, i):
    body = {"model": "m", "stream": True,
            "messages": [{"role": "user", "content": f"shutdown stream {i}"}]}
    with requests.post(base + "/v1/chat/completions", json=body, stream=True, timeout=60) as r:
        text = r.content.decode()
    return r.status_code, text


def test_sigterm_after_many_concurrent_streams_exits_cleanly(gateway_factory, keys, tmp_path):
    from conftest import Upstream
    upstream = Upstream(chunk_delay=0.02)  # its own: the shared one would be busy for others
    try:
        priv, pub = keys
        log = tmp_path / "audit.log"
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": upstream.url,
                              "ISARTOR__LLM_PROVIDER": "openai",
                              "ISARTOR__THREADS": "1",
                              "ISARTOR__AUDIT_LOG_PATH": str(log),
                              "ISARTOR__AUDIT_SIGNING_KEY_FILE": str(priv),
                              "ISARTOR__AUDIT_CHECKPOINT_EVERY": "50"})
        with concurrent.futures.ThreadPoolExecutor(max_workers=STREAMS) as pool:
            results = list(pool.map(lambda i: stream_once(gw.base, i), range(STREAMS)))
        assert all(status == 200 for status, _ in results)
        assert all(text.rstrip().endswith("data: [DONE]") for _, text in results)

        code = gw.stop()
        assert code == 0, gw.err_text()[-2000:]
        assert "stopped" in gw.err_text()

        r = verify([log], pub)
        assert r.returncode == 0, r.stdout + r.stderr
        records = [json.loads(line) for line in log.read_text().splitlines()]
        assert records[-1].get("type") == "checkpoint"  # the final one, written at Close()
        sent = [e for e in records if e.get("event") == "response_sent"]
        assert len(sent) == STREAMS
    finally:
        upstream.stop()
