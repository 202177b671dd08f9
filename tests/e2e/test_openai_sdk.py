"""The official OpenAI SDK against isartor, with an OpenAI-compatible upstream behind it."""
import re
import time

import openai
import pytest


def client(gw, key="sk-test", **kw):
    return openai.OpenAI(base_url=gw.base + "/v1", api_key=key, max_retries=0, **kw)


def ask(gw, text, **kw):
    raw = client(gw).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], **kw)
    return raw.headers, raw.parse()


def test_miss_goes_to_l3_and_repeat_is_served_by_l1a(gateway, fresh_upstream):
    h1, r1 = ask(gateway, "What is the capital of France?")
    assert h1["x-isartor-layer"] == "l3"
    assert h1["x-isartor-deflected"] == "false"
    h2, r2 = ask(gateway, "What is the capital of France?")
    assert h2["x-isartor-layer"] == "l1a"
    assert h2["x-isartor-deflected"] == "true"
    assert r2.choices[0].message.content == r1.choices[0].message.content
    assert r2.usage.total_tokens == r1.usage.total_tokens
    assert len(fresh_upstream.requests()) == 1


def test_different_sampling_parameters_are_different_entries(gateway, fresh_upstream):
    ask(gateway, "Tell me a joke", temperature=0.1)
    h, _ = ask(gateway, "Tell me a joke", temperature=0.9)
    assert h["x-isartor-layer"] == "l3"


def test_streaming_is_relayed_incrementally(gateway_factory):
    from conftest import Upstream
    slow = Upstream(chunk_delay=0.3)
    try:
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": slow.url})
        start = time.monotonic()
        arrivals, text = [], ""
        stream = client(gw).chat.completions.create(
            model="m", stream=True, messages=[{"role": "user", "content": "one two three four five"}])
        for chunk in stream:
            arrivals.append(time.monotonic() - start)
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
        assert text.endswith("one two three four five")
        # The upstream spends ~0.3 s per chunk over ~10 chunks: a relay that buffered the whole
        # answer would deliver everything at the end. The first chunk must come long before the last.
        assert len(arrivals) >= 8
        assert arrivals[-1] - arrivals[0] > 1.5
    finally:
        slow.stop()


def test_streamed_answer_is_cached_and_replayed_as_sse(gateway, fresh_upstream):
    def stream_text():
        raw = client(gateway).chat.completions.with_raw_response.create(
            model="m", stream=True, messages=[{"role": "user", "content": "stream me"}])
        text = "".join(c.choices[0].delta.content or "" for c in raw.parse() if c.choices)
        return raw.headers["x-isartor-layer"], text

    layer1, text1 = stream_text()
    layer2, text2 = stream_text()
    assert (layer1, layer2) == ("l3", "l1a")
    assert text1 == text2 and text1.endswith("stream me")
    # The same question without streaming is served from the same entry, as JSON.
    raw = client(gateway).chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "stream me"}])
    assert raw.headers["x-isartor-layer"] == "l1a"
    assert raw.parse().choices[0].message.content == text1


def test_a_cut_stream_is_not_cached(gateway, fresh_upstream):
    fresh_upstream.behave(mode="cut_stream", after=3)
    with pytest.raises(Exception):
        stream = client(gateway).chat.completions.create(
            model="m", stream=True, messages=[{"role": "user", "content": "cut me off please"}])
        for _ in stream:
            pass
    raw = client(gateway).chat.completions.with_raw_response.create(
        model="m", stream=True, messages=[{"role": "user", "content": "cut me off please"}])
    assert raw.headers["x-isartor-layer"] == "l3"


def test_fields_arrive_upstream_intact(gateway, fresh_upstream):
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}]
    client(gateway).chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=tools, tool_choice="auto", temperature=0.3,
        top_p=0.9, max_tokens=50, seed=7, stop=["END"], response_format={"type": "text"},
        extra_body={"unknown_vendor_field": {"nested": [1, 2, 3]}})
    got = fresh_upstream.requests()[-1]
    body = got["body"]
    assert body["messages"] == messages
    assert body["tools"] == tools
    assert body["tool_choice"] == "auto"
    assert body["temperature"] == 0.3 and body["top_p"] == 0.9 and body["max_tokens"] == 50
    assert body["seed"] == 7 and body["stop"] == ["END"]
    assert body["unknown_vendor_field"] == {"nested": [1, 2, 3]}
    assert got["headers"]["authorization"] == "Bearer sk-test"  # passed through: no upstream key set
    assert got["headers"].get("x-request-id")


