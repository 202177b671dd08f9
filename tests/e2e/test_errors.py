"""Errors in the route's dialect with the right status, misbehaving upstreams, slow clients."""
import json
import socket
import time

import anthropic
import openai
import pytest
import requests

CHAT = "/v1/chat/completions"
MSGS = "/v1/messages"


def post(gw, path, body, headers=None, raw=False):
    data = body if raw else json.dumps(body)
    return requests.post(gw.base + path, data=data, timeout=30,
                         headers={"content-type": "application/json", **(headers or {})})


def is_openai_error(r):
    return "error" in r.json() and "message" in r.json()["error"]


def is_anthropic_error(r):
    j = r.json()
    return j.get("type") == "error" and "message" in j["error"]


def test_invalid_json_is_400_in_each_dialect(gateway):
    r = post(gateway, CHAT, "{not json", raw=True)
    assert r.status_code == 400 and is_openai_error(r)
    r = post(gateway, MSGS, "{not json", raw=True)
    assert r.status_code == 400 and is_anthropic_error(r)


def test_schema_errors_are_400(gateway):
    r = post(gateway, CHAT, {"model": "m", "messages": "hi"})
    assert r.status_code == 400 and "messages" in r.json()["error"]["message"]
    r = post(gateway, MSGS, {"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 400 and "max_tokens" in r.json()["error"]["message"]
    r = post(gateway, CHAT, {"model": "m", "messages": [{"role": "wizard", "content": "x"}]})
    assert r.status_code == 400


def test_missing_or_wrong_key_is_401(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__GATEWAY_API_KEY": "right-key"})
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    assert post(gw, CHAT, body).status_code == 401
    r = post(gw, CHAT, body, {"authorization": "Bearer wrong-key"})
    assert r.status_code == 401 and is_openai_error(r)
    r = post(gw, MSGS, {**body, "max_tokens": 5}, {"x-api-key": "wrong"})
    assert r.status_code == 401 and is_anthropic_error(r)
    assert post(gw, CHAT, body, {"authorization": "Bearer right-key"}).status_code == 200
    assert post(gw, CHAT, body, {"x-api-key": "right-key"}).status_code == 200
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=gw.base + "/v1", api_key="nope", max_retries=0).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}])
    assert len(fresh_upstream.requests()) == 1  # same key, same tenant: the second was an L1a hit


