"""Small I/O helpers shared by the Hugging Face test scripts (numpy + stdlib only).

  bytes_to_unicode()      GPT-2's byte <-> printable-character table (openai/gpt-2 encoder.py)
  write_safetensors()     the safetensors format: u64 LE header length, JSON header
                          {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, data
  read_safetensors()      its inverse (F32 only; this is what our test checkpoints hold)
  load_folder()           config.json + model.safetensors -> (config dict, {name: float64 array})
"""

import json
import os
import struct

import numpy as np


def bytes_to_unicode():
    """GPT-2's reversible byte -> unicode character map (printable bytes map to themselves)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def write_safetensors(path, tensors):
    """tensors: list of (name, float32 ndarray) in file order."""
    header, offset, blobs = {}, 0, []
    for name, arr in tensors:
        a = np.ascontiguousarray(arr, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((-len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(raw[base + b:base + e], dtype="<f4").reshape(info["shape"])
    return out


def load_folder(folder):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    weights = read_safetensors(os.path.join(folder, "model.safetensors"))
    return config, {k: v.astype(np.float64) for k, v in weights.items()}