def test_tool_calls_come_back_to_the_client(gateway, fresh_upstream):
    fresh_upstream.behave(mode="tool_call")
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    r = client(gateway).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "weather?"}], tools=tools)
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert call.function.arguments == '{"city": "Paris"}'
    assert r.choices[0].finish_reason == "tool_calls"


def test_configured_upstream_key_replaces_the_client_key(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__EXTERNAL_LLM_API_KEY": "sk-upstream",
                          "ISARTOR__GATEWAY_API_KEY": "gw-key"})
    client(gw, key="gw-key").chat.completions.create(
        model="m", messages=[{"role": "user", "content": "auth?"}])
    assert fresh_upstream.requests()[-1]["headers"]["authorization"] == "Bearer sk-upstream"


def test_model_alias_and_default_model(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__MODEL_ALIASES": "fast=small-model-v2",
                          "ISARTOR__EXTERNAL_LLM_MODEL": "default-model"})
    client(gw).chat.completions.create(model="fast", messages=[{"role": "user", "content": "a"}])
    assert fresh_upstream.requests()[-1]["body"]["model"] == "small-model-v2"
    import requests
    requests.post(gw.base + "/v1/chat/completions", json={"messages": [{"role": "user", "content": "b"}]})
    assert fresh_upstream.requests()[-1]["body"]["model"] == "default-model"
    models = client(gw).models.list()
    assert {m.id for m in models.data} >= {"default-model", "fast"}


def test_session_header_partitions_the_cache(gateway, fresh_upstream):
    c = client(gateway)
    msg = [{"role": "user", "content": "session question"}]
    c.chat.completions.create(model="m", messages=msg, extra_headers={"x-isartor-session-id": "A"})
    raw = c.chat.completions.with_raw_response.create(model="m", messages=msg,
                                                      extra_headers={"x-isartor-session-id": "B"})
    assert raw.headers["x-isartor-layer"] == "l3"
    raw = c.chat.completions.with_raw_response.create(model="m", messages=msg,
                                                      extra_headers={"x-isartor-session-id": "A"})
    assert raw.headers["x-isartor-layer"] == "l1a"


def test_cache_control_no_cache_and_no_store(gateway, fresh_upstream):
    c = client(gateway)
    msg = [{"role": "user", "content": "cache control"}]
    c.chat.completions.create(model="m", messages=msg, extra_headers={"Cache-Control": "no-store"})
    raw = c.chat.completions.with_raw_response.create(model="m", messages=msg)
    assert raw.headers["x-isartor-layer"] == "l3"   # the first answer was not stored
    raw = c.chat.completions.with_raw_response.create(model="m", messages=msg,
                                                      extra_headers={"Cache-Control": "no-cache"})
    assert raw.headers["x-isartor-layer"] == "l3"   # stored now, but lookup skipped


def test_request_id_is_returned_and_passed_upstream(gateway, fresh_upstream):
    raw = client(gateway).chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "id?"}], extra_headers={"x-request-id": "my-id-123"})
    assert raw.headers["x-request-id"] == "my-id-123"
    # Upstream, the id rides as x-isartor-request-id; x-request-id is a UUID made from it
    # (llama-cpp-python's server rejects any other x-request-id), and a UUID id stays itself.
    sent = fresh_upstream.requests()[-1]["headers"]
    assert sent["x-isartor-request-id"] == "my-id-123"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        sent["x-request-id"])
    uuid = "0b6f2a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    client(gateway).chat.completions.create(model="m", messages=[{"role": "user", "content": "id2?"}],
                                            extra_headers={"x-request-id": uuid})
    assert fresh_upstream.requests()[-1]["headers"]["x-request-id"] == uuid
    log = [l for l in gateway.log_lines() if l.get("request_id") == "my-id-123" and l["event"] == "response_sent"]
    assert log and log[0]["layer"] == "l3" and log[0]["status"] == 200
    assert "id?" not in str(log)  # no prompt text in logs by default
