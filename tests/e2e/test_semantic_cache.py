"""L1b semantic cache through the official SDKs: paraphrases hit, hard partitions and traps
miss, TTL, eviction, and a broken embedding model degrades to "L1b off" without failing requests."""
import shutil
import time
from pathlib import Path

import anthropic
import openai
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "models" / "all-MiniLM-L6-v2"

Q = "How do I reset my router password?"
PARAPHRASE = "How can I reset the password of my router?"


def client(gw, key="sk-test"):
    return openai.OpenAI(base_url=gw.base + "/v1", api_key=key, max_retries=0)


def ask(gw, text, key="sk-test", system=None, history=(), session=None, model="gpt-4o-mini",
        **kw):
    messages = [{"role": "system", "content": system}] if system else []
    messages += list(history) + [{"role": "user", "content": text}]
    headers = {"x-session-id": session} if session else None
    raw = client(gw, key).chat.completions.with_raw_response.create(
        model=model, messages=messages, extra_headers=headers, **kw)
    return raw.headers, raw.parse()


def layer(gw, text, **kw):
    return ask(gw, text, **kw)[0]["x-isartor-layer"]


def semantic_gateway(gateway_factory, upstream, **env):
    full = {"ISARTOR__EXTERNAL_LLM_URL": upstream.url, "ISARTOR__LLM_PROVIDER": "openai",
            "ISARTOR__CACHE_MODE": "both"}
    full.update(env)
    return gateway_factory(full)


@pytest.fixture
def gw(gateway_factory, fresh_upstream):
    return semantic_gateway(gateway_factory, fresh_upstream)


def test_paraphrase_is_served_by_l1b_with_its_similarity(gw, fresh_upstream):
    h1, r1 = ask(gw, Q)
    assert h1["x-isartor-layer"] == "l3"
    h2, r2 = ask(gw, PARAPHRASE)
    assert h2["x-isartor-layer"] == "l1b"
    assert h2["x-isartor-deflected"] == "true"
    score = float(h2["x-isartor-similarity"])
    assert 0.85 <= score <= 1.0
    assert r2.choices[0].message.content == r1.choices[0].message.content
    assert len(fresh_upstream.requests()) == 1
    assert 'cache_layer="l1b",outcome="hit"} 1' in gw.metrics()


def test_streamed_client_gets_the_cached_answer_as_sse(gw):
    _, r1 = ask(gw, Q)
    raw = client(gw).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": PARAPHRASE}])
    assert raw.headers["x-isartor-layer"] == "l1b"
    text = "".join(c.choices[0].delta.content or "" for c in raw.parse() if c.choices)
    assert text == r1.choices[0].message.content


def test_anthropic_sdk_paraphrase_hits(gateway_factory, fresh_upstream):
    g = semantic_gateway(gateway_factory, fresh_upstream, ISARTOR__LLM_PROVIDER="anthropic")
    c = anthropic.Anthropic(base_url=g.base, api_key="sk-ant", max_retries=0)

    def send(text):
        return c.messages.with_raw_response.create(
            model="claude-x", max_tokens=64, messages=[{"role": "user", "content": text}])
    first = send(Q)
    assert first.headers["x-isartor-layer"] == "l3"
    second = send(PARAPHRASE)
    assert second.headers["x-isartor-layer"] == "l1b"
    assert second.parse().content[0].text == first.parse().content[0].text


@pytest.mark.parametrize("change", [
    {"system": "Answer like a pirate."},
    {"key": "sk-other-tenant"},
    {"session": "thread-42"},
    {"model": "gpt-4o"},
    {"temperature": 1.7},
    {"history": [{"role": "user", "content": "I have a Netgear router."},
                 {"role": "assistant", "content": "Noted."}]},
])
def test_hard_partitions_are_never_crossed(gw, change):
    ask(gw, Q)
    assert layer(gw, PARAPHRASE, **change) == "l3"
    assert layer(gw, PARAPHRASE) == "l1b"


def test_same_follow_up_after_different_conversations_misses(gw):
    a = [{"role": "user", "content": "Delete every file in my home folder."},
         {"role": "assistant", "content": "That is irreversible. Proceed?"}]
    b = [{"role": "user", "content": "Email the report to the whole company."},
         {"role": "assistant", "content": "That is irreversible. Proceed?"}]
    assert layer(gw, "yes, do it", history=a) == "l3"
    assert layer(gw, "yes, do it", history=b) == "l3"
    assert layer(gw, "Yes, please do it.", history=a) in ("l1b", "l3")  # may or may not match
    assert layer(gw, "yes, do it", history=a) == "l1a"


