"""The upstream fault matrix (issue 19, section 3): every fault the test upstream can inject, for
both client dialects (passed through and translated to the other), for JSON and for streaming
requests. For each: what the client receives
(a status and an error body in its dialect, or -- once a stream started -- the dialect's terminal
error event), how many attempts reached the upstream (retries exactly as configured), that
nothing was stored in L1a or L1b, and the fault's metric. Then the same faults with a fallback
configured: the fallback answers when nothing reached the client yet, never after.

The policy under test is written above UpstreamLayer::Handle (src/layers/l3_upstream) and in
docs/hardening.md.
"""
import hashlib
import json
import re
import socket
import time

import pytest
import requests

from conftest import Gateway, Upstream

PATHS = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}
# Short deadlines so that timeouts are quick; one retry so that "retried" is visible.
ENV = {"ISARTOR__L3_TIMEOUT_SECS": "1", "ISARTOR__L3_TOTAL_TIMEOUT_SECS": "3",
       "ISARTOR__L3_MAX_RETRIES": "1", "ISARTOR__L3_MAX_RESPONSE_BYTES": "65536"}


class Err:
    """The client gets this status and an error body of its dialect (nothing was streamed)."""

    def __init__(self, status, retry_after=None):
        self.status, self.retry_after = status, retry_after


class Cut:
    """The stream started (200) and ends with the dialect's terminal error event."""


# id, behaviour, JSON expectation, stream expectation, attempts (JSON, stream), metric kinds
# (JSON, stream). None: the fault only exists for one of the two.
CASES = [
    ("reset_before_status", dict(mode="reset", at="before_status"), Err(502), Err(502), (2, 2),
     ("connection", "connection")),
    ("reset_mid_body", dict(mode="reset", at="mid_body"), Err(502), Cut(), (2, 1),
     ("connection", "stream_cut")),
    ("status_500", dict(mode="status", status=500), Err(500), Err(500), (1, 1),
     ("status_5xx", "status_5xx")),
    ("status_502", dict(mode="status", status=502), Err(502), Err(502), (2, 2),
     ("status_5xx", "status_5xx")),
    ("status_503", dict(mode="status", status=503), Err(503), Err(503), (2, 2),
     ("status_5xx", "status_5xx")),
    ("status_504", dict(mode="status", status=504), Err(504), Err(504), (2, 2),
     ("status_5xx", "status_5xx")),
    ("status_429_retry_after", dict(mode="status", status=429, headers={"Retry-After": "1"}),
     Err(429, retry_after="1"), Err(429, retry_after="1"), (2, 2), ("status_429", "status_429")),
    ("no_first_byte", dict(mode="slow_first_byte", seconds=2.5), Err(504), Err(504), (1, 1),
     ("timeout", "timeout")),
    ("trickle", dict(mode="trickle", interval=0.4), Err(504), Cut(), (1, 1), ("timeout", "timeout")),
    ("stream_cut", dict(mode="cut_stream", after=3), None, Cut(), (None, 1), (None, "stream_cut")),
    ("malformed_sse", dict(mode="malformed_sse"), None, Cut(), (None, 1),
     (None, "malformed_stream")),
    ("invalid_json", dict(mode="invalid_json"), Err(502), Err(502), (1, 1),
     ("invalid_answer", "invalid_answer")),
    ("too_large", dict(mode="huge", bytes=200000), Err(502), Cut(), (1, 1),
     ("too_large", "too_large")),
    ("compressed", dict(mode="gzip"), Err(502), Err(502), (1, 1), ("compressed", "compressed")),
    ("wrong_content_type", dict(mode="content_type", content_type="text/html"), Err(502),
     Err(502), (1, 1), ("content_type", "content_type")),
]


def body_for(dialect, prompt, stream):
    b = {"model": "m", "messages": [{"role": "user", "content": prompt}], "stream": stream}
    if dialect == "anthropic":
        b["max_tokens"] = 50
    return b


def send(gw, dialect, prompt, stream):
    """(status, headers, raw body text) of one request; a stream is read to its (maybe abrupt) end.
    Each prompt is its own cache session: the similar prompts of other cases never hit in L1b."""
    session = hashlib.sha256(prompt.encode()).hexdigest()[:16]
    r = requests.post(gw.base + PATHS[dialect], json=body_for(dialect, prompt, stream), stream=True,
                      timeout=30, headers={"x-api-key": "k", "authorization": "Bearer k",
                                           "x-isartor-session-id": session})
    raw = b""
    try:
        for chunk in r.iter_content(chunk_size=None):
            raw += chunk
    except requests.exceptions.RequestException:
        pass  # a cut stream ends without its last chunk: that is what we check below
    return r.status_code, r.headers, raw.decode("utf-8", "replace")


