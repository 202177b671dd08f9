"""TLS in and out: the HTTPS listener (SDKs, mTLS, rotation on SIGHUP, bad clients) and HTTPS
to the upstream with a site CA. Every certificate is made at test time (tls_certs.py)."""
import json
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import http.client
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
import requests

from conftest import BIN, Upstream
from tls_certs import Pki

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "TLS ping?"}]}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    p = Pki(d / "site")
    p.server = p.issue("gateway.test", dns=["localhost"], ips=["127.0.0.1"])
    p.server2 = p.issue("gateway-rotated.test", dns=["localhost"], ips=["127.0.0.1"])
    p.expired_server = p.issue("expired.test", dns=["localhost"], ips=["127.0.0.1"], expired=True)
    p.encrypted = p.issue("encrypted.test", dns=["localhost"], ips=["127.0.0.1"],
                          passphrase="correct horse")
    p.alice = p.issue("alice", client=True)
    p.bob = p.issue("bob", client=True)
    p.expired_client = p.issue("old-client", client=True, expired=True)
    p.upstream_client = p.issue("isartor-gateway", client=True)
    other = Pki(d / "other", ca_name="Untrusted CA")
    p.mallory = other.issue("mallory", client=True)
    return p


def tls_env(pki, cert=None, **extra):
    cert = cert or pki.server
    return {"ISARTOR__TLS_CERT_FILE": cert.cert, "ISARTOR__TLS_KEY_FILE": cert.key, **extra}


@pytest.fixture
def https_gateway(gateway_factory, fresh_upstream, pki):
    def make(**extra):
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url, **tls_env(pki),
                              **extra})
        gw.base = f"https://127.0.0.1:{gw.port}"
        return gw
    return make


def client_context(pki, cert=None):
    ctx = ssl.create_default_context(cafile=pki.ca)
    if cert:
        ctx.load_cert_chain(cert.cert, cert.key)
    return ctx


def post_chat(gw, ctx, body=CHAT, timeout=10):
    """One request on a new TLS connection: (status, headers, body, peer certificate CN)."""
    conn = http.client.HTTPSConnection("127.0.0.1", gw.port, context=ctx, timeout=timeout)
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps(body),
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        subject = dict(x[0] for x in conn.sock.getpeercert()["subject"])
        return r.status, dict(r.getheaders()), data, subject["commonName"]
    finally:
        conn.close()


# --- listener -----------------------------------------------------------------------------

def test_openai_sdk_over_https_with_the_site_ca(https_gateway, pki):
    gw = https_gateway()
    with httpx.Client(verify=ssl.create_default_context(cafile=pki.ca)) as http_client:
        c = openai.OpenAI(base_url=gw.base + "/v1", api_key="sk-test", max_retries=0,
                          http_client=http_client)
        for layer in ("l3", "l1a"):
            raw = c.chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Capital of Peru?"}])
            assert raw.headers["x-isartor-layer"] == layer
            assert "Capital of Peru?" in raw.parse().choices[0].message.content


def test_anthropic_sdk_over_https_with_the_site_ca(https_gateway, pki):
    gw = https_gateway()
    with httpx.Client(verify=ssl.create_default_context(cafile=pki.ca)) as http_client:
        c = anthropic.Anthropic(base_url=gw.base, api_key="sk-ant-test", max_retries=0,
                                http_client=http_client)
        msg = c.messages.create(model="claude-haiku-4-5", max_tokens=64,
                                messages=[{"role": "user", "content": "Capital of Chile?"}])
        assert "Capital of Chile?" in msg.content[0].text


def test_sdk_without_the_site_ca_refuses_the_gateway_certificate(https_gateway):
    gw = https_gateway()
    c = openai.OpenAI(base_url=gw.base + "/v1", api_key="sk-test", max_retries=0)
    with pytest.raises(openai.APIConnectionError) as e:
        c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
    assert "CERTIFICATE_VERIFY_FAILED" in repr(e.value.__cause__)


