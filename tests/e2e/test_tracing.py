"""OpenTelemetry traces end to end: the gateway exports OTLP/HTTP JSON spans to a receiver this
test starts, continues the client's W3C trace and passes its L3 span upstream; a dead or
hanging collector adds no latency to requests and its failures are counted; offline mode
refuses an external collector and counts the spans as blocked."""
import re
import signal
import socket
import statistics
import time

import pytest
import requests

from otlp_receiver import OtlpReceiver

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
CLIENT_TRACEPARENT = f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"


@pytest.fixture
def receiver():
    r = OtlpReceiver()
    yield r
    r.stop()


def attrs(span):
    out = {}
    for a in span["attributes"]:
        (kind, value), = a["value"].items()
        out[a["key"]] = int(value) if kind == "intValue" else value
    return out


def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    m = re.search(rf"^{re.escape(name)}(?:\{{{re.escape(want)}\}})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def chat(gw, content, headers=None):
    return requests.post(gw.base + "/v1/chat/completions", headers=headers or {}, timeout=30,
                         json={"model": "m", "messages": [{"role": "user", "content": content}]})


def wait_for(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def traced_gateway(gateway_factory, upstream, collector_url, **extra):
    env = {"ISARTOR__EXTERNAL_LLM_URL": upstream.url, "ISARTOR__LLM_PROVIDER": "openai",
           "ISARTOR__CACHE_MODE": "exact", "ISARTOR__ENABLE_MONITORING": "true",
           "ISARTOR__OTEL_EXPORTER_ENDPOINT": collector_url}
    env.update(extra)
    return gateway_factory(env)


def test_spans_form_a_tree_continue_the_client_trace_and_reach_upstream(
        gateway_factory, fresh_upstream, receiver):
    gw = traced_gateway(gateway_factory, fresh_upstream, receiver.url)
    r = chat(gw, "trace me", {"traceparent": CLIENT_TRACEPARENT})
    assert r.status_code == 200

    spans = wait_for(lambda: [s for s in receiver.spans() if s["traceId"] == CLIENT_TRACE]
                     if len([s for s in receiver.spans() if s["traceId"] == CLIENT_TRACE]) >= 3
                     else None)
    assert spans, f"spans never arrived: {receiver.spans()}"
    assert receiver.requests[0]["path"] == "/v1/traces"
    assert receiver.requests[0]["content_type"] == "application/json"
    by_name = {s["name"]: s for s in spans}
    root = by_name["POST /v1/chat/completions"]
    assert root["parentSpanId"] == CLIENT_SPAN  # the client's span is our parent
    assert root["kind"] == 2
    assert attrs(root)["isartor.final_layer"] == "L3_Cloud"
    assert attrs(root)["http.response.status_code"] == 200
    l1a, l3 = by_name["L1a_ExactCache"], by_name["L3_Cloud"]
    assert l1a["parentSpanId"] == root["spanId"] and l3["parentSpanId"] == root["spanId"]
    assert attrs(l1a)["isartor.hit"] is False
    l3_attrs = attrs(l3)
    assert l3_attrs["isartor.hit"] is True
    assert l3_attrs["isartor.provider"] == "openai"
    assert l3_attrs["isartor.model"] == "m"
    assert l3_attrs["http.response.status_code"] == 200
    assert l3_attrs["isartor.upstream.ttfb_ms"] > 0
    for s in spans:
        assert re.fullmatch(r"[0-9a-f]{16}", s["spanId"])
        assert int(s["startTimeUnixNano"]) <= int(s["endTimeUnixNano"])

    # The upstream continues the trace with the L3 span as its parent.
    sent = [q for q in fresh_upstream.requests() if q["path"].endswith("/chat/completions")]
    assert sent[-1]["headers"]["traceparent"] == f"00-{CLIENT_TRACE}-{l3['spanId']}-01"

    # A repeat is an L1a hit: its trace has the root and the L1a span only.
    r = chat(gw, "trace me")
    assert r.headers.get("x-isartor-layer") == "l1a"
    hit = wait_for(lambda: [s for s in receiver.spans() if s["name"] == "L1a_ExactCache"
                            and attrs(s)["isartor.hit"] is True])
    assert hit
    same_trace = [s for s in receiver.spans() if s["traceId"] == hit[0]["traceId"]]
    assert wait_for(lambda: len([s for s in receiver.spans()
                                 if s["traceId"] == hit[0]["traceId"]]) == 2)
    assert {s["name"] for s in same_trace} <= {"POST /v1/chat/completions", "L1a_ExactCache"}
    assert wait_for(lambda: metric(gw.metrics(), "isartor_trace_spans_total", outcome="exported") >= 5)


def test_a_request_without_traceparent_starts_a_new_trace(gateway_factory, fresh_upstream, receiver):
    gw = traced_gateway(gateway_factory, fresh_upstream, receiver.url)
    assert chat(gw, "fresh trace").status_code == 200
    roots = wait_for(lambda: [s for s in receiver.spans() if s["name"].startswith("POST ")])
    assert roots and "parentSpanId" not in roots[0] or roots[0].get("parentSpanId", "") == ""
    sent = [q for q in fresh_upstream.requests() if q["path"].endswith("/chat/completions")]
    assert sent[-1]["headers"]["traceparent"].startswith(f"00-{roots[0]['traceId']}-")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def median_latency(gw, n=25):
    chat(gw, "warm the cache")  # later calls are L1a hits: fast and deterministic
    times = []
    for _ in range(n):
        t = time.perf_counter()
        assert chat(gw, "warm the cache").status_code == 200
        times.append(time.perf_counter() - t)
    return statistics.median(times)


@pytest.mark.parametrize("collector", ["dead", "hanging"])
def test_a_dead_or_hanging_collector_adds_no_latency_and_is_counted(
        gateway_factory, fresh_upstream, collector):
    hanging = OtlpReceiver(mode="hang") if collector == "hanging" else None
    url = hanging.url if hanging else f"http://127.0.0.1:{closed_port()}"
    try:
        plain = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                                 "ISARTOR__LLM_PROVIDER": "openai", "ISARTOR__CACHE_MODE": "exact"})
        traced = traced_gateway(gateway_factory, fresh_upstream, url)
        baseline = median_latency(plain)
        with_collector = median_latency(traced)
        # A functional check, not a benchmark: an export waiting on the collector would add
        # seconds (connect/answer timeouts), so a generous bound still catches it.
        assert with_collector < baseline + 0.05, (baseline, with_collector)
        # The export thread sees the failure (connection refused at once; the hanging one after
        # its 5 s timeout) and counts every span of the batch.
        assert wait_for(lambda: metric(traced.metrics(), "isartor_trace_spans_total",
                                       outcome="failed"), timeout=20)
        assert metric(traced.metrics(), "isartor_trace_spans_total", outcome="exported") == 0
        # Shutdown flushes with a short deadline: a hanging collector cannot hold the exit.
        started = time.time()
        assert traced.stop(signal.SIGTERM, timeout=20) == 0
        assert time.time() - started < 8
    finally:
        if hanging:
            hanging.stop()


