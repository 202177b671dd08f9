"""The release bundle on a bare host (issue 12, section 2).

scripts/release.sh builds the bundle (second build tree build-release/, ISARTOR_STATIC_RELEASE)
and signs it with a throwaway key. The bundle is unpacked into an otherwise empty root that holds
only the glibc files `ldd` names for its binary, and run there with chroot inside a network
namespace that has nothing but loopback: `--version` reports the embedded model, the offline
`check` passes, and the gateway answers an L1a and an L1b paraphrase hit against the test
upstream running in the same namespace. `isartor release verify`, run from inside that root,
accepts the bundle (folder and tarball) and rejects a one-byte change, a truncated tarball, a
missing and an extra file, and another key.
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
Q = "How do I reset my router password?"
PARAPHRASE = "How can I reset the password of my router?"
# The first build of build-release/ is a full compile (about 25 min on 2 busy cores without
# ccache hits); later runs only relink, strip and pack (about a minute).
BUILD_TIMEOUT_S = 3600

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("chroot"),
    reason="needs root, ip(8) and chroot(8) for the network namespace and the bare root")

SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


class Bundle:
    def __init__(self, out):
        self.tarball = next(out.glob("isartor-*-linux-x86_64.tar.gz"))
        self.name = self.tarball.name[: -len(".tar.gz")]
        self.public_key = out / "throwaway-key" / "release_ed25519.pub.pem"
        self.debug_file = out / (self.name + ".debug")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([str(ROOT / "scripts" / "release.sh"), "--throwaway-key", "--out", str(out)],
                       capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return Bundle(out)


@pytest.fixture(scope="module")
def bare_root(bundle, tmp_path_factory):
    """An empty root with the bundle under /opt and only the glibc files its binary needs."""
    root = tmp_path_factory.mktemp("root")
    with tarfile.open(bundle.tarball) as t:
        t.extractall(root / "opt")
    app = root / "opt" / bundle.name
    ldd = subprocess.run(["ldd", str(app / "bin" / "isartor")], check=True, capture_output=True,
                         text=True).stdout
    copied = []
    for line in ldd.splitlines():
        m = re.search(r"(?:=> )?(/\S+) \(0x", line)
        if not m or m.group(1).startswith(str(app)):
            continue
        src = Path(m.group(1))
        dest = root / src.relative_to("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src.resolve(), dest)
        copied.append(str(src))
    # glibc and nothing else: the C++ runtime and oneDNN come from the bundle's lib/.
    assert all(re.search(r"/(libc|libm|ld-linux-x86-64)\.so", p) for p in copied), copied
    (root / "proc").mkdir()
    # Nothing else: the bundle, the glibc files, an empty /proc mount point.
    assert sorted(p.name for p in root.iterdir()) == ["lib", "lib64", "opt", "proc"], \
        sorted(root.iterdir())
    keys = root / "keys"
    keys.mkdir()
    shutil.copy(bundle.public_key, keys / "release.pub.pem")  # carried in separately
    return root, f"/opt/{bundle.name}"


@pytest.fixture(scope="module")
def netns():
    """A network namespace with nothing but loopback (up)."""
    name = f"isartor-release-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        links = subprocess.run(["ip", "-n", name, "-o", "link"], check=True, capture_output=True,
                               text=True).stdout.splitlines()
        assert len(links) == 1 and ": lo:" in links[0], links
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name])


def root_cmd(netns, root, *argv):
    """argv (a path inside the bare root) run with chroot inside the namespace. Like any Linux
    host the root has /proc (its own pid namespace's, mounted privately): glibc resolves the
    binary's $ORIGIN run path through /proc/self/exe."""
    return ["ip", "netns", "exec", netns, "unshare", "--mount", "--pid", "--fork",
            "--kill-child=SIGTERM", f"--mount-proc={root}/proc", "chroot", str(root), *argv]


def in_root(netns, root, *argv, env=None, **kw):
    full_env = {"PATH": SYSTEM_PATH, **(env or {})}
    return subprocess.run(root_cmd(netns, root, *argv), env=full_env, capture_output=True,
                          text=True, timeout=120, **kw)


def test_version_reports_the_embedded_model(bare_root, netns):
    root, app = bare_root
    r = in_root(netns, root, f"{app}/bin/isartor", "--version")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"isartor \S+ \(MiniLM model embedded\)\n", r.stdout), r.stdout


