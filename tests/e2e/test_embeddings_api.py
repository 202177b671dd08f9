"""POST /v1/embeddings served by the in-process MiniLM model (same vectors as `isartor embed`),
forwarded to the upstream for other models; GET /v1/models/{id}; Anthropic-shaped /v1/models."""
import base64
import json
import struct
import subprocess

import anthropic
import openai
import pytest
import requests

from conftest import BIN

MODEL = "all-MiniLM-L6-v2"


def client(gw):
    return openai.OpenAI(base_url=gw.base + "/v1", api_key="sk-test", max_retries=0)


def cli_embeddings(texts):
    out = subprocess.run([str(BIN), "embed", *texts], capture_output=True, text=True, timeout=120, check=True)
    return [json.loads(line)["embedding"] for line in out.stdout.splitlines() if line.strip()]


def test_vectors_equal_isartor_embed(gateway):
    texts = ["What is our VPN policy?", "Der Zug fährt um 7 Uhr.", "short"]
    r = client(gateway).embeddings.create(model=MODEL, input=texts)
    assert [d.index for d in r.data] == [0, 1, 2]
    assert r.model == MODEL
    assert r.usage.prompt_tokens > len(texts)
    expected = cli_embeddings(texts)
    for got, want in zip(r.data, expected):
        assert len(got.embedding) == 384
        assert max(abs(a - b) for a, b in zip(got.embedding, want)) < 1e-6
    single = client(gateway).embeddings.create(model=MODEL, input="short", encoding_format="float")
    assert max(abs(a - b) for a, b in zip(single.data[0].embedding, expected[2])) < 1e-6


def test_base64_encoding_carries_the_same_float32_values(gateway):
    body = requests.post(gateway.base + "/v1/embeddings", timeout=30,
                         json={"model": MODEL, "input": ["hello world"], "encoding_format": "base64"}).json()
    raw = base64.b64decode(body["data"][0]["embedding"])
    values = struct.unpack(f"<{len(raw) // 4}f", raw)
    floats = client(gateway).embeddings.create(model=MODEL, input="hello world").data[0].embedding
    assert len(values) == 384
    assert max(abs(a - b) for a, b in zip(values, floats)) < 1e-6
    # The SDK asks for base64 by default and decodes it itself.
    assert len(client(gateway).embeddings.create(model=MODEL, input="x").data[0].embedding) == 384


@pytest.mark.parametrize("body,fragment", [
    ({"model": MODEL, "input": [[101, 2023]]}, "token-id input is not supported"),
    ({"model": MODEL, "input": [1, 2, 3]}, "token-id input is not supported"),
    ({"model": MODEL, "input": "x", "dimensions": 128}, "does not support shortening"),
    ({"model": MODEL, "input": ""}, "input: must not be empty"),
    ({"model": MODEL, "input": "x", "encoding_format": "int8"}, "encoding_format"),
    ({"model": MODEL, "input": ["a"] * 300}, "at most 256 inputs"),
    ({"model": MODEL, "input": "a" * 20000}, "longer than 16384 bytes"),
])
def test_bad_requests_get_clear_400s(gateway, body, fragment):
    r = requests.post(gateway.base + "/v1/embeddings", json=body, timeout=30)
    assert r.status_code == 400
    assert fragment in r.json()["error"]["message"]
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_dimensions_equal_to_the_native_size_are_accepted(gateway):
    r = client(gateway).embeddings.create(model=MODEL, input="x", dimensions=384)
    assert len(r.data[0].embedding) == 384


def test_other_models_are_forwarded_to_the_upstream(gateway, fresh_upstream):
    r = client(gateway).embeddings.create(model="text-embedding-3-small", input=["a", "b"], encoding_format="float")
    assert [d.embedding for d in r.data] == [[0.25, 0.5, 0.75]] * 2
    sent = fresh_upstream.requests()[-1]
    assert sent["path"] == "/v1/embeddings"
    assert sent["body"]["model"] == "text-embedding-3-small"
    assert sent["headers"]["authorization"] == "Bearer sk-test"


def test_embeddings_are_counted_as_their_own_endpoint_family(gateway):
    client(gateway).embeddings.create(model=MODEL, input="count")
    assert 'endpoint_family="embeddings"' in gateway.metrics()


def test_models_retrieve_and_unknown_model(gateway):
    c = client(gateway)
    m = c.models.retrieve("gpt-4o-mini")
    assert m.id == "gpt-4o-mini" and m.object == "model"
    assert c.models.retrieve(MODEL).id == MODEL
    with pytest.raises(openai.NotFoundError):
        c.models.retrieve("no-such-model")
    assert {x.id for x in c.models.list()} >= {"gpt-4o-mini", MODEL}


def test_anthropic_sdk_gets_anthropic_shaped_models(gateway):
    a = anthropic.Anthropic(base_url=gateway.base, api_key="k", max_retries=0)
    page = a.models.list()
    ids = [m.id for m in page.data]
    assert "gpt-4o-mini" in ids
    assert page.data[0].type == "model"
    assert a.models.retrieve("gpt-4o-mini").display_name == "gpt-4o-mini"
    with pytest.raises(anthropic.NotFoundError) as err:
        a.models.retrieve("nope")
    assert err.value.body["error"]["type"] == "not_found_error"
