#!/usr/bin/env python3
"""Writes bench/data/l1b_pairs.jsonl and bench/data/l1b_conversations.jsonl from the hand-written
items in l1b_items.py. Deterministic: rerun after editing the items.

Pairs {id, category, domain, a, b, should_hit, split}: `a` is seeded (asked first, answered by
the upstream, stored), `b` is asked next in the same session.
  near_repeat  b = a with small edits (typo, casing, punctuation, a filler word) — should hit
  paraphrase   b = hand-written paraphrase — should hit
  negation / entity / number / scope  b = hand-written trap — must miss
Conversations {id, category, domain, history_a, history_b, a, b, should_hit, split}: the same last
user message `a` == `b` after two histories.
  conv_same     history_b's user turn is the paraphrase of history_a's — should hit
  conv_changed  history_b's user turn is a trap (another entity, or the opposite) — must miss

Split: by seed item, so every pair and conversation built from one item lands on the same side
(a held-out paraphrase never shares its question with a training trap). Within each category the
rows are ordered by SHA-256 of their item number; the first 60% are "train" (may be used to fit
the verifier and choose thresholds), the rest "heldout" (reported only, never used for fitting or
choosing).
"""
import hashlib
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from l1b_items import ITEMS  # noqa: E402

FOLLOW_UPS = [
    "Can you give me that step by step?",
    "How long does that usually take?",
    "What if that doesn't work?",
    "Is there a faster way?",
    "What does it cost?",
    "Can you summarise that in two sentences?",
    "Who do I contact if I get stuck?",
    "What documents do I need for that?",
]

ASSISTANT = "Sure. Here is what you need to know, in short."


def near_repeat(text, rng):
    """A small edit a user makes when asking the same thing again."""
    words = text.split()
    edits = rng.sample(["typo", "case", "punct", "filler", "contraction"], 2)
    for e in edits:
        if e == "typo":
            long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha() and w.islower()]
            if long:
                i = rng.choice(long)
                w = words[i]
                j = rng.randrange(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]  # swap two letters
        elif e == "case":
            words = [w.lower() for w in words[:1]] + words[1:]
        elif e == "punct":
            if words[-1].endswith("?"):
                words[-1] = words[-1][:-1]
        elif e == "filler":
            words = rng.choice([["Quick", "question:"], ["Hi,"], ["Hello,"]]) + \
                [words[0].lower()] + words[1:] if words[0] not in ("I", "I'm") else words
        elif e == "contraction":
            s = " ".join(words)
            for x, y in (("How do I", "How can I"), ("What is", "What's"), ("do not", "don't"),
                         ("How can I", "How do I"), ("I can't", "I cannot")):
                if x in s:
                    s = s.replace(x, y, 1)
                    break
            words = s.split()
    out = " ".join(words)
    return out if out != text else text.rstrip("?")


def split(rows):
    by_cat = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r)
    for cat_rows in by_cat.values():
        cat_rows.sort(key=lambda r: hashlib.sha256(f"item-{r['item']}".encode()).hexdigest())
        n_train = round(0.6 * len(cat_rows))
        for i, r in enumerate(cat_rows):
            r["split"] = "train" if i < n_train else "heldout"
    return rows


def main():
    rng = random.Random(14)
    pairs, convs = [], []
    for n, it in enumerate(ITEMS):
        base = dict(domain=it["d"], item=n, a=it["q"])
        pairs.append(dict(base, id=f"near-{n}", category="near_repeat",
                          b=near_repeat(it["q"], rng), should_hit=True))
        pairs.append(dict(base, id=f"para-{n}", category="paraphrase", b=it["p"], should_hit=True))
        for cat in ("neg", "ent", "num", "scope"):
            if it.get(cat):
                name = {"neg": "negation", "ent": "entity", "num": "number", "scope": "scope"}[cat]
                pairs.append(dict(base, id=f"{cat}-{n}", category=name, b=it[cat],
                                  should_hit=False))
        follow = FOLLOW_UPS[n % len(FOLLOW_UPS)]
        hist = lambda user: [{"role": "user", "content": user},
                             {"role": "assistant", "content": ASSISTANT}]
        convs.append(dict(id=f"conv-same-{n}", category="conv_same", domain=it["d"], item=n,
                          history_a=hist(it["q"]), history_b=hist(it["p"]), a=follow, b=follow,
                          should_hit=True))
        trap = it["ent"] if n % 2 == 0 else it["neg"]
        convs.append(dict(id=f"conv-changed-{n}", category="conv_changed", domain=it["d"], item=n,
                          history_a=hist(it["q"]), history_b=hist(trap), a=follow, b=follow,
                          should_hit=False))
    for name, rows in (("l1b_pairs.jsonl", pairs), ("l1b_conversations.jsonl", convs)):
        with open(HERE / name, "w") as f:
            for r in split(rows):
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
