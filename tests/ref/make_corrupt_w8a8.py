#!/usr/bin/env python3
"""Deterministic generator of the W8A8 loading corpus (stdlib only), written from the GGUF
specification and SlimLLM's published W8A8 layout (docs/formats.md), not from the C++ code.

A tiny llama model (n_embd 32, n_ff 32, 1 layer, 2 heads, 4-token vocabulary, F32 embedding and
norms) whose seven layer matrices are W8A8 (GGUF type 0x5338: each row = float32 scale then
`cols` int8), each with its F32 [1] tensor `<name>.act_scale`. Then one defect per file.

Writes (and deletes stale generated files in) tests/data/corrupt/w8a8/:
  valid.gguf     loads and runs
  *.gguf         one defect each
  MANIFEST.txt   file <TAB> expected status name <TAB> substring the error message must contain

Usage: /usr/bin/python3 tests/ref/make_corrupt_w8a8.py
"""

import math
import os
import random
import struct

U32, F32T, STRING, ARRAY = 4, 6, 8, 9
ALIGN = 32
W8A8 = 0x5338
T_F32, T_F16 = 0, 1

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "corrupt", "w8a8")


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv_u32(k, v):
    return gstr(k) + struct.pack("<II", U32, v)


def kv_f32(k, v):
    return gstr(k) + struct.pack("<If", F32T, v)


def kv_str(k, v):
    return gstr(k) + struct.pack("<I", STRING) + gstr(v)


def kv_arr(k, elem, items):
    body = b""
    for it in items:
        body += gstr(it) if elem == STRING else struct.pack("<f" if elem == F32T else "<i", it)
    return gstr(k) + struct.pack("<IIQ", ARRAY, elem, len(items)) + body


def w8a8_rows(rows, cols, rng, scale_override=None):
    out = b""
    for r in range(rows):
        w = [rng.uniform(-1, 1) for _ in range(cols)]
        d = max(abs(v) for v in w) / 127.0
        d = struct.unpack("<f", struct.pack("<f", d))[0]
        if scale_override and r in scale_override:
            d = scale_override[r]
        q = [max(-127, min(127, round(v / (max(abs(x) for x in w) / 127.0)))) for v in w]
        out += struct.pack("<f", d) + struct.pack("<%db" % cols, *q)
    return out


def f32s(vals):
    return struct.pack("<%df" % len(vals), *vals)