def test_handshake_offers_http11_over_tls12_or_newer_with_an_aead_cipher(https_gateway, pki):
    gw = https_gateway()
    ctx = client_context(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", gw.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert s.selected_alpn_protocol() == "http/1.1"
            assert s.version() in ("TLSv1.2", "TLSv1.3")
            assert any(a in s.cipher()[0] for a in ("GCM", "CHACHA20"))
    ctx12 = client_context(pki)
    ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx12.set_ciphers("AES128-SHA")  # RSA key exchange, CBC: not on the server's list
    with socket.create_connection(("127.0.0.1", gw.port), timeout=5) as raw:
        with pytest.raises(ssl.SSLError):
            ctx12.wrap_socket(raw, server_hostname="127.0.0.1")


def test_plain_http_to_the_https_port_gets_a_400_that_says_so(https_gateway, pki):
    gw = https_gateway()
    r = requests.get(f"http://127.0.0.1:{gw.port}/healthz", timeout=5)
    assert r.status_code == 400
    assert "HTTPS" in r.json()["error"]["message"]
    status, _, _, _ = post_chat(gw, client_context(pki))  # still serving
    assert status == 200
    m = requests.get(f"https://127.0.0.1:{gw.port}/metrics", verify=pki.ca, timeout=5).text
    assert "isartor_tls_handshake_failures_total 1" in m


def test_a_client_that_never_handshakes_is_dropped_after_the_timeout(https_gateway):
    gw = https_gateway(ISARTOR__TLS_HANDSHAKE_TIMEOUT_SECS="1")
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        start = time.monotonic()
        assert s.recv(1) == b""  # closed by the gateway, not by our 10 s socket timeout
        assert time.monotonic() - start < 9


def test_non_loopback_bind_without_tls_warns(gateway_factory, fresh_upstream):
    gw = gateway_factory({"ISARTOR__HOST_PORT": "0.0.0.0:0", "ISARTOR__GATEWAY_API_KEY": "k",
                          "ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url})
    assert "WITHOUT TLS" in gw.err_text()


def test_encrypted_key_needs_its_passphrase_file(gateway_factory, fresh_upstream, pki, tmp_path):
    env = {"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url, **tls_env(pki, pki.encrypted)}
    bad = gateway_factory(env, wait=False)
    assert bad.proc.wait(timeout=20) == 2
    assert "ISARTOR__TLS_KEY_PASSPHRASE_FILE" in bad.err_text()
    secret = tmp_path / "passphrase"
    secret.write_text("correct horse\n")
    gw = gateway_factory({**env, "ISARTOR__TLS_KEY_PASSPHRASE_FILE": str(secret)})
    status, _, _, cn = post_chat(gw, client_context(pki))
    assert (status, cn) == (200, "encrypted.test")


# --- mutual TLS ----------------------------------------------------------------------------

def test_mtls_accepts_a_certificate_from_the_client_ca(https_gateway, pki):
    gw = https_gateway(ISARTOR__TLS_CLIENT_CA_FILE=pki.ca)
    status, _, _, _ = post_chat(gw, client_context(pki, pki.alice))
    assert status == 200


@pytest.mark.parametrize("who,reason", [
    (None, "peer did not return a certificate"),
    ("mallory", "unable to get local issuer certificate"),
    ("expired_client", "certificate has expired"),
])
def test_mtls_refuses_a_missing_untrusted_or_expired_client_certificate(https_gateway, pki, who,
                                                                        reason):
    gw = https_gateway(ISARTOR__TLS_CLIENT_CA_FILE=pki.ca)
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        post_chat(gw, client_context(pki, getattr(pki, who) if who else None))
    deadline = time.monotonic() + 5
    while reason not in gw.err_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "TLS handshake with 127.0.0.1 failed" in gw.err_text()
    assert reason in gw.err_text()


def test_client_certificate_names_the_tenant_when_asked(https_gateway, pki):
    gw = https_gateway(ISARTOR__TLS_CLIENT_CA_FILE=pki.ca, ISARTOR__TLS_CLIENT_CERT_TENANT="true")
    body = {**CHAT, "messages": [{"role": "user", "content": "tenant check"}]}
    layers = [post_chat(gw, client_context(pki, who), body)[1]["X-Isartor-Layer"]
              for who in (pki.alice, pki.alice, pki.bob)]
    assert layers == ["l3", "l1a", "l3"]  # bob does not see alice's cache partition


def test_mtls_alone_allows_a_non_loopback_bind_without_a_gateway_key(gateway_factory,
                                                                      fresh_upstream, pki):
    gw = gateway_factory({"ISARTOR__HOST_PORT": "0.0.0.0:0",
                          "ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          **tls_env(pki, ISARTOR__TLS_CLIENT_CA_FILE=pki.ca)})
    status, _, _, _ = post_chat(gw, client_context(pki, pki.alice))
    assert status == 200


# --- rotation ------------------------------------------------------------------------------

def test_sighup_rotates_the_certificate_under_load_without_a_failed_request(
        gateway_factory, fresh_upstream, pki, tmp_path):
    cert, key = tmp_path / "live.pem", tmp_path / "live.key"
    shutil.copy(pki.server.cert, cert)
    shutil.copy(pki.server.key, key)
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                          "ISARTOR__TLS_CERT_FILE": str(cert), "ISARTOR__TLS_KEY_FILE": str(key)})
    ctx = client_context(pki)
    stop = threading.Event()
    results = []  # (ok, peer CN or error, when its connection opened) per request

    def load():
        # Keep-alive connections that live across the reload, plus a new one every 5 requests.
        while not stop.is_set():
            opened = time.monotonic()
            conn = http.client.HTTPSConnection("127.0.0.1", gw.port, context=ctx, timeout=10)
            try:
                for _ in range(5):
                    conn.request("POST", "/v1/chat/completions", json.dumps(CHAT),
                                 {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    r.read()
                    cn = dict(x[0] for x in conn.sock.getpeercert()["subject"])["commonName"]
                    results.append((r.status == 200, cn, opened))
            except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                results.append((False, repr(e), opened))
            finally:
                conn.close()

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        def wait_for(pred, what):
            deadline = time.monotonic() + 20
            while not pred():
                assert time.monotonic() < deadline, what
                time.sleep(0.05)

        wait_for(lambda: len(results) > 50, "load did not start")
        shutil.copy(pki.server2.cert, cert)
        shutil.copy(pki.server2.key, key)
        gw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: any(r[1] == "gateway-rotated.test" for r in results[-20:]),
                 "new connections never saw the rotated certificate")
        # A broken pair (key of another certificate) must keep the rotated one in service.
        shutil.copy(pki.server.key, key)
        gw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "NOT reloaded" in gw.err_text(), "bad pair not reported")
        after_bad, mark = time.monotonic(), len(results)
        wait_for(lambda: len(results) > mark + 50, "load stalled after the bad reload")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    failed = [r for r in results if not r[0]]
    assert failed == [], failed[:5]
    # Connections opened after the failed reload still get the rotated certificate.
    assert {r[1] for r in results if r[2] > after_bad} == {"gateway-rotated.test"}
    assert "does not match certificate" in gw.err_text()
    m = requests.get(f"https://127.0.0.1:{gw.port}/metrics", verify=pki.ca, timeout=5).text
    assert 'isartor_tls_certificate_reloads_total{outcome="ok"} 1' in m
    assert 'isartor_tls_certificate_reloads_total{outcome="failed"} 1' in m


# --- outbound ------------------------------------------------------------------------------

@pytest.fixture
def https_upstream(pki):
    made = []

    def make(cert=None, client_ca=None):
        cert = cert or pki.server
        args = ["--tls-cert", cert.cert, "--tls-key", cert.key]
        if client_ca:
            args += ["--tls-client-ca", client_ca]
        u = Upstream(tls_args=args, verify=pki.ca)
        made.append(u)
        return u
    yield make
    for u in made:
        u.stop()


def ask_plain(gw, text="upstream over TLS?"):
    body = {**CHAT, "messages": [{"role": "user", "content": text}]}
    return requests.post(gw.base + "/v1/chat/completions", json=body, timeout=15)


def test_l3_over_https_is_refused_without_the_site_ca_and_works_with_it(gateway_factory,
                                                                        https_upstream, pki):
    up = https_upstream()
    without = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": up.url,
                               "ISARTOR__L3_MAX_RETRIES": "0"})
    r = ask_plain(without)
    assert r.status_code == 502, r.text
    assert "unable to get local issuer certificate" in r.json()["error"]["message"]
    for var in ("ISARTOR__UPSTREAM_CA_FILE", "ISARTOR__L3_CA_FILE"):
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": up.url, var: pki.ca})
        r = ask_plain(gw, "with " + var)
        assert r.status_code == 200, r.text
        assert r.headers["x-isartor-layer"] == "l3"


def test_l3_with_an_expired_certificate_is_refused_with_a_clear_error(gateway_factory,
                                                                       https_upstream, pki):
    up = https_upstream(pki.expired_server)
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": up.url, "ISARTOR__UPSTREAM_CA_FILE": pki.ca,
                          "ISARTOR__L3_MAX_RETRIES": "0"})
    r = ask_plain(gw)
    assert r.status_code == 502
    assert "certificate has expired" in r.json()["error"]["message"]


