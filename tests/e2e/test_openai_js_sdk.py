"""The official OpenAI JS SDK (npm openai, pinned) calling responses.create through the gateway."""
import json
import os
import subprocess
from pathlib import Path

import pytest

NPM_PREFIX = Path(os.environ.get("ISARTOR_NPM_CACHE", Path.home() / ".cache" / "isartor" / "npm"))
SCRIPT = Path(__file__).resolve().parent / "js" / "responses_create.mjs"

pytestmark = pytest.mark.skipif(not (NPM_PREFIX / "node_modules" / "openai").exists(),
                                reason="openai JS SDK not installed: run scripts/setup_codex.sh")


def test_responses_create_json_and_stream(gateway, fresh_upstream):
    env = {"PATH": os.environ["PATH"], "NODE_PATH": str(NPM_PREFIX / "node_modules"),
           "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
    # ESM resolves packages from the script's location: run a copy inside the npm prefix.
    script = NPM_PREFIX / "isartor_responses_create.mjs"
    script.write_text(SCRIPT.read_text())
    r = subprocess.run(["node", str(script), gateway.base + "/v1"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["status"] == "completed"
    assert got["plain"].endswith("hello from js")
    assert got["types"][0] == "response.created" and got["types"][-1] == "response.completed"
    assert got["text"].endswith("stream from js")
    assert [q["path"] for q in fresh_upstream.requests()] == ["/v1/chat/completions"] * 2