def build(defect=None):
    rng = random.Random(1234)
    E, FF, V = 32, 32, 4
    kvs = [
        kv_str("general.architecture", "llama"),
        kv_u32("llama.context_length", 64),
        kv_u32("llama.embedding_length", E),
        kv_u32("llama.feed_forward_length", FF),
        kv_u32("llama.block_count", 1),
        kv_u32("llama.attention.head_count", 2),
        kv_u32("llama.attention.head_count_kv", 2),
        kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5),
        kv_str("tokenizer.ggml.model", "llama"),
        kv_arr("tokenizer.ggml.tokens", STRING, ["<unk>", "<s>", "</s>", "\u2581a"]),
        kv_arr("tokenizer.ggml.scores", F32T, [0.0, 0.0, 0.0, -1.0]),
        kv_arr("tokenizer.ggml.token_type", 5, [2, 3, 3, 1]),
        kv_u32("tokenizer.ggml.bos_token_id", 1),
        kv_u32("tokenizer.ggml.eos_token_id", 2),
    ]
    tensors = []  # (name, dims, type, data)
    tensors.append(("token_embd.weight", [E, V], T_F32, f32s([rng.uniform(-1, 1) for _ in range(E * V)])))
    tensors.append(("output_norm.weight", [E], T_F32, f32s([1.0] * E)))
    tensors.append(("blk.0.attn_norm.weight", [E], T_F32, f32s([1.0] * E)))
    tensors.append(("blk.0.ffn_norm.weight", [E], T_F32, f32s([1.0] * E)))
    mats = [("attn_q", E, E), ("attn_k", E, E), ("attn_v", E, E), ("attn_output", E, E),
            ("ffn_gate", E, FF), ("ffn_up", E, FF), ("ffn_down", FF, E)]
    for m, cols, rows in mats:
        name = "blk.0.%s.weight" % m
        override = None
        if defect == "row_scale_nan" and m == "ffn_up":
            override = {3: float("nan")}
        if defect == "row_scale_negative" and m == "ffn_up":
            override = {5: -0.5}
        if defect == "row_scale_inf" and m == "attn_k":
            override = {0: float("inf")}
        data = w8a8_rows(rows, cols, rng, override)
        dims = [cols, rows]
        if defect == "row_not_block_multiple" and m == "attn_q":
            dims = [48, rows * cols // 48]  # 1024 elements in rows of 48: not whole 32-blocks
        tensors.append((name, dims, W8A8, data))
        s = struct.pack("<f", 0.02)
        stype, sdims = T_F32, [1]
        if m == "attn_q":
            if defect == "act_scale_missing":
                continue
            if defect == "act_scale_nan":
                s = struct.pack("<f", float("nan"))
            if defect == "act_scale_negative":
                s = struct.pack("<f", -0.02)
            if defect == "act_scale_zero":
                s = struct.pack("<f", 0.0)
            if defect == "act_scale_inf":
                s = struct.pack("<f", float("inf"))
            if defect == "act_scale_two_elements":
                s, sdims = struct.pack("<ff", 0.02, 0.02), [2]
            if defect == "act_scale_f16":
                s, stype = struct.pack("<e", 0.02), T_F16
        tensors.append((name + ".act_scale", sdims, stype, s))
    # layout
    infos = b""
    data = b""
    for name, dims, ttype, blob in tensors:
        off = len(data)
        infos += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", ttype, off)
        data += blob
        data += b"\0" * ((-len(data)) % ALIGN)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs) + infos
    head += b"\0" * ((-len(head)) % ALIGN)
    out = head + data
    if defect == "data_truncated":
        out = out[: len(out) - 600]
    return out


CASES = [
    ("act_scale_missing", "corrupt_file", "has no activation scale tensor 'blk.0.attn_q.weight.act_scale'"),
    ("act_scale_nan", "corrupt_file", "blk.0.attn_q.weight.act_scale' holds nan"),
    ("act_scale_negative", "corrupt_file", "(must be finite and > 0)"),
    ("act_scale_zero", "corrupt_file", "holds 0.000000 (must be finite and > 0)"),
    ("act_scale_inf", "corrupt_file", "holds inf"),
    ("act_scale_two_elements", "corrupt_file", "must be F32 with exactly 1 element"),
    ("act_scale_f16", "corrupt_file", "must be F32 with exactly 1 element"),
    ("row_scale_nan", "corrupt_file", "'blk.0.ffn_up.weight' row 3 has weight scale nan"),
    ("row_scale_negative", "corrupt_file", "'blk.0.ffn_up.weight' row 5 has weight scale -0.5"),
    ("row_scale_inf", "corrupt_file", "'blk.0.attn_k.weight' row 0 has weight scale inf"),
    ("row_not_block_multiple", "corrupt_file", "not a multiple of the W8A8 block size 32"),
    ("data_truncated", "corrupt_file", "blk.0.ffn_down.weight"),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".gguf") or f == "MANIFEST.txt":
            os.remove(os.path.join(OUT, f))
    with open(os.path.join(OUT, "valid.gguf"), "wb") as f:
        f.write(build())
    lines = ["# W8A8 loading corpus, generated by tests/ref/make_corrupt_w8a8.py (do not edit).",
             "# file<TAB>expected status<TAB>substring of the error message"]
    for name, status, sub in CASES:
        with open(os.path.join(OUT, name + ".gguf"), "wb") as f:
            f.write(build(name))
        lines.append("%s.gguf\t%s\t%s" % (name, status, sub))
    with open(os.path.join(OUT, "MANIFEST.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