def test_oversized_body_is_413_without_reading_it(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__MAX_BODY_BYTES": "10000"})
    # Announce 100 MB but send only the headers: the answer must come without the body.
    s = socket.create_connection(("127.0.0.1", gw.port), timeout=5)
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100000000\r\n\r\n")
    reply = s.recv(65536).decode()
    assert reply.startswith("HTTP/1.1 413")
    assert '"error"' in reply
    s.close()
    # Chunked bodies have no length up front: cut off at the limit.
    def gen():
        for _ in range(100):
            yield b"x" * 1000
    r = requests.post(gw.base + MSGS, data=gen(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and is_anthropic_error(r)


def test_oversized_body_written_whole_before_reading_still_gets_the_413(gateway_factory,
                                                                        fresh_upstream):
    # Python's http.client writes the whole body before it reads: if the gateway closed with
    # unread bytes, the kernel would reset the connection and the client would see a broken
    # pipe instead of the 413. The gateway discards the rest of the body (like nginx lingers).
    import http.client
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__MAX_BODY_BYTES": "10000"})
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    conn.request("POST", CHAT, body=b"x" * (9 << 20), headers={"content-type": "application/json"})
    r = conn.getresponse()
    assert r.status == 413
    assert "ISARTOR__MAX_BODY_BYTES" in json.loads(r.read())["error"]["message"]
    conn.close()
    assert fresh_upstream.requests() == []


def test_unreachable_upstream_is_502(gateway_factory):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": f"http://127.0.0.1:{port}/v1",
                          "ISARTOR__L3_MAX_RETRIES": "1"})
    r = post(gw, CHAT, {"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 502 and is_openai_error(r)
    assert r.headers["x-isartor-layer"] == "l3"
    r = post(gw, MSGS, {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 502 and is_anthropic_error(r)


def test_upstream_timeout_is_504(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__L3_TIMEOUT_SECS": "1"})
    fresh_upstream.behave(mode="hang")
    r = post(gw, CHAT, {"model": "m", "messages": [{"role": "user", "content": "slow"}]})
    assert r.status_code == 504 and is_openai_error(r)


def test_retryable_failures_are_retried_before_the_first_byte(gateway, fresh_upstream):
    fresh_upstream.behave(mode="status", status=503, times=2)
    r = post(gateway, CHAT, {"model": "m", "messages": [{"role": "user", "content": "retry me"}]})
    assert r.status_code == 200
    assert len(fresh_upstream.requests()) == 3


def test_non_retryable_upstream_error_is_relayed_in_the_client_dialect(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__LLM_PROVIDER": "openai"})
    fresh_upstream.behave(mode="status", status=400,
                          body=json.dumps({"error": {"message": "context too long",
                                                     "type": "invalid_request_error"}}))
    with pytest.raises(anthropic.BadRequestError) as e:
        anthropic.Anthropic(base_url=gw.base, api_key="k", max_retries=0).messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert "context too long" in str(e.value)
    assert len(fresh_upstream.requests()) == 1  # 400 is not retried
    # and an error is never cached
    r = post(gw, MSGS, {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 200


def test_fallback_provider_answers_when_the_primary_is_down(gateway_factory, fresh_upstream):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": f"http://127.0.0.1:{dead}/v1",
                          "ISARTOR__L3_MAX_RETRIES": "0",
                          "ISARTOR__FALLBACK_PROVIDERS": f"anthropic@{fresh_upstream.url}"})
    r = post(gw, CHAT, {"model": "m", "messages": [{"role": "user", "content": "fall back"}]})
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"].endswith("fall back")
    assert fresh_upstream.requests()[-1]["path"] == "/v1/messages"


def test_a_2xx_answer_that_is_not_json_is_a_502(gateway, fresh_upstream):
    fresh_upstream.behave(mode="not_json")
    r = post(gateway, CHAT, {"model": "m", "messages": [{"role": "user", "content": "html?"}]})
    assert r.status_code == 502


def test_slow_client_cannot_hold_a_connection(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__HEADER_TIMEOUT_SECS": "1", "ISARTOR__BODY_TIMEOUT_SECS": "1"})
    s = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
    start = time.monotonic()
    assert s.recv(100) == b""  # the gateway closes the connection
    assert time.monotonic() - start < 8
    s2 = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
    s2.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
    assert s2.recv(100) == b""


def test_client_disconnect_cancels_the_upstream_stream(gateway_factory):
    from conftest import Upstream
    slow = Upstream(chunk_delay=0.5)
    try:
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": slow.url})
        s = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
        body = json.dumps({"model": "m", "stream": True,
                           "messages": [{"role": "user", "content": " ".join(["w"] * 40)}]}).encode()
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert b"200 OK" in s.recv(4096)
        s.close()
        # The gateway notices and closes its upstream connection: the log line shows the
        # request ended long before the ~20 s the upstream would have streamed for.
        deadline = time.time() + 10
        while time.time() < deadline:
            lines = [l for l in gw.log_lines() if l.get("event") == "response_sent"]
            if lines:
                break
            time.sleep(0.1)
        assert lines and lines[0]["latency_ms"] < 8000
    finally:
        slow.stop()


def test_health_endpoints(gateway):
    assert requests.get(gateway.base + "/healthz").json() == {"status": "ok"}
    h = requests.get(gateway.base + "/health").json()
    assert h["version"] and h["uptime_seconds"] >= 0
    assert h["layers"]["l1a"] == "active" and h["layers"]["l2"].startswith("disabled")
    assert requests.get(gateway.base + "/nope").status_code == 404


def test_metrics_count_requests_by_layer(gateway):
    body = {"model": "m", "messages": [{"role": "user", "content": "metrics"}]}
    post(gateway, CHAT, body)
    post(gateway, CHAT, body)
    post(gateway, CHAT, "{bad", raw=True)
    text = gateway.metrics()
    assert 'isartor_requests_total{final_layer="L3_Cloud",status_code="200",endpoint_family="openai"} 1' in text
    assert 'isartor_requests_total{final_layer="L1a_ExactCache",status_code="200",endpoint_family="openai"} 1' in text
    assert 'final_layer="none",status_code="400"' in text
    assert "isartor_request_duration_seconds_bucket" in text