def test_l3_mtls_presents_the_configured_client_certificate(gateway_factory, https_upstream,
                                                             pki):
    up = https_upstream(client_ca=pki.ca)
    base = {"ISARTOR__EXTERNAL_LLM_URL": up.url, "ISARTOR__UPSTREAM_CA_FILE": pki.ca,
            "ISARTOR__L3_MAX_RETRIES": "0"}
    assert ask_plain(gateway_factory(base)).status_code == 502
    gw = gateway_factory({**base, "ISARTOR__L3_CLIENT_CERT_FILE": pki.upstream_client.cert,
                          "ISARTOR__L3_CLIENT_KEY_FILE": pki.upstream_client.key})
    assert ask_plain(gw).status_code == 200


def test_insecure_upstream_is_logged_loudly_and_refused_offline_unless_loopback(
        gateway_factory, https_upstream):
    up = https_upstream()
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": up.url, "ISARTOR__L3_TLS_INSECURE": "true",
                          "ISARTOR__OFFLINE_MODE": "true"})
    assert "TLS CERTIFICATE VERIFICATION IS OFF for the L3 upstream" in gw.err_text()
    assert ask_plain(gw).status_code == 200
    refused = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": "https://10.9.9.9/v1",
                               "ISARTOR__L3_TLS_INSECURE": "true",
                               "ISARTOR__OFFLINE_MODE": "true"}, wait=False)
    assert refused.proc.wait(timeout=20) == 2
    assert "ISARTOR__L3_TLS_INSECURE: refused in offline mode" in refused.err_text()


