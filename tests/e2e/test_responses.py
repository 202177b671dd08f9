"""POST /v1/responses with the official OpenAI SDK: pass-through to an upstream that speaks the
Responses API, translation to chat completions and to Anthropic messages, caching, errors."""
import json

import openai
import pytest
import requests

TOOLS = [{"type": "function", "name": "get_weather", "description": "Weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


def client(gw):
    return openai.OpenAI(base_url=gw.base + "/v1", api_key="sk-test", max_retries=0)


@pytest.fixture
def chat_gateway(gateway_factory, fresh_upstream):
    """The test upstream as an OpenAI-chat-only server (vLLM, llama.cpp): translation."""
    return gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url})


@pytest.fixture
def native_gateway(gateway_factory, fresh_upstream):
    """The test upstream as an upstream that serves the Responses API itself: pass-through."""
    return gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                            "ISARTOR__LLM_RESPONSES_API": "true"})


def test_json_answer_is_translated_from_chat_completions(chat_gateway, fresh_upstream):
    raw = client(chat_gateway).responses.with_raw_response.create(
        model="m", instructions="Be brief.", input="What is the capital of France?", max_output_tokens=50)
    r = raw.parse()
    assert raw.headers["x-isartor-layer"] == "l3"
    assert r.object == "response" and r.status == "completed"
    assert r.output_text.endswith("What is the capital of France?")
    assert r.usage.input_tokens == 11 and r.usage.output_tokens == 7
    sent = fresh_upstream.requests()[-1]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"]["messages"] == [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": "What is the capital of France?"}]
    assert sent["body"]["max_tokens"] == 50


def test_stream_is_translated_into_the_documented_event_sequence(chat_gateway, fresh_upstream):
    events = list(client(chat_gateway).responses.create(model="m", input="stream me please", stream=True))
    types = [e.type for e in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[2:4] == ["response.output_item.added", "response.content_part.added"]
    assert types.count("response.output_text.delta") >= 3
    assert types[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text.endswith("stream me please")
    assert events[-1].response.output_text == text
    assert fresh_upstream.requests()[-1]["body"]["stream"] is True


def test_function_tool_round_trip_through_translation(chat_gateway, fresh_upstream):
    c = client(chat_gateway)
    fresh_upstream.behave(mode="tool_call")
    first = c.responses.create(model="m", input="Weather in Paris?", tools=TOOLS)
    call = first.output[0]
    assert call.type == "function_call" and call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Paris"}
    second = c.responses.create(model="m", tools=TOOLS, input=[
        {"role": "user", "content": "Weather in Paris?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21 C"}])
    assert second.status == "completed"
    sent = fresh_upstream.requests()[-1]["body"]
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    assert sent["messages"][1]["tool_calls"][0]["id"] == call.call_id
    assert sent["messages"][2] == {"role": "tool", "tool_call_id": call.call_id, "content": "sunny, 21 C"}


def test_streamed_function_call_arguments_arrive_as_deltas(chat_gateway, fresh_upstream):
    fresh_upstream.behave(mode="tool_call")
    events = list(client(chat_gateway).responses.create(model="m", input="Weather?", tools=TOOLS, stream=True))
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    done = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert len(deltas) >= 2 and json.loads("".join(deltas)) == {"city": "Paris"}
    assert done[0].name == "get_weather" and done[0].arguments == "".join(deltas)
    assert events[-1].type == "response.completed"
    assert events[-1].response.output[0].type == "function_call"


def test_tools_the_upstream_cannot_run_are_named_in_a_header(chat_gateway, fresh_upstream):
    raw = client(chat_gateway).responses.with_raw_response.create(
        model="m", input="hi", reasoning={"effort": "low"},
        tools=TOOLS + [{"type": "web_search"},
                       {"type": "namespace", "name": "mcp__fs", "description": "files", "tools": []}])
    assert raw.headers["x-isartor-dropped-tools"] == "web_search, namespace:mcp__fs"
    assert raw.headers["x-isartor-dropped-params"] == "reasoning"
    sent = fresh_upstream.requests()[-1]["body"]
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather"]
    assert "reasoning" not in sent


def test_repeat_is_a_cache_hit_replayed_as_responses_events(chat_gateway, fresh_upstream):
    c = client(chat_gateway)
    raw1 = c.responses.with_raw_response.create(model="m", input="cache me", stream=True)
    events1 = list(raw1.parse())
    raw2 = c.responses.with_raw_response.create(model="m", input="cache me", stream=True)
    events2 = list(raw2.parse())
    assert (raw1.headers["x-isartor-layer"], raw2.headers["x-isartor-layer"]) == ("l3", "l1a")
    assert events2[-1].type == "response.completed"
    assert events2[-1].response.output_text == events1[-1].response.output_text
    # The same request spelled as items and without streaming finds the same entry, as JSON.
    raw3 = c.responses.with_raw_response.create(
        model="m", input=[{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "cache me"}]}])
    assert raw3.headers["x-isartor-layer"] == "l1a"
    assert raw3.parse().output_text == events1[-1].response.output_text
    assert len(fresh_upstream.requests()) == 1


