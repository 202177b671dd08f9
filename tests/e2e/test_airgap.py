"""Offline mode end to end: the seed's recommended setup (offline + internal L3) works, external
destinations are blocked with a clear error, and `isartor check`, the banner, /health and the
metrics tell the truth in each combination."""
import json
import os
import subprocess

import anthropic
import openai
import pytest
import requests

from conftest import BIN

SENTINEL = "http://127.0.0.2:9/v1"  # "the internet": 127.0.0.2 is external when only 127.0.0.1/32 is internal
LOOPBACK_ONLY = {"ISARTOR__INTERNAL_NETWORKS": "127.0.0.1/32"}


def run(args, env=None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("ISARTOR__")}
    full.update(env or {})
    return subprocess.run([str(BIN)] + args, env=full, capture_output=True, text=True, timeout=60)


def issue_license(days=30, issued=None):
    args = ["license", "issue", "--licensee", "ACME Defence", "--tier", "enterprise", "--days", str(days)]
    if issued:
        args += ["--issued", issued]
    r = run(args)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def test_offline_with_internal_llm_answers_cache_misses(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__OFFLINE_MODE": "true", "ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          **LOOPBACK_ONLY})
    c = openai.OpenAI(base_url=gw.base + "/v1", api_key="k", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="m", messages=[{"role": "user", "content": "PHI stays inside"}])
    assert raw.headers["x-isartor-layer"] == "l3"
    raw = c.chat.completions.with_raw_response.create(model="m", messages=[{"role": "user", "content": "PHI stays inside"}])
    assert raw.headers["x-isartor-layer"] == "l1a"
    assert "\u2713 L3 Cloud Logic: internal endpoint " + fresh_upstream.url in gw.err_text()