@pytest.mark.parametrize("seed,trap", [
    ("What was the population of Germany in 2010?", "What was the population of Germany in 2020?"),
    ("Is it safe to take ibuprofen with coffee?", "Is it not safe to take ibuprofen with coffee?"),
    ("What is the capital of Austria?", "What is the capital of Australia?"),
    ("Give me three tips for better sleep.", "Give me five tips for better sleep."),
])
def test_traps_are_not_served_a_cached_answer(gw, seed, trap):
    assert layer(gw, seed) == "l3"
    assert layer(gw, trap) == "l3"


def test_tool_results_skip_l1b(gw):
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
    history = [{"role": "user", "content": "weather in Paris?"},
               {"role": "assistant", "content": None, "tool_calls": [{
                   "id": "c1", "type": "function",
                   "function": {"name": "weather", "arguments": "{}"}}]},
               {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]
    raw = client(gw).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=history, tools=tools)
    assert raw.headers["x-isartor-layer"] == "l3"
    assert 'cache_layer="l1b",outcome="bypass"} 1' in gw.metrics()


def test_entries_expire_after_the_ttl(gateway_factory, fresh_upstream):
    g = semantic_gateway(gateway_factory, fresh_upstream, ISARTOR__CACHE_TTL_SECS="1",
                         ISARTOR__CACHE_MODE="semantic")
    ask(g, Q)
    assert layer(g, PARAPHRASE) == "l1b"
    # Hits until the TTL runs out (a hit stores nothing), then the upstream answers.
    deadline = time.time() + 10
    while layer(g, PARAPHRASE) == "l1b":
        assert time.time() < deadline, "the entry outlived its 1 s TTL by 10 s"
        time.sleep(0.1)


def test_capacity_evicts_the_oldest_entry(gateway_factory, fresh_upstream):
    g = semantic_gateway(gateway_factory, fresh_upstream, ISARTOR__CACHE_MAX_CAPACITY="2",
                         ISARTOR__CACHE_MODE="semantic")
    ask(g, Q)
    ask(g, "What is the boiling point of water at sea level?")
    ask(g, "Recommend a good science fiction novel.")  # evicts the router question
    assert layer(g, PARAPHRASE) == "l3"
    assert layer(g, "Recommend me a good science fiction novel.") == "l1b"
    m = g.metrics()
    assert 'cache_layer="l1b",outcome="evict"}' in m
    assert 'isartor_cache_entries{cache_layer="l1b"} 2' in m


def test_an_entry_that_keeps_hitting_survives_eviction(gateway_factory, fresh_upstream):
    g = semantic_gateway(gateway_factory, fresh_upstream, ISARTOR__CACHE_MAX_CAPACITY="2",
                         ISARTOR__CACHE_MODE="semantic")
    ask(g, Q)
    assert layer(g, PARAPHRASE) == "l1b"  # Q's entry is now "used"
    ask(g, "Recommend a good science fiction novel.")
    ask(g, "What is the boiling point of water at sea level?")  # full: evicts the unused one
    assert layer(g, PARAPHRASE) == "l1b"
    assert layer(g, "Recommend me a good science fiction novel.") == "l3"
    assert 'isartor_cache_entries{cache_layer="l1b"} 2' in g.metrics()


def test_corrupt_model_disables_l1b_but_requests_are_still_answered(gateway_factory,
                                                                     fresh_upstream, tmp_path):
    if not MODEL_DIR.exists():
        pytest.skip("models/all-MiniLM-L6-v2 not set up")
    bad = tmp_path / "model"
    shutil.copytree(MODEL_DIR, bad)
    weights = bad / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:4096])
    g = semantic_gateway(gateway_factory, fresh_upstream, ISARTOR__EMBEDDING_MODEL_DIR=str(bad))
    assert layer(g, Q) == "l3"
    assert layer(g, PARAPHRASE) == "l3"
    assert layer(g, Q) == "l1a"  # the exact cache still works
    assert "L1b semantic cache disabled" in g.err_text()
    assert 'isartor_layer_enabled{layer="l1b"} 0' in g.metrics()
    health = requests.get(g.base + "/health", timeout=5).text
    assert "embedding model failed to load" in health


def test_exact_mode_leaves_l1b_off(gateway_factory, fresh_upstream):
    g = semantic_gateway(gateway_factory, fresh_upstream, ISARTOR__CACHE_MODE="exact")
    ask(g, Q)
    assert layer(g, PARAPHRASE) == "l3"
