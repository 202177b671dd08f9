"""A test double for an upstream LLM (the only double the tests use).

Speaks the OpenAI Chat Completions, the OpenAI Responses and the Anthropic Messages wire formats,
JSON and SSE.
It records every request it receives (headers + body), streams with real delays between chunks,
and misbehaves on demand. Control endpoints (not part of any LLM API):
  GET  /_requests            -> list of recorded requests
  POST /_reset               -> clear records and behaviours
  POST /_behave {"mode":..., "times": N, ...}  -> queue a misbehaviour for the next N requests
Modes: status (with "status", optional "body" and "headers"), cut_stream (stop after "after"
chunks and close), slow_first_byte ("seconds"), hang (never answer), not_json, close (drop
connection), tool_call (answer with a tool call: the first tool, or "tool" with "input", or "name"
with "arguments" (a JSON string); the default arguments are {"city": "Paris"}).
Wire faults (the normal answer, written raw to the socket): reset ("at": "before_status" or
"mid_body": a TCP RST), trickle (the head at once, then one body byte every "interval" seconds, default 1;
"head": true trickles the head too), malformed_sse (a
stream with one event whose data is not JSON, then the normal end), invalid_json (a 2xx JSON
answer cut in the middle of the document), huge (the answer text padded to "bytes"), gzip (the
answer gzip-compressed with Content-Encoding: gzip), content_type (the normal answer labelled
"content_type").
A behaviour with "when_contains": TEXT applies only to requests whose body contains TEXT (other
requests are answered normally and do not use it up).
POST /v1/messages/count_tokens answers {"input_tokens": <body bytes // 4>} (recorded too).
A user message containing "#status=NNN" is answered with that status (per-request faults
for load tests). Each streamed request's record gets "stream": "completed", "cut" (cut_stream), or
"peer_closed" (the gateway closed the connection before the end).

Run: python fake_upstream.py [--port 0]  -> prints "PORT=<n>" once listening.
With --tls-cert FILE --tls-key FILE it serves HTTPS with that certificate instead; adding
--tls-client-ca FILE also requires a client certificate that CA signed (mutual TLS).
"""
import argparse
import asyncio
import gzip
import json
import re
import socket
import ssl
import struct
import sys
import time

from aiohttp import web

STATE = {"requests": [], "behaviours": [], "counter": 0, "chunk_delay": 0.05}


def next_behaviour(raw=b""):
    for i, b in enumerate(STATE["behaviours"]):
        cond = b.get("when_contains")
        if cond is not None and cond.encode() not in raw:
            continue
        b["times"] = b.get("times", 1) - 1
        if b["times"] <= 0:
            STATE["behaviours"].pop(i)
        return b
    return {"mode": "normal"}


def last_user_text(body, dialect):
    if dialect == "responses":
        items = body.get("input")
        if isinstance(items, str):
            return items
        for it in reversed(items or []):
            if it.get("role") == "user":
                c = it.get("content")
                if isinstance(c, str):
                    return c
                return " ".join(p.get("text", "") for p in c if isinstance(p, dict))
        return ""
    for m in reversed(body.get("messages", [])):
        if m.get("role") != "user":
            continue
        c = m.get("content")
        if isinstance(c, str):
            return c
        if isinstance(c, list):
            return " ".join(p.get("text", "") for p in c if isinstance(p, dict) and p.get("type") == "text")
    return ""


def answer_text(body, dialect):
    STATE["counter"] += 1
    return f"Answer #{STATE['counter']} to: {last_user_text(body, dialect)}"


def tool_spec(body, dialect, b):
    """(name, arguments JSON string) of the tool call to answer with: the behaviour's, else the
    first tool's with {"city": "Paris"}."""
    if b.get("tool"):
        return b["tool"], json.dumps(b.get("input", {}))
    tool = body["tools"][0]
    name = tool["function"]["name"] if dialect == "openai" else tool["name"]
    return b.get("name", name), b.get("arguments", "{\"city\": \"Paris\"}")


def openai_json(body, text, tool_call=False, b=None):
    msg = {"role": "assistant", "content": text}
    finish = "stop"
    if tool_call:
        name, args = tool_spec(body, "openai", b or {})
        msg = {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": name, "arguments": args}}]}
        finish = "tool_calls"
    return {"id": f"chatcmpl-{STATE['counter']}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", ""), "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}}


def anthropic_json(body, text, tool_call=False, b=None):
    content = [{"type": "text", "text": text}]
    stop = "end_turn"
    if tool_call:
        name, args = tool_spec(body, "anthropic", b or {})
        content = [{"type": "tool_use", "id": "toolu_1", "name": name, "input": json.loads(args)}]
        stop = "tool_use"
    return {"id": f"msg_{STATE['counter']}", "type": "message", "role": "assistant", "model": body.get("model", ""),
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 11, "output_tokens": 7}}


