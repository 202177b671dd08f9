#!/usr/bin/env python3
"""Fails when a source under src/ includes a module above its own in the module order.

The order is the code block under "## Module order" in docs/architecture.md: one rank per
line, lowest first, modules separated by spaces. A file in module M may include its own
module and any module of a strictly lower rank; nothing of its own rank or above. Modules are
the directories under src/ (layers/<name> counts as one module each). A directory missing
from the order is an error too, so a new module has to be placed.

Usage: check_layering.py [ROOT]     (ROOT defaults to the repository of this script)
       check_layering.py --self-test (shows that an upward include is caught)
Exit status: 0 clean, 1 violations (each printed as file:line), 2 the order cannot be read.
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(rel_path):
    parts = rel_path.split("/")
    if len(parts) < 2:
        return None
    return "/".join(parts[:2]) if parts[0] == "layers" else parts[0]


def read_order(doc_path):
    text = open(doc_path, encoding="utf-8").read()
    m = re.search(r"^## Module order\n.*?^```\n(.*?)^```", text, re.S | re.M)
    if not m:
        raise ValueError(f'{doc_path}: no "## Module order" code block')
    rank = {}
    for n, line in enumerate(l for l in m.group(1).splitlines() if l.strip()):
        for module in line.split("#")[0].split():
            if module in rank:
                raise ValueError(f"{doc_path}: {module} listed twice")
            rank[module] = n
    return rank


def check(root):
    src = os.path.join(root, "src")
    try:
        rank = read_order(os.path.join(root, "docs", "architecture.md"))
    except (OSError, ValueError) as e:
        print(e)
        return 2
    problems = []
    for dirpath, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".h", ".cpp", ".inc")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            mod = module_of(rel)
            if mod is None:
                continue
            if mod not in rank:
                problems.append(f"src/{rel}: module {mod} is not in the module order")
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = module_of(m.group(1))
                    if target is None or target == mod or target not in rank:
                        continue  # same module, or not one of ours (third-party, generated)
                    if rank[target] >= rank[mod]:
                        problems.append(
                            f"src/{rel}:{lineno}: {mod} (rank {rank[mod]}) includes "
                            f'"{m.group(1)}" of {target} (rank {rank[target]}): not below it')
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the module order in docs/architecture.md")
        return 1
    print(f"module order respected ({len(rank)} modules)")
    return 0


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "docs"))
        with open(os.path.join(root, "docs", "architecture.md"), "w") as f:
            f.write("## Module order\n\n```\ncommon\nnet\nhttp\n```\n")
        for rel, body in [("common/a.h", ""), ("net/b.h", '#include "common/a.h"\n'),
                          ("http/c.h", '#include "net/b.h"\n')]:
            os.makedirs(os.path.dirname(os.path.join(root, "src", rel)), exist_ok=True)
            with open(os.path.join(root, "src", rel), "w") as f:
                f.write(body)
        if check(root) != 0:
            print("self-test: a clean tree was refused")
            return 1
        with open(os.path.join(root, "src", "net", "b.h"), "a") as f:
            f.write('#include "http/c.h"\n')  # net reaching up into http
        if check(root) != 1:
            print("self-test: an upward include was not caught")
            return 1
    print("self-test: an upward include is caught")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    sys.exit(check(root))
