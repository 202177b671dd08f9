"""The real OpenAI Codex CLI (npm @openai/codex, pinned in scripts/setup_codex.sh) through the
gateway. Codex speaks only the Responses API. Every run gets a throwaway HOME / CODEX_HOME, and
proxies pointing at a closed loopback port so that nothing it tries on its own (update checks,
plugin sync) can leave the machine; the gateway is reached directly (NO_PROXY)."""
import json
import os
import subprocess
from pathlib import Path

import pytest

NPM_PREFIX = Path(os.environ.get("ISARTOR_NPM_CACHE", Path.home() / ".cache" / "isartor" / "npm"))
CODEX = NPM_PREFIX / "node_modules" / ".bin" / "codex"

pytestmark = pytest.mark.skipif(not CODEX.exists(), reason="Codex CLI not installed: run scripts/setup_codex.sh")


@pytest.fixture
def codex_home():
    # Codex refuses to create its helper binaries under /tmp; a cache folder works.
    base = Path.home() / ".cache" / "isartor" / "codex-test"
    base.mkdir(parents=True, exist_ok=True)
    import tempfile
    home = Path(tempfile.mkdtemp(dir=base))
    yield home
    subprocess.run(["rm", "-rf", str(home)], check=False)


def run_codex(gw, home, prompt, timeout=120):
    (home / "config.toml").write_text(f'''
model = "m"
model_provider = "isartor"
check_for_update_on_startup = false
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.isartor]
name = "isartor gateway"
base_url = "{gw.base}/v1"
wire_api = "responses"
env_key = "ISARTOR_TEST_KEY"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[feedback]
enabled = false
''')
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CODEX_HOME": str(home), "ISARTOR_TEST_KEY": "sk-codex",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "all_proxy": "http://127.0.0.1:9",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "TERM": "dumb"}
    return subprocess.run([str(CODEX), "exec", "--skip-git-repo-check", prompt], cwd=home, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


def test_codex_against_an_upstream_that_speaks_responses(gateway_factory, fresh_upstream, codex_home):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url, "ISARTOR__LLM_RESPONSES_API": "true"})
    r = run_codex(gw, codex_home, "say hello natively")
    assert r.returncode == 0, r.stderr
    assert "to: say hello natively" in r.stdout
    sent = [q for q in fresh_upstream.requests() if q["path"] == "/v1/responses"]
    assert len(sent) == 1
    assert sent[0]["body"]["stream"] is True and sent[0]["body"]["store"] is False
    assert sent[0]["headers"]["authorization"] == "Bearer sk-codex"
    # Passed through untouched: the hosted and namespace tools reach an upstream that can run them.
    assert {t["type"] for t in sent[0]["body"]["tools"]} >= {"function", "web_search"}


def test_codex_against_a_chat_only_upstream_through_translation(gateway_factory, fresh_upstream, codex_home):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url})
    r = run_codex(gw, codex_home, "say hello through chat")
    assert r.returncode == 0, r.stderr
    assert "to: say hello through chat" in r.stdout
    sent = fresh_upstream.requests()
    assert [q["path"] for q in sent] == ["/v1/chat/completions"]
    body = sent[0]["body"]
    assert body["stream"] is True
    assert body["messages"][0]["role"] == "system"  # Codex's developer messages
    assert body["messages"][-1] == {"role": "user", "content": "say hello through chat"}
    names = {t["function"]["name"] for t in body["tools"]}
    assert "exec_command" in names
    assert all(t["type"] == "function" for t in body["tools"])


def test_codex_shell_tool_round_trip_through_translation(gateway_factory, fresh_upstream, codex_home):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url})
    fresh_upstream.behave(mode="tool_call", name="exec_command",
                          arguments=json.dumps({"cmd": "echo isartor-shell-$((6*7))"}))
    r = run_codex(gw, codex_home, "run the shell command please")
    assert r.returncode == 0, r.stderr
    sent = fresh_upstream.requests()
    assert len(sent) == 2, [q["body"]["messages"][-1] for q in sent]
    # The second request carries the tool call and the command's real output back.
    messages = sent[1]["body"]["messages"]
    call = next(m for m in messages if m.get("tool_calls"))
    assert call["tool_calls"][0]["function"]["name"] == "exec_command"
    result = next(m for m in messages if m["role"] == "tool")
    assert result["tool_call_id"] == call["tool_calls"][0]["id"]
    assert "isartor-shell-42" in result["content"]
    assert "to: run the shell command please" in r.stdout


def test_codex_repeat_is_answered_from_the_cache(gateway_factory, fresh_upstream, codex_home):
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url})
    first = run_codex(gw, codex_home, "what is 2+2")
    assert first.returncode == 0, first.stderr
    second = run_codex(gw, codex_home, "what is 2+2")
    assert second.returncode == 0, second.stderr
    assert len(fresh_upstream.requests()) == 1
    answer = [line for line in first.stdout.splitlines() if "to: what is 2+2" in line]
    assert answer and answer[-1] in second.stdout
    layers = [line["layer"] for line in gw.log_lines()
              if line.get("event") == "response_sent" and line.get("route") == "/v1/responses"]
    assert layers[-2:] == ["l3", "l1a"], layers


def test_codex_in_offline_mode(gateway_factory, fresh_upstream, codex_home):
    # An internal upstream: served, and the banner says offline.
    gw = gateway_factory({"ISARTOR__EXTERNAL_LLM_URL": fresh_upstream.url, "ISARTOR__OFFLINE_MODE": "true"})
    r = run_codex(gw, codex_home, "offline hello")
    assert r.returncode == 0, r.stderr
    assert "to: offline hello" in r.stdout
    assert "OFFLINE" in gw.err_text().upper()
    # The public API is refused without a connection attempt; Codex reports the gateway's reason.
    blocked = gateway_factory({"ISARTOR__OFFLINE_MODE": "true", "ISARTOR__L3_MAX_RETRIES": "0"})
    r = run_codex(blocked, codex_home, "offline hello again")
    assert r.returncode != 0
    assert "offline mode is active" in (r.stdout + r.stderr)