def split_words(text):
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def halves(s):
    return [s[:len(s) // 2], s[len(s) // 2:]]


def openai_events(body, text, tool_call, b=None):
    base = {"id": f"chatcmpl-{STATE['counter']}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": body.get("model", "")}
    yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    if tool_call:
        name, args = tool_spec(body, "openai", b or {})
        yield {**base, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                "function": {"name": name, "arguments": ""}}]}, "finish_reason": None}]}
        for frag in halves(args):
            yield {**base, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": frag}}]},
                                        "finish_reason": None}]}
        finish = "tool_calls"
    else:
        for w in split_words(text):
            yield {**base, "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]}
        finish = "stop"
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    if (body.get("stream_options") or {}).get("include_usage"):
        yield {**base, "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}}


def anthropic_events(body, text, tool_call, b=None):
    mid = f"msg_{STATE['counter']}"
    yield "message_start", {"type": "message_start", "message": {"id": mid, "type": "message", "role": "assistant",
        "model": body.get("model", ""), "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 11, "output_tokens": 1}}}
    yield "ping", {"type": "ping"}
    if tool_call:
        name, args = tool_spec(body, "anthropic", b or {})
        yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": {
            "type": "tool_use", "id": "toolu_1", "name": name, "input": {}}}
        for frag in halves(args):
            yield "content_block_delta", {"type": "content_block_delta", "index": 0,
                                          "delta": {"type": "input_json_delta", "partial_json": frag}}
        stop = "tool_use"
    else:
        yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        for w in split_words(text):
            yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}}
        stop = "end_turn"
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield "message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                            "usage": {"output_tokens": 7}}
    yield "message_stop", {"type": "message_stop"}


def responses_output(body, text, tool_call, b):
    rid = f"resp_{STATE['counter']}"
    if tool_call:
        tools = [t for t in body.get("tools", []) if t.get("type") == "function"]
        if b.get("tool"):
            name, args = b["tool"], json.dumps(b.get("input", {}))
        else:
            name = b.get("name", tools[0]["name"] if tools else "f")
            args = b.get("arguments", "{\"city\": \"Paris\"}")
        return rid, [{"type": "function_call", "id": f"fc_{STATE['counter']}", "call_id": "call_1", "name": name,
                      "arguments": args, "status": "completed"}]
    return rid, [{"type": "message", "id": f"msg_{STATE['counter']}", "status": "completed", "role": "assistant",
                  "content": [{"type": "output_text", "text": text, "annotations": []}]}]


def responses_object(body, rid, output, status):
    return {"id": rid, "object": "response", "created_at": int(time.time()), "status": status,
            "model": body.get("model", ""), "output": output, "parallel_tool_calls": True,
            "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools", []), "error": None,
            "incomplete_details": None, "store": body.get("store", False),
            "usage": {"input_tokens": 11, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 7,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 18} if status == "completed" else None}


def responses_events(body, text, tool_call, b):
    rid, output = responses_output(body, text, tool_call, b)
    seq = iter(range(10000))

    def ev(kind, **data):
        return kind, {"type": kind, "sequence_number": next(seq), **data}
    yield ev("response.created", response=responses_object(body, rid, [], "in_progress"))
    yield ev("response.in_progress", response=responses_object(body, rid, [], "in_progress"))
    item = output[0]
    if item["type"] == "message":
        yield ev("response.output_item.added", output_index=0, item={**item, "status": "in_progress", "content": []})
        yield ev("response.content_part.added", item_id=item["id"], output_index=0, content_index=0,
                 part={"type": "output_text", "text": "", "annotations": []})
        for w in split_words(text):
            yield ev("response.output_text.delta", item_id=item["id"], output_index=0, content_index=0, delta=w,
                     logprobs=[])
        yield ev("response.output_text.done", item_id=item["id"], output_index=0, content_index=0, text=text,
                 logprobs=[])
        yield ev("response.content_part.done", item_id=item["id"], output_index=0, content_index=0,
                 part=item["content"][0])
    else:
        yield ev("response.output_item.added", output_index=0, item={**item, "status": "in_progress", "arguments": ""})
        for frag in halves(item["arguments"]):
            yield ev("response.function_call_arguments.delta", item_id=item["id"], output_index=0, delta=frag)
        yield ev("response.function_call_arguments.done", item_id=item["id"], output_index=0,
                 arguments=item["arguments"], name=item["name"])
    yield ev("response.output_item.done", output_index=0, item=item)
    yield ev("response.completed", response=responses_object(body, rid, output, "completed"))


