"""L1b's second stage through the OpenAI SDK: the index recalls a candidate, the compiled-in
verifier decides. An accepted paraphrase is an l1b hit carrying both scores; traps miss, whether
the lexical veto or the verifier catches them; and the verifier's threshold is really applied.
(A verifier that cannot score degrades to a miss with isartor_semantic_verifier_failures_total:
no request can make the compiled-in model fail, so that path is tested in
tests/unit/layers/semantic_cache_layer_test.cpp with a fake verifier.)"""
import openai
import pytest

Q = "How do I reset my router password?"
PARAPHRASE = "How can I reset the password of my router?"


def ask(gw, text):
    c = openai.OpenAI(base_url=gw.base + "/v1", api_key="sk-test", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return raw.headers, raw.parse()


def metric(gw, line_start):
    for line in gw.metrics().splitlines():
        if line.startswith(line_start):
            return float(line.split()[-1])
    raise AssertionError(f"{line_start} not in /metrics")


@pytest.fixture
def make_gw(gateway_factory, fresh_upstream):
    def make(**env):
        full = {"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url, "ISARTOR__LLM_PROVIDER": "openai",
                "ISARTOR__CACHE_MODE": "semantic"}
        full.update(env)
        return gateway_factory(full)
    return make


def test_a_paraphrase_the_verifier_accepts_is_an_l1b_hit_with_both_scores(make_gw,
                                                                          fresh_upstream):
    gw = make_gw()
    h1, r1 = ask(gw, Q)
    assert h1["x-isartor-layer"] == "l3"
    assert "x-isartor-verifier-score" not in h1
    h2, r2 = ask(gw, PARAPHRASE)
    assert h2["x-isartor-layer"] == "l1b"
    similarity = float(h2["x-isartor-similarity"])
    verifier = float(h2["x-isartor-verifier-score"])
    assert 0.80 <= similarity <= 1.0  # the default recall threshold
    assert 0.70 <= verifier <= 1.0    # the default verifier threshold
    assert r2.choices[0].message.content == r1.choices[0].message.content
    assert len(fresh_upstream.requests()) == 1
    assert metric(gw, "isartor_semantic_verifier_failures_total") == 0


@pytest.mark.parametrize("seed,trap", [
    # caught by the lexical veto (negation / opposite)
    ("Is it safe to drink tap water in Mexico City?",
     "Is it not safe to drink tap water in Mexico City?"),
    ("Is it safe to drink tap water in Mexico City?",
     "Is it unsafe to drink tap water in Mexico City?"),
    # no lexical signal: recalled (cosine above 0.80), rejected by the verifier; a held-out pair
    # of bench/data/l1b_pairs.jsonl, never trained on
    ("How do I set up two-factor authentication for my work account?",
     "How do I turn off two-factor authentication for my work account?"),
])
def test_a_negation_trap_misses(make_gw, fresh_upstream, seed, trap):
    gw = make_gw()
    ask(gw, seed)
    h, _ = ask(gw, trap)
    assert h["x-isartor-layer"] == "l3"
    assert "x-isartor-verifier-score" not in h
    assert len(fresh_upstream.requests()) == 2
    assert metric(gw, 'isartor_cache_events_total{cache_layer="l1b",outcome="veto"}') == 1


def test_the_verifier_threshold_is_applied(make_gw, fresh_upstream):
    # Same paraphrase as above, recalled by the index, refused at a threshold no score reaches.
    gw = make_gw(ISARTOR__SEMANTIC_VERIFIER_THRESHOLD="1.0")
    ask(gw, Q)
    h, _ = ask(gw, PARAPHRASE)
    assert h["x-isartor-layer"] == "l3"
    assert metric(gw, 'isartor_cache_events_total{cache_layer="l1b",outcome="veto"}') == 1


def test_with_the_verifier_off_a_hit_has_no_verifier_score(make_gw):
    gw = make_gw(ISARTOR__SEMANTIC_VERIFIER="false", ISARTOR__SIMILARITY_THRESHOLD="0.93")
    ask(gw, Q)
    h, _ = ask(gw, PARAPHRASE)
    assert h["x-isartor-layer"] == "l1b"
    assert "x-isartor-verifier-score" not in h
