"""scripts/build-images.sh: the airgapped OCI image, built with buildah from a release bundle,
loaded back from its OCI archive and run with `buildah run --isolation chroot` (docker and
podman cannot run containers in this sandbox).

The bundle is ISARTOR_BUNDLE when set (the real one from scripts/release.sh); otherwise a
stand-in holding only isartor-<version>/bin/isartor, the binary under test without its debug
info, because images are built from a bundle's layout."""
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import BIN

ROOT = Path(__file__).resolve().parents[2]
BUILDAH = shutil.which("buildah")
pytestmark = pytest.mark.skipif(BUILDAH is None or os.geteuid() != 0,
                                reason="needs buildah (scripts/setup.sh) and root")


def version():
    out = subprocess.run([str(BIN), "--version"], capture_output=True, text=True).stdout
    return re.match(r"isartor (\S+)", out).group(1)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    if os.environ.get("ISARTOR_BUNDLE"):
        return Path(os.environ["ISARTOR_BUNDLE"])
    tmp = tmp_path_factory.mktemp("bundle")
    v = version()
    top = tmp / f"isartor-{v}" / "bin"
    top.mkdir(parents=True)
    subprocess.run(["objcopy", "--strip-debug", str(BIN), str(top / "isartor")], check=True)
    path = tmp / f"isartor-{v}-linux-x86_64.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as t:
        t.add(tmp / f"isartor-{v}", arcname=f"isartor-{v}")
    return path


@pytest.fixture(scope="module")
def image(tmp_path_factory, bundle):
    tmp = tmp_path_factory.mktemp("images")
    v = version()
    storage = tmp / "storage"
    env = dict(os.environ, ISARTOR_BUILDAH_ROOT=str(storage))
    r = subprocess.run([str(ROOT / "scripts" / "build-images.sh"), "--airgapped-only",
                        "--out", str(tmp / "dist"), str(bundle)],
                       env=env, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout + r.stderr
    archive = tmp / "dist" / f"isartor-{v}-airgapped.oci.tar"
    assert archive.stat().st_size > 0
    b = [BUILDAH, "--storage-driver", "vfs", "--root", str(storage), "--runroot", str(tmp / "run")]
    tag = f"isartor:{v}-airgapped"

    def inspect(ref, kind):
        out = subprocess.run(b + ["inspect", "--type", kind, ref], capture_output=True,
                             text=True, check=True).stdout
        return json.loads(out)

    built = inspect(tag, "image")  # as committed, before the archive's copy replaces the tag
    # A new container from the archive, as a site would load it.
    ctr = subprocess.run(b + ["from", "--quiet", f"oci-archive:{archive}"], capture_output=True,
                         text=True, check=True).stdout.strip()
    yield {"b": b, "ctr": ctr, "version": v, "built": built,
           "loaded": inspect(ctr, "container")}
    subprocess.run(b + ["rm", ctr], capture_output=True)
    subprocess.run(b + ["rmi", "--all", "--force"], capture_output=True)
    shutil.rmtree(storage, ignore_errors=True)


def run_in(image, *cmd, env=()):
    args = image["b"] + ["run", "--isolation", "chroot"]
    for e in env:
        args += ["--env", e]
    return subprocess.run(args + [image["ctr"], "--", *cmd], capture_output=True, text=True,
                          timeout=120)


def test_version_inside_the_image_says_the_model_is_embedded(image):
    r = run_in(image, "/opt/isartor/bin/isartor", "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"isartor {image['version']} (MiniLM model embedded)"


def test_check_inside_the_image_passes_offline_with_an_internal_upstream(image):
    r = run_in(image, "/opt/isartor/bin/isartor", "check", "--json",
               env=["ISARTOR__OFFLINE_MODE=true",
                    "ISARTOR__EXTERNAL_LLM_URL=http://10.0.0.5:8000/v1"])
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["offline_mode"] is True and report["air_gap_compatible"] is True


def test_default_command_refuses_the_pod_network_without_a_gateway_key(image):
    # The image listens on 0.0.0.0:8080; without a key the product refuses before binding.
    r = run_in(image, "/opt/isartor/bin/isartor")
    assert r.returncode == 2
    assert "refusing to listen on 0.0.0.0:8080 without ISARTOR__GATEWAY_API_KEY" in r.stderr


def test_image_config_is_non_root_with_port_and_health_check(image):
    for info in (image["built"], image["loaded"]):
        oci = info["OCIv1"]["config"]
        assert oci["User"] == "10001:10001"
        assert set(oci["ExposedPorts"]) & {"8080", "8080/tcp"}
        assert "ISARTOR__HOST_PORT=0.0.0.0:8080" in oci["Env"]
        assert oci["Entrypoint"] == ["/opt/isartor/bin/isartor"]
    # Only the Docker format carries HEALTHCHECK: the image is committed in it, and the OCI
    # archive drops it (docs/deploy.md; --docker-archives keeps it).
    health = image["built"]["Docker"]["config"]["Healthcheck"]
    assert health["Test"] == ["CMD", "/opt/isartor/bin/isartor", "healthcheck"]
    assert not image["loaded"]["Docker"]["config"].get("Healthcheck")


def test_image_holds_no_shell(image):
    r = run_in(image, "/bin/sh", "-c", "true")
    assert r.returncode != 0


def build_images(*args):
    return subprocess.run([str(ROOT / "scripts" / "build-images.sh"), *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def make_bundle(tmp, version, files):
    """A bundle tarball holding `files` ({relative path: (content, mode)}) under isartor-<v>/."""
    path = tmp / f"isartor-{version}-linux-x86_64.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as t:
        for rel, (src, mode) in files.items():
            info = t.gettarinfo(str(src), arcname=f"isartor-{version}/{rel}")
            info.mode = mode
            with open(src, "rb") as f:
                t.addfile(info, f)
    return path


def test_a_truncated_bundle_is_refused_by_name(tmp_path, bundle):
    good = bundle
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    r = build_images("--airgapped-only", "--out", tmp_path / "dist", cut)
    assert r.returncode == 1
    assert f"{cut} is not a readable .tar.gz" in r.stderr
    assert not (tmp_path / "dist").exists()


def test_a_bundle_without_the_binary_is_refused(tmp_path):
    notes = tmp_path / "NOTES"
    notes.write_text("no binary here\n")
    bundle = make_bundle(tmp_path, "9.9.9", {"NOTES": (notes, 0o644)})
    r = build_images("--airgapped-only", bundle)
    assert r.returncode == 1
    assert "has no executable isartor-9.9.9/bin/isartor" in r.stderr


def test_the_airgapped_image_needs_a_binary_with_the_model_inside(tmp_path):
    # /bin/true prints no version: it stands for any binary that does not say "model embedded".
    bundle = make_bundle(tmp_path, "9.9.9", {"bin/isartor": (Path("/bin/true"), 0o755)})
    r = build_images("--airgapped-only", bundle)
    assert r.returncode == 1
    assert "has no embedded model" in r.stderr


def test_the_slim_image_needs_a_binary_without_the_model(bundle):
    r = build_images(bundle)
    assert r.returncode == 1
    assert "needs a binary without the embedded model" in r.stderr
    r = build_images("--slim-binary", BIN, bundle)
    assert r.returncode == 1
    assert "embeds the model" in r.stderr