def test_pass_through_to_a_responses_upstream_is_byte_faithful(native_gateway, fresh_upstream):
    body = {"model": "m", "input": "native please", "store": False, "include": ["reasoning.encrypted_content"]}
    r = requests.post(native_gateway.base + "/v1/responses", json=body, timeout=10)
    sent = fresh_upstream.requests()[-1]
    assert sent["path"] == "/v1/responses"
    assert sent["raw"] == json.dumps(body)
    assert r.json()["output"][0]["content"][0]["text"].endswith("native please")
    events = list(client(native_gateway).responses.create(model="m", input="native stream", stream=True))
    assert events[-1].type == "response.completed"
    assert events[-1].response.id.startswith("resp_")
    assert fresh_upstream.requests()[-1]["path"] == "/v1/responses"


def test_previous_response_id_is_refused_clearly(chat_gateway, fresh_upstream):
    with pytest.raises(openai.BadRequestError) as err:
        client(chat_gateway).responses.create(model="m", input="and then?", previous_response_id="resp_123")
    assert "server-side" in err.value.message
    assert err.value.body["type"] == "invalid_request_error"
    assert fresh_upstream.requests() == []


def test_a_stream_cut_after_its_first_byte_ends_with_response_failed(chat_gateway, fresh_upstream):
    fresh_upstream.behave(mode="cut_stream", after=3)
    r = requests.post(chat_gateway.base + "/v1/responses", json={"model": "m", "input": "cut me", "stream": True},
                      stream=True, timeout=10)
    body = b""
    try:
        for piece in r.iter_content(None):
            body += piece
    except requests.exceptions.ChunkedEncodingError:
        pass  # the connection closes without the last chunk: the client sees a cut, not an end
    events = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]
    assert events[0]["type"] == "response.created"
    assert events[-1]["type"] == "response.failed"
    assert events[-1]["response"]["id"] == events[0]["response"]["id"]
    assert events[-1]["response"]["error"]["code"] == "server_error"
    # Nothing was cached: the repeat goes upstream again.
    raw = client(chat_gateway).responses.with_raw_response.create(model="m", input="cut me")
    assert raw.headers["x-isartor-layer"] == "l3"


def test_upstream_error_status_keeps_openai_error_shape(chat_gateway, fresh_upstream):
    fresh_upstream.behave(mode="status", status=400,
                          body=json.dumps({"error": {"message": "bad thing", "type": "invalid_request_error"}}))
    with pytest.raises(openai.BadRequestError) as err:
        client(chat_gateway).responses.create(model="m", input="x")
    assert err.value.body["message"] == "bad thing"
    assert err.value.body["type"] == "invalid_request_error"


def test_anthropic_upstream_is_translated_both_ways(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url, "ISARTOR__LLM_PROVIDER": "anthropic"})
    c = client(gw)
    r = c.responses.create(model="claude", instructions="sys", input="hello anthropic", max_output_tokens=64)
    assert r.output_text.endswith("hello anthropic")
    sent = fresh_upstream.requests()[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["body"]["system"] == "sys" and sent["body"]["max_tokens"] == 64
    fresh_upstream.behave(mode="tool_call")
    events = list(c.responses.create(model="claude", input="weather?", tools=TOOLS, stream=True))
    assert events[-1].type == "response.completed"
    call = events[-1].response.output[0]
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Paris"}


def test_metrics_count_responses_as_their_own_endpoint_family(chat_gateway, fresh_upstream):
    client(chat_gateway).responses.create(model="m", input="count me")
    assert 'endpoint_family="responses"' in chat_gateway.metrics()
