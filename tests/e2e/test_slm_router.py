"""L2 SLM router against a real local model: llama-cpp-python's OpenAI-compatible server running
Gemma 3 270M (Q4_K_M), both installed by scripts/setup_l2.sh.

The GGUF is the base (not instruction-tuned) 270M model and carries no chat template, so the server
runs with the alpaca template and the gateway adds "###" as a stop sequence
(ISARTOR__LAYER2__STOP_SEQUENCES); without it the model never ends its turn and the quality guard
rightly rejects every answer as truncated. Generation is slow on a shared 2-core machine, hence
the generous L2 timeout.
"""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_PY = Path(os.environ.get("ISARTOR_VENV", ROOT / ".venv")) / "bin" / "python"
MODEL = Path(os.environ.get("ISARTOR_L2_MODEL",
                            ROOT / "models" / "gemma-3-270m" / "gemma-3-270m-q4_k_m.gguf"))
SIMPLE = "What is the capital of France?"
COMPLEX = ("Design a distributed rate limiter for a multi-region API gateway and explain the "
           "consistency trade-offs in detail.")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    def __init__(self, n_ctx=2048, extra_args=(), chat_format="alpaca"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"llama-e2e-{os.getpid()}.log", "w+")
        self.proc = subprocess.Popen(
            [str(VENV_PY), "-m", "llama_cpp.server", "--model", str(MODEL), "--host", "127.0.0.1",
             "--port", str(self.port), "--chat_format", chat_format, "--n_threads", "2",
             "--n_ctx", str(n_ctx), *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("llama_cpp.server exited: " + Path(self.log.name).read_text()[-2000:])
            try:
                if requests.get(self.url + "/models", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("llama_cpp.server did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def server_installed():
    if not VENV_PY.exists() or not MODEL.exists():
        return False
    return subprocess.run([str(VENV_PY), "-c", "import llama_cpp.server.app"],
                          capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(
    not server_installed(),
    reason="llama-cpp-python[server] or the Gemma 3 270M GGUF is not installed "
           "(run scripts/setup_l2.sh)")


@pytest.fixture(scope="module")
def llama():
    server = LlamaServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def l2_gateway(llama, upstream):
    from conftest import Gateway
    g = Gateway({"ISARTOR__EXTERNAL_LLM_URL": upstream.url, "ISARTOR__LLM_PROVIDER": "openai",
                 "ISARTOR__CACHE_MODE": "exact",
                 "ISARTOR__ENABLE_SLM_ROUTER": "true", "ISARTOR__LAYER2__SIDECAR_URL": llama.url,
                 "ISARTOR__LAYER2__MODEL_NAME": "gemma-3-270m",
                 "ISARTOR__LAYER2__TIMEOUT_SECONDS": "240",
                 "ISARTOR__LAYER2__MAX_ANSWER_TOKENS": "48",
                 "ISARTOR__LAYER2__STOP_SEQUENCES": "###"})
    yield g
    g.stop()


def chat(g, content, **extra):
    headers = extra.pop("headers", {})
    body = {"model": "gpt-4o-mini", "temperature": 0,
            "messages": [{"role": "user", "content": content}], **extra}
    return requests.post(g.base + "/v1/chat/completions", json=body, headers=headers, timeout=300)


def l3_calls(upstream):
    return len(upstream.requests())


def test_health_shows_l2_active_with_its_endpoint(l2_gateway, llama):
    layers = requests.get(l2_gateway.base + "/health", timeout=5).json()["layers"]
    assert layers["l2"].startswith("active (gemma-3-270m at " + llama.url)


def test_simple_prompt_is_answered_by_the_local_model(l2_gateway, upstream):
    upstream.reset()
    r = chat(l2_gateway, SIMPLE)
    assert r.status_code == 200, r.text
    assert r.headers["x-isartor-layer"] == "l2"
    assert "p_complex=" in r.headers["x-isartor-l2-route"]
    body = r.json()
    text = body["choices"][0]["message"]["content"]
    assert text.strip() and "###" not in text
    assert "Paris" in text  # real model text (temperature 0), not the test upstream's
    assert body["model"] == "gemma-3-270m"
    assert l3_calls(upstream) == 0
    # L1a stored the L2 answer: the same request is now an exact-cache hit.
    again = chat(l2_gateway, SIMPLE)
    assert again.headers["x-isartor-layer"] == "l1a"
    assert again.json()["choices"][0]["message"]["content"] == text


def test_streaming_anthropic_client_gets_the_local_answer_as_sse(l2_gateway, upstream):
    upstream.reset()
    r = requests.post(l2_gateway.base + "/v1/messages", timeout=300, stream=True,
                      headers={"anthropic-version": "2023-06-01", "cache-control": "no-cache"},
                      json={"model": "claude-3-5-haiku", "max_tokens": 100, "temperature": 0,
                            "stream": True, "messages": [{"role": "user", "content": SIMPLE}]})
    assert r.status_code == 200
    assert r.headers["x-isartor-layer"] == "l2"
    assert r.headers["content-type"].startswith("text/event-stream")
    events, text = [], ""
    for line in r.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            events.append(line[7:])
        elif line.startswith("data: "):
            data = json.loads(line[6:])
            if data.get("type") == "content_block_delta":
                text += data["delta"]["text"]
    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert "Paris" in text
    assert l3_calls(upstream) == 0


def test_complex_prompt_passes_to_l3(l2_gateway, upstream):
    upstream.reset()
    r = chat(l2_gateway, COMPLEX)
    assert r.status_code == 200
    assert r.headers["x-isartor-layer"] == "l3"
    assert l3_calls(upstream) == 1


def test_tool_request_passes_on(l2_gateway, upstream):
    upstream.reset()
    tools = [{"type": "function", "function": {
        "name": "get_weather", "parameters": {"type": "object", "properties": {
            "city": {"type": "string"}}}}}]
    r = chat(l2_gateway, "What is the weather in Paris?", tools=tools)
    assert r.status_code == 200
    assert r.headers["x-isartor-layer"] == "l3"
    assert l3_calls(upstream) == 1


def test_requests_fall_through_to_l3_when_the_model_server_stops(l2_gateway, llama, upstream):
    llama.stop()
    upstream.reset()
    r = chat(l2_gateway, SIMPLE, headers={"cache-control": "no-cache"})
    assert r.status_code == 200
    assert r.headers["x-isartor-layer"] == "l3"
    assert l3_calls(upstream) == 1
    layers = requests.get(l2_gateway.base + "/health", timeout=5).json()["layers"]
    assert "sidecar failing: " in layers["l2"]
    metrics = l2_gateway.metrics()
    failed = [l for l in metrics.splitlines() if l.startswith('isartor_l2_requests{outcome="failed"}')]
    assert failed and float(failed[0].split()[-1]) >= 1