def stream_events(body, dialect, text, tool_call, b):
    """[(event name, data)] of a normal streamed answer in `dialect` (name "" for OpenAI chunks)."""
    if dialect == "openai":
        return [("", e) for e in openai_events(body, text, tool_call, b)]
    if dialect == "responses":
        return list(responses_events(body, text, tool_call, b))
    return list(anthropic_events(body, text, tool_call, b))


async def handle(request, dialect):
    raw = await request.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    record = {"path": request.path, "headers": {k.lower(): v for k, v in request.headers.items()},
              "body": body, "raw": raw.decode("utf-8", "replace"), "time": time.time()}
    STATE["requests"].append(record)
    # A prompt can carry its own failure ("... #status=503"): concurrent load tests inject
    # errors per request without racing each other through the shared behaviour queue.
    m = re.search(r"#status=(\d{3})", last_user_text(body, dialect)) if isinstance(body, dict) else None
    if m:
        return web.Response(status=int(m.group(1)), content_type="application/json", text=json.dumps(
            {"error": {"message": "injected by the prompt", "type": "server_error"}}))
    b = next_behaviour(raw)
    mode = b.get("mode", "normal")
    if mode == "hang":
        await asyncio.sleep(3600)
    if mode == "slow_first_byte":
        await asyncio.sleep(float(b.get("seconds", 5)))
    if mode == "close":
        request.transport.close()
        return web.Response(status=500)
    if mode == "status":
        return web.Response(status=int(b["status"]), text=b.get("body", json.dumps(
            {"error": {"message": "injected failure", "type": "server_error"}})), content_type="application/json",
            headers=b.get("headers"))
    if mode == "reset" and b.get("at", "before_status") == "before_status":
        return reset_connection(request)
    if mode == "not_json":
        return web.Response(status=200, text="<html>oops</html>", content_type="text/html")
    if body is None:
        return web.json_response({"error": {"message": "bad json", "type": "invalid_request_error"}}, status=400)
    tool_call = mode == "tool_call"
    text = answer_text(body, dialect)
    if mode == "huge":
        text += " " + "x" * int(b.get("bytes", 1 << 20))
    if mode in WIRE_FAULTS:
        return await wire_fault(request, record, b, body, dialect, text, tool_call)
    if not body.get("stream"):
        if dialect == "responses":
            rid, output = responses_output(body, text, tool_call, b)
            return web.json_response(responses_object(body, rid, output, "completed"))
        make = openai_json if dialect == "openai" else anthropic_json
        return web.json_response(make(body, text, tool_call, b))
    resp = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await resp.prepare(request)
    delay = float(b.get("delay", STATE["chunk_delay"]))
    cut_after = int(b.get("after", 3)) if mode == "cut_stream" else None
    sent = 0
    events = stream_events(body, dialect, text, tool_call, b)
    # "stream": how the stream ended, for tests that check the gateway hung up on us.
    record["stream"] = "streaming"
    try:
        for name, data in events:
            if cut_after is not None and sent >= cut_after:
                record["stream"] = "cut"
                request.transport.close()
                return resp
            if request.transport is None or request.transport.is_closing():
                raise ConnectionResetError("peer closed")
            frame = (f"event: {name}\n" if name else "") + "data: " + json.dumps(data) + "\n\n"
            await resp.write(frame.encode())
            sent += 1
            await asyncio.sleep(delay)
        if dialect == "openai":
            await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
    except (ConnectionError, asyncio.CancelledError):
        record["stream"] = "peer_closed"
        raise
    record["stream"] = "completed"
    return resp


WIRE_FAULTS = {"reset", "trickle", "malformed_sse", "invalid_json", "gzip", "content_type"}


def normal_answer(body, dialect, text, tool_call, b):
    """(content type, body bytes) of the answer handle() would send: JSON or the whole SSE stream."""
    if not body.get("stream"):
        if dialect == "responses":
            rid, output = responses_output(body, text, tool_call, b)
            doc = responses_object(body, rid, output, "completed")
        else:
            doc = (openai_json if dialect == "openai" else anthropic_json)(body, text, tool_call, b)
        return "application/json", json.dumps(doc).encode()
    events = stream_events(body, dialect, text, tool_call, b)
    frames = [(f"event: {n}\n" if n else "") + "data: " + json.dumps(d) + "\n\n" for n, d in events]
    if dialect == "openai":
        frames.append("data: [DONE]\n\n")
    return "text/event-stream", "".join(frames).encode()


def reset_connection(request):
    """Abort with SO_LINGER 0: the peer gets a TCP RST, not a FIN."""
    sock = request.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    request.transport.abort()
    return web.Response(status=500)


