"""The official Anthropic SDK against isartor: same-dialect pass-through, and translation when
the upstream speaks OpenAI (an internal vLLM), tools included, JSON and streaming."""
import anthropic
import pytest

TOOLS = [{"name": "get_weather", "description": "Weather for a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]


def client(gw):
    return anthropic.Anthropic(base_url=gw.base, api_key="sk-ant-test", max_retries=0)


@pytest.fixture
def anthropic_gateway(gateway_factory, fresh_upstream):
    return gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                            "ISARTOR__LLM_PROVIDER": "anthropic"})


@pytest.fixture(params=["anthropic", "openai"])
def any_gateway(request, gateway_factory, fresh_upstream):
    """Anthropic client in front of an Anthropic upstream, and of an OpenAI-compatible one."""
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__LLM_PROVIDER": request.param})
    gw.provider = request.param
    return gw


def test_miss_then_hit(any_gateway, fresh_upstream):
    c = client(any_gateway)
    raw = c.messages.with_raw_response.create(model="claude-x", max_tokens=64,
                                              messages=[{"role": "user", "content": "Hello Claude"}])
    assert raw.headers["x-isartor-layer"] == "l3"
    first = raw.parse()
    assert first.content[0].text.endswith("Hello Claude")
    assert first.stop_reason == "end_turn"
    assert first.usage.input_tokens == 11 and first.usage.output_tokens == 7
    raw = c.messages.with_raw_response.create(model="claude-x", max_tokens=64,
                                              messages=[{"role": "user", "content": "Hello Claude"}])
    assert raw.headers["x-isartor-layer"] == "l1a"
    assert raw.parse().content[0].text == first.content[0].text
    sent = fresh_upstream.requests()
    assert len(sent) == 1
    expected_path = "/v1/messages" if any_gateway.provider == "anthropic" else "/v1/chat/completions"
    assert sent[0]["path"] == expected_path


def test_streaming_text(any_gateway, fresh_upstream):
    c = client(any_gateway)
    with c.messages.stream(model="claude-x", max_tokens=64,
                           messages=[{"role": "user", "content": "stream to anthropic"}]) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text.endswith("stream to anthropic")
    assert final.stop_reason == "end_turn"
    # Replayed from the cache as a well-formed Anthropic stream.
    with c.messages.stream(model="claude-x", max_tokens=64,
                           messages=[{"role": "user", "content": "stream to anthropic"}]) as s:
        assert "".join(s.text_stream) == text
    assert len(fresh_upstream.requests()) == 1


def test_tool_use_round_trip(any_gateway, fresh_upstream):
    fresh_upstream.behave(mode="tool_call")
    c = client(any_gateway)
    msg = c.messages.create(model="claude-x", max_tokens=64, tools=TOOLS,
                            messages=[{"role": "user", "content": "Weather in Paris?"}])
    block = [b for b in msg.content if b.type == "tool_use"][0]
    assert block.name == "get_weather" and block.input == {"city": "Paris"}
    assert msg.stop_reason == "tool_use"
    upstream_body = fresh_upstream.requests()[-1]["body"]
    if any_gateway.provider == "openai":
        fn = upstream_body["tools"][0]["function"]
        assert fn["name"] == "get_weather" and fn["parameters"] == TOOLS[0]["input_schema"]
    else:
        assert upstream_body["tools"] == TOOLS
    # The tool result goes back upstream in the provider's shape.
    c.messages.create(model="claude-x", max_tokens=64, tools=TOOLS, messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": block.id, "name": block.name,
                                           "input": block.input}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id,
                                      "content": "18C and sunny"}]}])
    last = fresh_upstream.requests()[-1]["body"]["messages"]
    if any_gateway.provider == "openai":
        assert last[1]["tool_calls"][0]["function"]["name"] == "get_weather"
        assert last[2]["role"] == "tool" and last[2]["tool_call_id"] == block.id
        assert "18C and sunny" in str(last[2]["content"])
    else:
        assert last[2]["content"][0]["type"] == "tool_result"


def test_streaming_tool_use(any_gateway, fresh_upstream):
    fresh_upstream.behave(mode="tool_call")
    with client(any_gateway).messages.stream(model="claude-x", max_tokens=64, tools=TOOLS,
                                             messages=[{"role": "user", "content": "Weather?"}]) as s:
        final = s.get_final_message()
    block = [b for b in final.content if b.type == "tool_use"][0]
    assert block.input == {"city": "Paris"}
    assert final.stop_reason == "tool_use"


def test_openai_client_in_front_of_anthropic_upstream(anthropic_gateway, fresh_upstream):
    import openai
    c = openai.OpenAI(base_url=anthropic_gateway.base + "/v1", api_key="k", max_retries=0)
    r = c.chat.completions.create(model="claude-x", messages=[
        {"role": "system", "content": "Be terse."}, {"role": "user", "content": "translate me"}])
    assert r.choices[0].message.content.endswith("translate me")
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.prompt_tokens == 11 and r.usage.completion_tokens == 7
    sent = fresh_upstream.requests()[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["body"]["system"] in ("Be terse.", [{"type": "text", "text": "Be terse."}])
    assert sent["body"]["max_tokens"] > 0
    assert sent["headers"]["x-api-key"] == "k"
    assert sent["headers"]["anthropic-version"]
    chunks = c.chat.completions.create(model="claude-x", stream=True,
                                       messages=[{"role": "user", "content": "stream translate"}])
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text.endswith("stream translate")
