#!/usr/bin/env python3
"""Computes the reference fixture for the C++ embedding engine.

For a fixed, varied set of texts it records the token ids and the sentence embedding that
Hugging Face `tokenizers` / `sentence-transformers` produce for all-MiniLM-L6-v2, and writes
tests/fixtures/embed/reference.jsonl (one JSON object per line: text, tokens, embedding).
The fixture is committed, so normal test runs need no PyTorch.

Needs torch + sentence-transformers, kept out of the project venv:
    python3 -m venv .venv-ref && .venv-ref/bin/pip install torch sentence-transformers
    scripts/setup_models.sh
    HF_HUB_OFFLINE=1 .venv-ref/bin/python tools/embed_reference.py
"""
import argparse
import json
import pathlib
import random
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from embed_texts import fixture_texts  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default=str(ROOT / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "embed" / "reference.jsonl"))
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(args.model_dir, device="cpu")
    model.eval()
    texts = fixture_texts()
    # The ids exactly as sentence-transformers feeds them to the model (its truncation to
    # max_seq_length included), without padding.
    token_ids = []
    for text in texts:
        feats = model.tokenize([text])
        n = int(feats["attention_mask"][0].sum())
        token_ids.append([int(t) for t in feats["input_ids"][0][:n]])
    # batch_size=1: no padding at all, so the reference is the unbatched computation.
    emb = model.encode(texts, batch_size=1, convert_to_numpy=True, show_progress_bar=False)
    with open(args.out, "w", encoding="utf-8") as f:
        for text, ids, vec in zip(texts, token_ids, emb):
            row = {"text": text, "tokens": ids, "embedding": [float(f"{x:.8g}") for x in vec]}
            f.write(json.dumps(row, ensure_ascii=True) + "\n")
    longest = max(len(t) for t in token_ids)
    print(f"wrote {len(texts)} texts to {args.out} (max {longest} tokens)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