async def wire_fault(request, record, b, body, dialect, text, tool_call):
    mode = b["mode"]
    ctype, payload = normal_answer(body, dialect, text, tool_call, b)
    headers = {}
    if mode == "malformed_sse":
        # One event in the middle whose data is not JSON; the stream still ends normally.
        frames = payload.decode().split("\n\n")
        broken = ("event: content_block_delta\n" if dialect == "anthropic" else "") + 'data: {"broken": '
        frames.insert(min(2, len(frames)), broken)
        payload = "\n\n".join(frames).encode()
    elif mode == "invalid_json":
        ctype = "application/json"
        payload = payload[:len(payload) // 2]
    elif mode == "gzip":
        payload = gzip.compress(payload)
        headers["Content-Encoding"] = "gzip"
    elif mode == "content_type":
        ctype = b["content_type"]
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"
    raw = head.encode() + payload
    transport = request.transport
    record["stream"] = "streaming"
    if mode == "reset":  # at mid_body: the head and half the body, then a RST
        transport.write(raw[:len(head) + len(payload) // 2])
        await asyncio.sleep(0.2)
        record["stream"] = "cut"
        return reset_connection(request)
    if mode == "trickle":
        interval = float(b.get("interval", 1.0))
        start = 0 if b.get("head") else len(head)  # the body only, unless "head": true
        transport.write(raw[:start])
        for i in range(start, len(raw)):
            if transport.is_closing():
                record["stream"] = "peer_closed"
                return web.Response(status=500)
            transport.write(raw[i:i + 1])
            await asyncio.sleep(interval)
    else:
        transport.write(raw)
    record["stream"] = "completed"
    await asyncio.sleep(0.05)
    transport.close()
    return web.Response(status=500)


async def openai_route(request):
    return await handle(request, "openai")


async def anthropic_route(request):
    return await handle(request, "anthropic")


async def count_tokens_route(request):
    raw = await request.read()
    STATE["requests"].append({"path": request.path, "headers": {k.lower(): v for k, v in request.headers.items()},
                              "body": json.loads(raw or b"null"), "raw": raw.decode("utf-8", "replace"),
                              "time": time.time()})
    b = next_behaviour(raw)
    if b.get("mode") == "status":
        return web.Response(status=int(b["status"]), text=b.get("body", ""), content_type="application/json")
    return web.json_response({"input_tokens": len(raw) // 4})


async def responses_route(request):
    return await handle(request, "responses")


async def embeddings_route(request):
    """OpenAI embeddings for any model: a fixed 3-dimensional vector per input (forwarding tests)."""
    body = await request.json()
    STATE["requests"].append({"path": request.path, "headers": {k.lower(): v for k, v in request.headers.items()},
                              "body": body, "raw": json.dumps(body), "time": time.time()})
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    return web.json_response({"object": "list", "model": body.get("model"),
                              "data": [{"object": "embedding", "index": i, "embedding": [0.25, 0.5, 0.75]}
                                       for i in range(len(inputs))],
                              "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)}})


async def get_requests(request):
    return web.json_response(STATE["requests"])


async def reset(request):
    STATE["requests"].clear()
    STATE["behaviours"].clear()
    return web.json_response({"ok": True})


async def behave(request):
    STATE["behaviours"].append(await request.json())
    return web.json_response({"ok": True})


def make_app():
    app = web.Application(client_max_size=64 * 1024 * 1024)
    for prefix in ("/v1", ""):
        app.router.add_post(prefix + "/chat/completions", openai_route)
        app.router.add_post(prefix + "/messages", anthropic_route)
        app.router.add_post(prefix + "/messages/count_tokens", count_tokens_route)
        app.router.add_post(prefix + "/responses", responses_route)
        app.router.add_post(prefix + "/embeddings", embeddings_route)
    app.router.add_get("/_requests", get_requests)
    app.router.add_post("/_reset", reset)
    app.router.add_post("/_behave", behave)
    return app


async def main(host, port, chunk_delay, tls_cert=None, tls_key=None, tls_client_ca=None):
    STATE["chunk_delay"] = chunk_delay
    runner = web.AppRunner(make_app(), access_log=None)
    await runner.setup()
    ssl_context = None
    if tls_cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(tls_cert, tls_key)
        if tls_client_ca:
            ssl_context.load_verify_locations(tls_client_ca)
            ssl_context.verify_mode = ssl.CERT_REQUIRED
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
    await site.start()
    actual = site._server.sockets[0].getsockname()[1]
    print(f"PORT={actual}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--chunk-delay", type=float, default=0.05)
    ap.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS")
    ap.add_argument("--tls-key", help="PEM private key of --tls-cert")
    ap.add_argument("--tls-client-ca", help="PEM CA bundle: require client certificates")
    args = ap.parse_args()
    try:
        asyncio.run(main(args.host, args.port, args.chunk_delay, args.tls_cert, args.tls_key,
                         args.tls_client_ca))
    except KeyboardInterrupt:
        sys.exit(0)
