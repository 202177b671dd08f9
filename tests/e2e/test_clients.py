"""What real clients rely on besides the happy path (issue 11): errors that say something when
an upstream answers with an empty or non-JSON body, a non-retryable offline 503 both official
SDKs honour, count_tokens, routes in the dialect of their path, /health telling the truth in
offline mode, rejected requests audited like any other, and cut streams audited as what the
client actually got (and ended with the dialect's error event)."""
import json
import socket
import time

import anthropic
import openai
import pytest
import requests

SENTINEL = "http://127.0.0.2:9/v1"  # external when only 127.0.0.1/32 is internal
LOOPBACK_ONLY = {"ISARTOR__INTERNAL_NETWORKS": "127.0.0.1/32"}
MSG = [{"role": "user", "content": "hello there"}]


def gw_for(gateway_factory, upstream, provider, **env):
    return gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": upstream.url,
                            "ISARTOR__LLM_PROVIDER": provider, **env})


def events(gw, name):
    return [l for l in gw.log_lines() if l.get("event") == name]


def wait_for(fn, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return fn()


# -- 3: empty / non-JSON upstream error bodies ------------------------------------------------

@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_an_empty_upstream_error_body_becomes_a_message_with_the_status_type(
        gateway_factory, fresh_upstream, provider):
    gw = gw_for(gateway_factory, fresh_upstream, provider)
    fresh_upstream.behave(mode="status", status=400, body="", times=2)
    with pytest.raises(anthropic.BadRequestError) as e:
        anthropic.Anthropic(base_url=gw.base, api_key="k", max_retries=0).messages.create(
            model="m", max_tokens=5, messages=MSG)
    assert e.value.body["error"]["type"] == "invalid_request_error"
    assert "answered HTTP 400 with an empty body" in e.value.body["error"]["message"]
    with pytest.raises(openai.BadRequestError) as e:
        openai.OpenAI(base_url=gw.base + "/v1", api_key="k", max_retries=0).chat.completions.create(
            model="m", messages=MSG)
    assert "answered HTTP 400 with an empty body" in e.value.body["message"]


def test_a_non_json_upstream_error_is_wrapped_as_json(gateway_factory, fresh_upstream):
    gw = gw_for(gateway_factory, fresh_upstream, "anthropic")
    fresh_upstream.behave(mode="status", status=413, body="<html>too big</html>")
    r = requests.post(gw.base + "/v1/messages", json={"model": "m", "max_tokens": 5, "messages": MSG})
    assert r.status_code == 413 and r.headers["content-type"] == "application/json"
    assert r.json()["error"] == {"type": "request_too_large",
                                 "message": f"primary upstream {fresh_upstream.url} answered "
                                            "HTTP 413: <html>too big</html>"}


# -- 4: the offline 503 is not retried by either SDK ------------------------------------------

def test_neither_sdk_retries_the_offline_503(gateway_factory):
    gw = gateway_factory({"ISARTOR__OFFLINE_MODE": "true", "ISARTOR__EXTERNAL_LLM_URL": SENTINEL,
                          **LOOPBACK_ONLY})
    with pytest.raises(openai.APIStatusError) as e:
        openai.OpenAI(base_url=gw.base + "/v1", api_key="k", max_retries=5).chat.completions.create(
            model="m", messages=MSG)
    assert e.value.status_code == 503 and e.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(anthropic.APIStatusError) as e:
        anthropic.Anthropic(base_url=gw.base, api_key="k", max_retries=5).messages.create(
            model="m", max_tokens=5, messages=MSG)
    assert e.value.status_code == 503
    # max_retries=5 each, yet exactly one request each reached the gateway.
    assert len(events(gw, "request_received")) == 2


# -- 7: /health and offline mode --------------------------------------------------------------

def test_health_says_l3_is_blocked_when_offline_mode_blocks_it(gateway_factory, fresh_upstream):
    blocked = gateway_factory({"ISARTOR__OFFLINE_MODE": "true",
                               "ISARTOR__EXTERNAL_LLM_URL": SENTINEL, **LOOPBACK_ONLY})
    l3 = requests.get(blocked.base + "/health").json()["layers"]["l3"]
    assert l3.startswith("blocked (offline mode") and "active" not in l3
    internal = gateway_factory({"ISARTOR__OFFLINE_MODE": "true",
                                "ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url})
    assert requests.get(internal.base + "/health").json()["layers"]["l3"].startswith("active")


# -- 8: requests rejected by validation -------------------------------------------------------

def test_a_rejected_request_is_audited_with_its_model_and_stream(gateway, fresh_upstream):
    r = requests.post(gateway.base + "/v1/messages",
                      json={"model": "claude-x", "stream": True, "messages": MSG})  # no max_tokens
    assert r.status_code == 400 and r.headers["x-isartor-layer"] == "none"
    rid = r.headers["x-request-id"]
    received = [e for e in events(gateway, "request_received") if e["request_id"] == rid]
    sent = [e for e in events(gateway, "response_sent") if e["request_id"] == rid]
    assert len(received) == 1 and received[0]["model"] == "claude-x" and received[0]["stream"] is True
    assert sent[0]["status"] == 400 and sent[0]["model"] == "claude-x" and sent[0]["stream"] is True
    bad = requests.post(gateway.base + "/v1/chat/completions", data="{nope",
                        headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.headers["x-isartor-layer"] == "none"
    assert any(e["request_id"] == bad.headers["x-request-id"]
               for e in events(gateway, "request_received"))
    assert fresh_upstream.requests() == []


# -- 9: count_tokens and unknown Anthropic routes ---------------------------------------------

def test_count_tokens_is_forwarded_to_an_anthropic_upstream(gateway_factory, fresh_upstream):
    gw = gw_for(gateway_factory, fresh_upstream, "anthropic")
    c = anthropic.Anthropic(base_url=gw.base, api_key="k", max_retries=0)
    n = c.messages.count_tokens(model="claude-x", messages=MSG)
    sent = fresh_upstream.requests()
    assert [r["path"] for r in sent] == ["/v1/messages/count_tokens"]
    assert n.input_tokens == len(sent[0]["raw"]) // 4  # the upstream's own answer


def test_count_tokens_is_estimated_with_wordpiece_otherwise(gateway_factory, fresh_upstream):
    gw = gw_for(gateway_factory, fresh_upstream, "openai")
    raw = anthropic.Anthropic(base_url=gw.base, api_key="k", max_retries=0) \
        .messages.with_raw_response.count_tokens(
            model="claude-x", system="Be brief.",
            messages=[{"role": "user", "content": "What is the capital of France?"}])
    assert raw.headers["x-isartor-token-estimate"] == "wordpiece"
    # [CLS] be brief . what is the capital of france ? [SEP]
    assert raw.parse().input_tokens == 12
    assert fresh_upstream.requests() == []
    r = requests.post(gw.base + "/v1/messages/count_tokens", json={"messages": MSG})
    assert r.status_code == 400 and r.json()["type"] == "error"  # model is required there


def test_unknown_anthropic_routes_answer_in_anthropic_shape_and_are_logged(gateway):
    with pytest.raises(anthropic.NotFoundError) as e:
        anthropic.Anthropic(base_url=gateway.base, api_key="k", max_retries=0).messages.batches.list()
    assert e.value.body["error"]["type"] == "not_found_error"
    assert wait_for(lambda: "no route for GET /v1/messages/batches" in gateway.err_text())
    r = requests.get(gateway.base + "/v1/nothing")
    assert r.status_code == 404 and "error" in r.json() and "type" not in r.json()


# -- 10: cut streams ---------------------------------------------------------------------------

def test_a_stream_the_client_cut_is_audited_as_such(gateway_factory):
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
        sent = wait_for(lambda: events(gw, "response_sent"))
        assert sent[0]["status"] == 499 and sent[0]["completed"] is False
        assert sent[0]["end"] == "client_closed"
        assert events(gw, "l3_call")[0]["completed"] is False
    finally:
        slow.stop()


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_stream_the_upstream_cut_ends_with_the_dialect_error_event(gateway_factory,
                                                                     fresh_upstream, provider):
    gw = gw_for(gateway_factory, fresh_upstream, provider)
    fresh_upstream.behave(mode="cut_stream", after=4, times=2)
    with pytest.raises(anthropic.APIError) as e:
        with anthropic.Anthropic(base_url=gw.base, api_key="k", max_retries=0).messages.stream(
                model="m", max_tokens=50,
                messages=[{"role": "user", "content": "one two three four five six"}]) as s:
            for _ in s.text_stream:
                pass
    assert "cut the stream" in str(e.value)
    with pytest.raises(openai.APIError) as e:
        for _ in openai.OpenAI(base_url=gw.base + "/v1", api_key="k", max_retries=0) \
                .chat.completions.create(model="m", stream=True,
                                         messages=[{"role": "user", "content": "a b c d e f g"}]):
            pass
    assert "cut the stream" in str(e.value)
    sent = events(gw, "response_sent")
    assert [(e["status"], e["completed"], e["end"]) for e in sent] == [(200, False, "incomplete")] * 2
    assert all(e["completed"] is False for e in events(gw, "l3_call"))


# -- isartor connect, through the real binary ---------------------------------------------------

def test_isartor_connect_claude_then_undo_in_a_temporary_home(tmp_path):
    import os
    import subprocess
    from conftest import BIN
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    settings = home / ".claude" / "settings.json"
    settings.write_text('{"model": "opus", "env": {"FOO": "bar"}}')
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    env.update({"HOME": str(home), "ISARTOR__HOST_PORT": "0.0.0.0:9090"})
    r = subprocess.run([str(BIN), "connect", "claude"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert "wrote " + str(settings) in r.stdout and "CLAUDE_CODE_MAX_OUTPUT_TOKENS" in r.stdout
    s = json.loads(settings.read_text())
    assert s["model"] == "opus" and s["env"]["FOO"] == "bar"
    assert s["env"]["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9090"
    r = subprocess.run([str(BIN), "connect", "--undo"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and "restored" in r.stdout, r.stderr
    assert settings.read_text() == '{"model": "opus", "env": {"FOO": "bar"}}'
    settings.write_text("{broken")
    r = subprocess.run([str(BIN), "connect", "claude"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1 and "refusing to change" in r.stderr
    assert settings.read_text() == "{broken"