def test_offline_blocks_an_external_l3_with_offline_mode_active(gateway_factory):
    gw = gateway_factory({"ISARTOR__OFFLINE_MODE": "true", "ISARTOR__EXTERNAL_LLM_URL": SENTINEL, **LOOPBACK_ONLY})
    r = requests.post(gw.base + "/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 503
    assert r.json()["error"]["type"] == "offline_mode_active"
    assert r.headers["x-isartor-layer"] == "l3"
    with pytest.raises(anthropic.APIStatusError) as e:
        anthropic.Anthropic(base_url=gw.base, api_key="k", max_retries=0).messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert e.value.status_code == 503 and "offline_mode_active" in str(e.value.body)
    assert 'isartor_egress_blocked_total{purpose="l3_upstream"} 2' in gw.metrics()
    assert "\u2717 L3 Cloud Logic: DISABLED (offline mode)" in gw.err_text()


def test_check_matches_the_seed_format_offline():
    r = run(["check"], {"ISARTOR__OFFLINE_MODE": "true"})
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "Isartor Connectivity Audit"
    assert lines[1].startswith("\u2500" * 20)
    assert "Required (L3 cloud routing):" in lines
    assert "  \u2192 api.openai.com:443  [NOT CONFIGURED]  (BLOCKED \u2014 offline mode active)" in lines
    assert "Optional (observability / monitoring):" in lines
    assert "  \u2192 http://localhost:4317  [NOT CONFIGURED]" in lines
    assert "Internal only (no external):" in lines
    assert "  \u2192 (in-memory cache \u2014 no network connection)  [CONFIGURED - internal]" in lines
    assert any(l.startswith("Zero hidden telemetry connections: \u2713 VERIFIED") for l in lines)
    assert "Air-gap compatible: \u2713 YES (L3 disabled or offline mode active)" in lines


@pytest.mark.parametrize("env,exit_code,line,verdict", [
    ({}, 1, "  \u2192 api.openai.com:443  [NOT CONFIGURED]  (ALLOWED \u2014 EXTERNAL, leaves the network)", "\u2717 NO"),
    ({"ISARTOR__EXTERNAL_LLM_URL": "http://vllm.internal.corp:8000/v1"}, 0,
     "  \u2192 vllm.internal.corp:8000  [CONFIGURED - internal]  (ALLOWED \u2014 internal)", "\u2713 YES"),
    ({"ISARTOR__EXTERNAL_LLM_URL": "http://vllm.internal.corp:8000/v1", "ISARTOR__OFFLINE_MODE": "true"}, 0,
     "  \u2192 vllm.internal.corp:8000  [CONFIGURED - internal]  (ALLOWED \u2014 internal, offline mode active)", "\u2713 YES"),
    ({"ISARTOR__EXTERNAL_LLM_URL": "http://10.1.2.3:8000/v1", "ISARTOR__FALLBACK_PROVIDERS": "openai@https://api.example.com/v1"}, 1,
     "  \u2192 api.example.com:443  [CONFIGURED - external]  (ALLOWED \u2014 EXTERNAL, leaves the network)", "\u2717 NO"),
    ({"ISARTOR__ENABLE_MONITORING": "true", "ISARTOR__OTEL_EXPORTER_ENDPOINT": "https://otel.example.com:4318",
      "ISARTOR__OFFLINE_MODE": "true"}, 0,
     "  \u2192 https://otel.example.com:4318  [CONFIGURED - external]  (BLOCKED \u2014 offline mode active)", "\u2713 YES"),
    ({"ISARTOR__ENABLE_MONITORING": "true", "ISARTOR__OTEL_EXPORTER_ENDPOINT": "https://otel.example.com:4318",
      "ISARTOR__EXTERNAL_LLM_URL": "http://10.0.0.5/v1"}, 1,
     "  \u2192 https://otel.example.com:4318  [CONFIGURED - external]  (ALLOWED \u2014 EXTERNAL, leaves the network)", "\u2717 NO"),
    ({"ISARTOR__EXTERNAL_LLM_URL": "http://169.254.169.254/v1", "ISARTOR__OFFLINE_MODE": "true"}, 0,
     "  \u2192 169.254.169.254:80  [CONFIGURED - external]  (BLOCKED \u2014 offline mode active)", "\u2713 YES"),
])
def test_check_tells_the_truth_in_each_combination(env, exit_code, line, verdict):
    r = run(["check"], env)
    assert r.returncode == exit_code, r.stdout
    assert line in r.stdout.splitlines(), r.stdout
    assert ("Air-gap compatible: " + verdict) in r.stdout
    j = json.loads(run(["check", "--json"], env).stdout)
    assert j["air_gap_compatible"] == (exit_code == 0)


def test_check_probe_contacts_only_allowed_destinations(fresh_upstream):
    env = {"ISARTOR__OFFLINE_MODE": "true", "ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
           "ISARTOR__FALLBACK_PROVIDERS": "openai@" + SENTINEL, **LOOPBACK_ONLY}
    j = json.loads(run(["check", "--json", "--probe"], env).stdout)
    by_label = {d["label"]: d for d in j["destinations"]}
    assert by_label["L3 upstream"]["probe"] == "reachable"
    assert by_label["L3 fallback 1"]["probe"] == "skipped (blocked)"
    j = json.loads(run(["check", "--json"], env).stdout)
    assert "probe" not in j["destinations"][0]


def test_license_verdict_reaches_banner_health_check_and_metrics(gateway_factory, fresh_upstream):
    token = issue_license()
    gw = gateway_factory({"ISARTOR__OFFLINE_MODE": "true", "ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__LICENSE_KEY": token, **LOOPBACK_ONLY})
    assert "\u2713 License validation: offline HMAC check (ACME Defence, enterprise)" in gw.err_text()
    assert requests.get(gw.base + "/health").json()["license"]["status"] == "valid"
    assert 'isartor_license_valid{status="valid"} 1' in gw.metrics()
    assert "License: valid" in run(["check"], {"ISARTOR__LICENSE_KEY": token}).stdout
    assert run(["license", "show"], {"ISARTOR__LICENSE_KEY": token}).returncode == 0


@pytest.mark.parametrize("make_token,status", [
    (lambda: issue_license(days=1, issued="2020-01-01T00:00:00Z"), "expired"),
    (lambda: issue_license()[:-4] + "AAAA", "bad_signature"),
    (lambda: "not-a-license", "malformed"),
])
def test_a_bad_license_is_reported_never_fatal(gateway_factory, fresh_upstream, make_token, status):
    token = make_token()
    gw = gateway_factory({"ISARTOR__OFFLINE_MODE": "true", "ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__LICENSE_KEY": token, **LOOPBACK_ONLY})
    assert "\u2717 License validation: offline HMAC check \u2014 " + status in gw.err_text()
    assert requests.get(gw.base + "/health").json()["license"]["status"] == status
    assert f'isartor_license_valid{{status="{status}"}} 0' in gw.metrics()
    r = requests.post(gw.base + "/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 200  # the license never blocks service
    assert run(["license", "show"], {"ISARTOR__LICENSE_KEY": token}).returncode != 0