def test_offline_mode_exports_nothing_to_an_external_collector(gateway_factory, fresh_upstream):
    external = OtlpReceiver(host="127.0.0.2")  # external: only 127.0.0.1/32 is internal
    try:
        gw = traced_gateway(gateway_factory, fresh_upstream, external.url,
                            ISARTOR__OFFLINE_MODE="true",
                            ISARTOR__INTERNAL_NETWORKS="127.0.0.1/32")
        for i in range(3):
            assert chat(gw, f"offline {i}").status_code == 200
        assert wait_for(lambda: metric(gw.metrics(), "isartor_trace_spans_total",
                                       outcome="blocked"), timeout=15) >= 2
        blocked = metric(gw.metrics(), "isartor_egress_blocked_total", purpose="telemetry")
        assert blocked >= 1
        # One more export attempt (blocked too): still nothing may have arrived.
        assert chat(gw, "offline again").status_code == 200
        assert wait_for(lambda: metric(gw.metrics(), "isartor_egress_blocked_total",
                                       purpose="telemetry") > blocked, timeout=15)
        assert external.requests == []
    finally:
        external.stop()


def test_l1b_embedding_and_index_search_are_child_spans_of_the_l1b_span(
        gateway_factory, fresh_upstream, receiver):
    gw = traced_gateway(gateway_factory, fresh_upstream, receiver.url, ISARTOR__CACHE_MODE="semantic")
    assert chat(gw, "How do I reset my home router?").headers["x-isartor-layer"] == "l3"
    r = chat(gw, "How can I reset my home router?")
    assert r.headers["x-isartor-layer"] == "l1b"
    hit = wait_for(lambda: [s for s in receiver.spans() if s["name"] == "L1b_SemanticCache"
                            and attrs(s)["isartor.hit"] is True])
    assert hit and attrs(hit[0])["isartor.similarity"] > 0.9
    steps = wait_for(lambda: {s["name"]: s for s in receiver.spans()
                              if s.get("parentSpanId") == hit[0]["spanId"]}
                     if len([s for s in receiver.spans()
                             if s.get("parentSpanId") == hit[0]["spanId"]]) >= 2 else None)
    assert steps and {"L1b embedding", "L1b index search"} <= set(steps)
    assert attrs(steps["L1b index search"])["isartor.candidates"] >= 1