def sse_events(text):
    """[(event name, data string)] of an SSE body."""
    out = []
    for block in re.split(r"\r?\n\r?\n", text):
        name, data = "", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            out.append((name, "\n".join(data)))
    return out


def stream_text(events):
    """The answer text carried by the deltas of an OpenAI or Anthropic stream."""
    text = ""
    for _, data in events:
        if data == "[DONE]":
            continue
        doc = json.loads(data)
        if doc.get("type") == "content_block_delta":
            text += doc["delta"].get("text", "")
        for choice in doc.get("choices", []):
            text += choice.get("delta", {}).get("content") or ""
    return text


def is_error_body(dialect, doc):
    if dialect == "anthropic":
        return doc.get("type") == "error" and doc["error"].get("message")
    return bool(doc.get("error", {}).get("message"))


def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    m = re.search(rf"^{re.escape(name)}(?:\{{{re.escape(want)}\}})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def counters(gw):
    text = gw.metrics()
    out = {"retries": metric(text, "isartor_upstream_retries_total"),
           "fallbacks": metric(text, "isartor_upstream_fallbacks_total"),
           "l1a_store": metric(text, "isartor_cache_events_total", cache_layer="l1a", outcome="store"),
           "l1b_store": metric(text, "isartor_cache_events_total", cache_layer="l1b", outcome="store")}
    for kind in ("connection", "timeout", "status_429", "status_5xx", "invalid_answer", "too_large",
                 "compressed", "content_type", "stream_cut", "malformed_stream"):
        out[kind] = metric(text, "isartor_upstream_faults_total", kind=kind)
    return out


def delta(before, after):
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


@pytest.fixture(scope="module")
def primary():
    u = Upstream(chunk_delay=0.01)
    yield u
    u.stop()


@pytest.fixture(scope="module")
def fallback():
    u = Upstream(chunk_delay=0.01)
    yield u
    u.stop()


# Client dialect -> upstream dialect: same-dialect pass-through and both translations.
ROUTES = {"openai": ("openai", "openai"), "anthropic": ("anthropic", "anthropic"),
          "openai-to-anthropic": ("openai", "anthropic"),
          "anthropic-to-openai": ("anthropic", "openai")}


@pytest.fixture(scope="module")
def gateways(primary):
    started = {r: Gateway({"ISARTOR__EXTERNAL_LLM_URL": primary.url, "ISARTOR__LLM_PROVIDER": p,
                           **ENV})
               for r, (_, p) in ROUTES.items()}
    yield started
    for g in started.values():
        g.stop()


@pytest.fixture(scope="module")
def gateways_with_fallback(primary, fallback):
    started = {d: Gateway({"ISARTOR__EXTERNAL_LLM_URL": primary.url, "ISARTOR__LLM_PROVIDER": d,
                           "ISARTOR__FALLBACK_PROVIDERS": f"{d}@{fallback.url}", **ENV})
               for d in PATHS}
    yield started
    for g in started.values():
        g.stop()


def check_client_result(dialect, expect, status, headers, text):
    if isinstance(expect, Err):
        assert status == expect.status, text
        assert "application/json" in headers.get("content-type", "")
        assert is_error_body(dialect, json.loads(text)), text
        assert headers.get("x-isartor-layer") == "l3"
        if expect.retry_after:
            assert headers.get("retry-after") == expect.retry_after
        return
    assert status == 200 and "text/event-stream" in headers.get("content-type", "")
    events = sse_events(text)
    assert events, text
    name, data = events[-1]
    if dialect == "anthropic":
        assert name == "error" and json.loads(data)["type"] == "error", text
        assert not any(n == "message_stop" for n, _ in events)
    else:
        assert is_error_body(dialect, json.loads(data)), text
        assert "[DONE]" not in [d for _, d in events]


def assert_not_cached(gw, up, dialect, prompt, stream):
    """The same request again, with the upstream healthy: it must reach the upstream."""
    up.reset()
    status, headers, text = send(gw, dialect, prompt, stream)
    assert status == 200, text
    assert headers.get("x-isartor-layer") == "l3"
    assert len(up.requests()) == 1


MATRIX = [pytest.param(case, route, stream, id=f"{case[0]}-{route}-{'stream' if stream else 'json'}")
          for case in CASES for route in ROUTES for stream in (False, True)
          if case[3 if stream else 2] is not None]


@pytest.mark.parametrize("case,route,stream", MATRIX)
def test_upstream_fault(gateways, primary, route, stream, case):
    name, behave, expect_json, expect_stream, attempts, kinds = case
    expect = expect_stream if stream else expect_json
    dialect = ROUTES[route][0]
    gw = gateways[route]
    primary.reset()
    primary.behave(times=2, **behave)
    prompt = f"fault {name} {route} {'stream' if stream else 'json'}"
    before = counters(gw)
    status, headers, text = send(gw, dialect, prompt, stream)
    after = counters(gw)
    check_client_result(dialect, expect, status, headers, text)
    want_attempts = attempts[1 if stream else 0]
    got = primary.requests()
    assert len(got) == want_attempts, [r["path"] for r in got]
    if name == "status_429_retry_after":
        assert got[1]["time"] - got[0]["time"] >= 0.9  # the retry waited as Retry-After asked
    kind = kinds[1 if stream else 0]
    counted = want_attempts if isinstance(expect, Err) or want_attempts > 1 else 1
    assert delta(before, after).get(kind) == counted, delta(before, after)
    assert after["retries"] - before["retries"] == want_attempts - 1
    assert after["l1a_store"] == before["l1a_store"] and after["l1b_store"] == before["l1b_store"]
    assert_not_cached(gw, primary, dialect, prompt, stream)


def test_connection_refused(gateway_factory):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    for dialect in PATHS:
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": f"http://127.0.0.1:{port}/v1",
                              "ISARTOR__LLM_PROVIDER": dialect, **ENV})
        for stream in (False, True):
            before = counters(gw)
            status, headers, text = send(gw, dialect, f"refused {stream}", stream)
            after = counters(gw)
            check_client_result(dialect, Err(502), status, headers, text)
            assert delta(before, after).get("connection") == 2  # first try + one retry
            assert after["retries"] - before["retries"] == 1
            assert after["l1a_store"] == before["l1a_store"]