def test_the_slim_binary_runs_in_the_bare_root_without_the_model(bare_root, netns):
    """bin/isartor-slim (for the image that mounts /models) needs nothing outside the bundle
    either, carries no model and is a fraction of the size."""
    root, app = bare_root
    slim, full = Path(f"{root}{app}/bin/isartor-slim"), Path(f"{root}{app}/bin/isartor")
    r = in_root(netns, root, f"{app}/bin/isartor-slim", "--version")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"isartor \S+ \(MiniLM model not embedded\)\n", r.stdout), r.stdout
    assert slim.stat().st_size < full.stat().st_size - 80_000_000  # the 90 MB model is not in it


def test_offline_check_passes_in_the_bare_root(bare_root, netns):
    root, app = bare_root
    r = in_root(netns, root, f"{app}/bin/isartor", "check", "--json",
                env={"ISARTOR__OFFLINE_MODE": "true"})
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["offline_mode"] is True and report["air_gap_compatible"] is True, report


def test_serves_an_l1a_and_an_l1b_hit_inside_the_namespace(bare_root, netns, tmp_path):
    root, app = bare_root
    upstream = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, str(HERE / "fake_upstream.py"),
         "--host", "127.0.0.1", "--port", "0", "--chunk-delay", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    err = open(tmp_path / "gateway.err", "w+")
    gateway = None
    try:
        m = re.match(r"PORT=(\d+)", upstream.stdout.readline())
        assert m, "fake upstream did not start"
        upstream_url = f"http://127.0.0.1:{m.group(1)}"
        env = {"PATH": SYSTEM_PATH, "ISARTOR__HOST_PORT": "127.0.0.1:0",
               "ISARTOR__OFFLINE_MODE": "true", "ISARTOR__INTERNAL_NETWORKS": "127.0.0.1/32",
               "ISARTOR__EXTERNAL_LLM_URL": upstream_url + "/v1",
               "ISARTOR__LLM_PROVIDER": "openai", "ISARTOR__CACHE_MODE": "both"}
        gateway = subprocess.Popen(
            root_cmd(netns, root, f"{app}/bin/isartor"), env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=err)
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            m = re.search(r"listening on [\d.]+:(\d+)", (tmp_path / "gateway.err").read_text())
            if m:
                port = int(m.group(1))
            elif gateway.poll() is not None:
                break
            else:
                time.sleep(0.05)
        assert port, "gateway did not start: " + (tmp_path / "gateway.err").read_text()

        def ask(text):
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
            return client(netns, "POST", f"http://127.0.0.1:{port}/v1/chat/completions", body)

        first, again, paraphrase = ask(Q), ask(Q), ask(PARAPHRASE)
        assert first["status"] == 200, first
        assert first["headers"]["x-isartor-layer"] == "l3"
        assert again["headers"]["x-isartor-layer"] == "l1a"
        assert paraphrase["headers"]["x-isartor-layer"] == "l1b", paraphrase
        assert 0.85 <= float(paraphrase["headers"]["x-isartor-similarity"]) <= 1.0
        answer = first["body"]["choices"][0]["message"]["content"]
        assert again["body"]["choices"][0]["message"]["content"] == answer
        assert paraphrase["body"]["choices"][0]["message"]["content"] == answer
        recorded = client(netns, "GET", upstream_url + "/_requests")["body"]
        assert len(recorded) == 1, recorded
    finally:
        upstream.kill()
        upstream.wait()
        err.close()
        if gateway is not None:
            # Its own process group: unshare's waiting parent ignores SIGTERM, the gateway
            # (pid 1 of its pid namespace) must get it.
            os.killpg(gateway.pid, signal.SIGTERM)
            try:
                gateway.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(gateway.pid, signal.SIGKILL)
                gateway.wait()
                raise


CLIENT = """
import json, sys, requests
method, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
r = requests.request(method, url, json=json.loads(body) if body else None, timeout=60,
                     headers={"Authorization": "Bearer sk-test"})
print(json.dumps({"status": r.status_code, "headers": {k.lower(): v for k, v in r.headers.items()},
                  "body": r.json()}))
"""


def client(netns, method, url, body=None):
    """One HTTP request from inside the namespace (the test process itself is outside it)."""
    r = subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-c", CLIENT, method, url,
                        json.dumps(body) if body else ""],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def verify(bare_root, netns, path):
    root, app = bare_root
    return in_root(netns, root, f"{app}/bin/isartor", "release", "verify", path,
                   "--public-key", "/keys/release.pub.pem")


def test_release_verify_accepts_the_bundle_folder_and_tarball(bundle, bare_root, netns):
    root, app = bare_root
    r = verify(bare_root, netns, app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^OK: signature by key [0-9a-f]{16} verifies; \d+ files match SHA256SUMS$",
                     r.stdout, re.M), r.stdout
    media = root / "media"
    media.mkdir(exist_ok=True)
    shutil.copy(bundle.tarball, media / bundle.tarball.name)
    r = verify(bare_root, netns, f"/media/{bundle.tarball.name}")
    assert r.returncode == 0, r.stdout + r.stderr


