"""Hostile and careless clients (issue 19, section 4). Each gets a clear answer in its dialect
or a closed connection, never a crash, and the gateway keeps serving everyone else meanwhile.
The load cases (10,000 idle keep-alive connections, 1,000 concurrent streams) are in
bench/hostile_load.py; the 413 for a client that writes its whole body first is in
test_errors.py."""
import json
import socket
import time

import pytest
import requests

from conftest import Upstream

CHAT = "/v1/chat/completions"
MSGS = "/v1/messages"


def head(path, body_len, extra=b""):
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {body_len}\r\n").encode() + extra + b"\r\n"


def read_responses(data):
    """Splits the bytes of one connection into (status, headers, body) responses."""
    out = []
    while data:
        end = data.find(b"\r\n\r\n")
        assert end >= 0, data[:200]
        lines = data[:end].decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        rest = data[end + 4:]
        if "content-length" in headers:
            n = int(headers["content-length"])
            body, data = rest[:n], rest[n:]
        else:
            assert headers.get("transfer-encoding") == "chunked", headers
            body = b""
            while True:
                size_end = rest.find(b"\r\n")
                size = int(rest[:size_end], 16)
                body += rest[size_end + 2:size_end + 2 + size]
                rest = rest[size_end + 2 + size + 2:]
                if size == 0:
                    break
            data = rest
        out.append((status, headers, body))
    return out


def read_until_closed(s, limit_s=30):
    s.settimeout(limit_s)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def exchange(port, raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(raw)
    data = read_until_closed(s)
    s.close()
    return read_responses(data)


def post_raw(gw, path, body_bytes):
    return requests.post(gw.base + path, data=body_bytes,
                         headers={"content-type": "application/json"}, timeout=30)


def healthy(gw):
    return requests.get(gw.base + "/healthz", timeout=10).status_code == 200


@pytest.fixture
def short_deadlines(gateway_factory, fresh_upstream):
    return gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url,
                            "ISARTOR__LLM_PROVIDER": "openai",
                            "ISARTOR__HEADER_TIMEOUT_SECS": "2",
                            "ISARTOR__BODY_TIMEOUT_SECS": "2"})


def trickle_until_closed(s, payload, pace_s=0.25, give_up_s=30):
    """Sends `payload` one byte at a time, waiting up to pace_s for the gateway to hang up
    between bytes. Returns how many bytes were sent when the connection closed (None: never)."""
    s.settimeout(pace_s)
    deadline = time.monotonic() + give_up_s
    for i in range(len(payload)):
        if time.monotonic() > deadline:
            return None
        try:
            s.sendall(payload[i:i + 1])
            if s.recv(1) == b"":
                return i + 1
        except socket.timeout:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return i
    return None


def test_slow_headers_are_cut_at_the_header_deadline_and_others_are_served(short_deadlines):
    gw = short_deadlines
    s = socket.create_connection(("127.0.0.1", gw.port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\n")
    # One byte every 0.25 s never lets the connection go idle: only a deadline for the whole
    # head can end it, long before these 200 bytes of header are through.
    assert healthy(gw)
    sent = trickle_until_closed(s, b"X-Slow: " + b"a" * 200 + b"\r\n\r\n")
    assert sent is not None and sent < 200
    assert healthy(gw)


def test_slow_body_is_cut_at_the_body_deadline(short_deadlines, fresh_upstream):
    gw = short_deadlines
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "x" * 300}]}).encode()
    s = socket.create_connection(("127.0.0.1", gw.port))
    s.sendall(head(CHAT, len(body)))
    sent = trickle_until_closed(s, body)
    assert sent is not None and sent < len(body)
    assert healthy(gw)
    assert fresh_upstream.requests() == []


@pytest.mark.parametrize("path,dialect", [(CHAT, "openai"), (MSGS, "anthropic")])
def test_oversized_headers_get_a_431_in_the_route_dialect(gateway, fresh_upstream, path, dialect):
    # 70 KB of headers, written whole before the answer is read.
    big = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 1000) for i in range(70))
    (status, headers, body), = exchange(gateway.port, head(path, 2, big) + b"{}")
    assert status == 431
    err = json.loads(body)
    if dialect == "openai":
        assert err["error"]["type"] == "invalid_request_error"
        assert "exceed" in err["error"]["message"]
    else:
        assert err["type"] == "error" and err["error"]["type"] == "invalid_request_error"
    assert headers["connection"] == "close"
    assert healthy(gateway)
    assert fresh_upstream.requests() == []


def test_one_header_line_longer_than_the_limit_gets_a_431(gateway):
    (status, _, _), = exchange(gateway.port, head(CHAT, 2, b"X-Long: " + b"z" * (80 << 10) + b"\r\n"))
    assert status == 431