# Faults after which the fallback must answer (nothing reached the client yet), with the
# primary's attempts before moving on.
FALLBACK_CASES = [
    ("reset_before_status", dict(mode="reset", at="before_status"), False, 2),
    ("reset_mid_body_json", dict(mode="reset", at="mid_body"), False, 2),
    ("status_500", dict(mode="status", status=500), False, 1),
    ("status_503", dict(mode="status", status=503), True, 2),
    ("status_429", dict(mode="status", status=429), False, 2),
    ("no_first_byte", dict(mode="slow_first_byte", seconds=2.5), True, 1),
    ("invalid_json", dict(mode="invalid_json"), False, 1),
    ("too_large_json", dict(mode="huge", bytes=200000), False, 1),
    ("compressed", dict(mode="gzip"), True, 1),
    ("wrong_content_type", dict(mode="content_type", content_type="text/html"), False, 1),
]


@pytest.mark.parametrize("dialect", list(PATHS))
@pytest.mark.parametrize("case", FALLBACK_CASES, ids=[c[0] for c in FALLBACK_CASES])
def test_fallback_answers_what_the_primary_could_not(gateways_with_fallback, primary, fallback,
                                                      dialect, case):
    name, behave, stream, primary_attempts = case
    gw = gateways_with_fallback[dialect]
    primary.reset()
    fallback.reset()
    primary.behave(times=2, **behave)
    before = counters(gw)
    status, headers, text = send(gw, dialect, f"fallback {name} {dialect}", stream)
    after = counters(gw)
    assert status == 200, text
    assert headers.get("x-isartor-layer") == "l3"
    answer = stream_text(sse_events(text)) if stream else text
    assert f"fallback {name} {dialect}" in answer
    assert len(primary.requests()) == primary_attempts
    assert len(fallback.requests()) == 1
    assert after["fallbacks"] - before["fallbacks"] == 1


@pytest.mark.parametrize("dialect", list(PATHS))
def test_no_fallback_once_a_stream_started(gateways_with_fallback, primary, fallback, dialect):
    gw = gateways_with_fallback[dialect]
    primary.reset()
    fallback.reset()
    primary.behave(mode="cut_stream", after=3)
    status, headers, text = send(gw, dialect, f"cut, no fallback {dialect}", True)
    check_client_result(dialect, Cut(), status, headers, text)
    assert fallback.requests() == []