def test_release_verify_rejects_one_changed_byte_of_the_binary(bundle, bare_root, netns):
    root, app = bare_root
    copy = root / "media" / "changed"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root / app.lstrip("/"), copy)
    binary = copy / "bin" / "isartor"
    with open(binary, "r+b") as f:
        f.seek(binary.stat().st_size // 2)
        b = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([b[0] ^ 0x01]))
    r = verify(bare_root, netns, "/media/changed")
    assert r.returncode == 1, r.stdout
    assert "bin/isartor: SHA-256 mismatch" in r.stdout
    assert "FAILED: 1 problem;" in r.stdout


def test_release_verify_names_a_missing_and_an_extra_file(bundle, bare_root, netns):
    root, app = bare_root
    copy = root / "media" / "edited"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root / app.lstrip("/"), copy)
    (copy / "sbom.cdx.json").unlink()
    (copy / "lib" / "libextra.so").write_text("not from us")
    r = verify(bare_root, netns, "/media/edited")
    assert r.returncode == 1, r.stdout
    assert "sbom.cdx.json: missing (listed in SHA256SUMS)" in r.stdout
    assert "lib/libextra.so: extra file, not listed in SHA256SUMS" in r.stdout


def test_release_verify_rejects_a_truncated_tarball(bundle, bare_root, netns):
    root, _ = bare_root
    data = bundle.tarball.read_bytes()
    (root / "media").mkdir(exist_ok=True)
    (root / "media" / "cut.tar.gz").write_bytes(data[: len(data) * 2 // 3])
    r = verify(bare_root, netns, "/media/cut.tar.gz")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "truncated" in r.stdout and "FAILED: the bundle cannot be read" in r.stdout


def test_release_verify_rejects_another_key(bundle, bare_root, netns, tmp_path):
    root, app = bare_root
    r = in_root(netns, root, f"{app}/bin/isartor", "release", "keygen", "--out", "/keys/other")
    assert r.returncode == 0, r.stderr
    r = in_root(netns, root, f"{app}/bin/isartor", "release", "verify", app,
                "--public-key", "/keys/other/release_ed25519.pub.pem")
    assert r.returncode == 1, r.stdout
    assert "SHA256SUMS.sig does not verify under key" in r.stdout
    r = in_root(netns, root, f"{app}/bin/isartor", "release", "verify", app,
                "--public-key", "/keys/absent.pem")
    assert r.returncode == 2 and "public key" in r.stderr, r.stderr


def test_bundle_holds_what_docs_release_md_promises(bundle, bare_root):
    root, app = bare_root
    base = root / app.lstrip("/")
    sums = (base / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ", 1)[1] for line in sums}
    for path in ("bin/isartor", "lib/libdnnl.so.2", "lib/libgomp.so.1", "lib/libstdc++.so.6",
                 "docs/release.md", "README.md", "sbom.cdx.json",
                 "licenses/libdnnl2/copyright", "licenses/libssl-dev/copyright",
                 "licenses/all-MiniLM-L6-v2/LICENSE"):
        assert path in listed, path
    if (ROOT / "deploy" / "systemd" / "isartor.service").exists():
        assert "deploy/systemd/isartor.service" in listed
    sbom = json.loads((base / "sbom.cdx.json").read_text())
    assert sbom["bomFormat"] == "CycloneDX" and sbom["specVersion"] == "1.5"
    by_name = {c["name"]: c for c in sbom["components"]}
    for pkg in ("libdnnl2", "libssl-dev", "libboost-json1.81-dev", "libutf8proc-dev",
                "libstdc++6", "libgomp1", "libtomlplusplus-dev", "libcli11-dev"):
        assert pkg in by_name, sorted(by_name)
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], check=True,
                                 capture_output=True, text=True).stdout
        assert by_name[pkg]["version"] == version, pkg
    model = by_name["sentence-transformers/all-MiniLM-L6-v2"]
    files = {f["name"]: f["hashes"][0]["content"] for f in model["components"]}
    weights = ROOT / "models" / "all-MiniLM-L6-v2" / "model.safetensors"
    expected = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert files["all-MiniLM-L6-v2/model.safetensors"] == expected
    # Debug info lives beside the bundle, and the shipped binary links to it by name.
    assert bundle.debug_file.stat().st_size > 0
    sections = subprocess.run(["readelf", "-S", str(base / "bin" / "isartor")], check=True,
                              capture_output=True, text=True).stdout
    assert ".gnu_debuglink" in sections and ".debug_info" not in sections