def test_invalid_utf8_in_a_json_string_is_a_400(gateway, fresh_upstream):
    body = b'{"model":"m","messages":[{"role":"user","content":"caf\xc3\x28 \xff"}]}'
    r = post_raw(gateway, CHAT, body)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert "invalid JSON body" in r.json()["error"]["message"]
    assert fresh_upstream.requests() == []


@pytest.mark.parametrize("opener,closer", [(b"[", b"]"), (b'{"a":', b"}")])
def test_json_nested_100000_deep_is_a_400_not_a_stack_overflow(gateway, fresh_upstream,
                                                               opener, closer):
    body = b'{"model":"m","messages":' + opener * 100000 + b"1" + closer * 100000 + b"}"
    r = post_raw(gateway, CHAT, body)
    assert r.status_code == 400
    assert "nested deeper than 32 levels" in r.json()["error"]["message"]
    r = post_raw(gateway, MSGS, body)
    assert r.status_code == 400 and r.json()["type"] == "error"
    assert healthy(gateway)
    assert fresh_upstream.requests() == []


def test_huge_numbers_are_refused_clearly(gateway, fresh_upstream):
    msgs = '"messages":[{"role":"user","content":"hi"}]'
    r = post_raw(gateway, CHAT, ('{"model":"m","temperature":1e400,' + msgs + "}").encode())
    assert r.status_code == 400 and "out of range" in r.json()["error"]["message"]
    r = post_raw(gateway, CHAT, ('{"model":"m","max_tokens":' + "9" * 400 + "," + msgs + "}").encode())
    assert r.status_code == 400 and "out of range" in r.json()["error"]["message"]
    r = post_raw(gateway, CHAT, ('{"model":"m","max_tokens":' + "9" * 30 + "," + msgs + "}").encode())
    assert r.status_code == 400 and "max_tokens" in r.json()["error"]["message"]
    r = post_raw(gateway, CHAT, ('{"model":"m","temperature":-1e308,' + msgs + "}").encode())
    assert r.status_code == 400 and "temperature" in r.json()["error"]["message"]
    assert fresh_upstream.requests() == []


def test_a_duplicate_key_is_refused_and_never_forwarded(gateway, fresh_upstream):
    # An upstream that keeps the first "messages" while the cache keyed the last would answer
    # one prompt under another prompt's key: the gateway refuses the ambiguity.
    body = (b'{"model":"m","messages":[{"role":"user","content":"first"}],'
            b'"messages":[{"role":"user","content":"second"}]}')
    r = post_raw(gateway, CHAT, body)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == 'invalid JSON body: duplicate key "messages" in an object'
    r = post_raw(gateway, MSGS, b'{"model":"m","max_tokens":5,"messages":[{"role":"user",'
                                b'"content":"a","role":"assistant"}]}')
    assert r.status_code == 400 and 'duplicate key "role"' in r.json()["error"]["message"]
    assert fresh_upstream.requests() == []


def test_pipelined_requests_are_answered_in_order(gateway, fresh_upstream):
    raw = b""
    prompts = [f"pipelined question {i}" for i in range(3)]
    for p in prompts:
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": p}]}).encode()
        raw += head(CHAT, len(body)) + body
    raw += b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
    raw += b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answers = exchange(gateway.port, raw)
    assert [a[0] for a in answers] == [200, 200, 200, 200, 200]
    for (_, _, body), p in zip(answers[:3], prompts):
        assert json.loads(body)["choices"][0]["message"]["content"].endswith("to: " + p)
    assert json.loads(answers[3][2])["object"] == "list"
    assert [r["body"]["messages"][0]["content"] for r in fresh_upstream.requests()] == prompts


@pytest.mark.parametrize("path", [CHAT, MSGS])
def test_a_client_gone_mid_stream_cancels_the_upstream_request(gateway_factory, path):
    slow = Upstream(chunk_delay=0.3)
    try:
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": slow.url,
                              "ISARTOR__LLM_PROVIDER": "openai"})
        words = " ".join(f"w{i}" for i in range(60))  # ~60 chunks: ~18 s if streamed to the end
        body = {"model": "m", "stream": True, "max_tokens": 100,
                "messages": [{"role": "user", "content": words}]}
        raw = json.dumps(body).encode()
        s = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
        s.sendall(head(path, len(raw)) + raw)
        got = b""
        while b"data:" not in got:
            got += s.recv(4096)
        assert got.startswith(b"HTTP/1.1 200")
        s.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and slow.requests()[-1].get("stream") == "streaming":
            time.sleep(0.1)
        assert slow.requests()[-1]["stream"] == "peer_closed"
        assert healthy(gw)
    finally:
        slow.stop()