# --- isartor check -------------------------------------------------------------------------

def check(env, *args):
    full = {"PATH": "/usr/bin:/bin", **env}
    return subprocess.run([str(BIN), "check", *args], env=full, capture_output=True, text=True,
                          timeout=60)


def test_check_names_the_ca_bundle_of_each_https_destination(pki):
    env = {"ISARTOR__EXTERNAL_LLM_URL": "https://vllm.internal:8443/v1",
           "ISARTOR__FALLBACK_PROVIDERS": "openai@http://10.0.0.7:8000/v1",
           "ISARTOR__UPSTREAM_CA_FILE": pki.ca,
           "ISARTOR__ENABLE_MONITORING": "true",
           "ISARTOR__OTEL_EXPORTER_ENDPOINT": "https://otel.internal:4318",
           "ISARTOR__OTEL_CA_FILE": "/etc/otel-ca.pem", "ISARTOR__UPSTREAM_CA_MODE": "add"}
    r = check(env)
    assert f"TLS: verified by {pki.ca} + system trust store" in r.stdout
    assert "TLS: verified by /etc/otel-ca.pem + system trust store" in r.stdout
    assert "TLS: no (plain HTTP)" in r.stdout
    j = {d["label"]: d for d in json.loads(check(env, "--json").stdout)["destinations"]
         if d["label"]}
    assert j["L3 upstream"]["tls"] is True and j["L3 upstream"]["ca"].startswith(pki.ca)
    assert j["L3 fallback 1"]["tls"] is False


def test_check_probe_reports_the_peer_certificate_subject_and_expiry(https_upstream, pki):
    good, old = https_upstream(), https_upstream(pki.expired_server)
    env = {"ISARTOR__EXTERNAL_LLM_URL": good.url,
           "ISARTOR__FALLBACK_PROVIDERS": f"openai@{old.url}",
           "ISARTOR__UPSTREAM_CA_FILE": pki.ca}
    j = {d["label"]: d for d in json.loads(check(env, "--json", "--probe").stdout)["destinations"]
         if d["label"]}
    ok = j["L3 upstream"]["probe"]
    assert ok.startswith("reachable, TLS verified; certificate CN=gateway.test, expires 20"), ok
    bad = j["L3 fallback 1"]["probe"]
    assert "TLS FAILED" in bad and "certificate has expired" in bad, bad
    assert "CN=expired.test, expires 2020-02-01T00:00:00Z" in bad, bad
