#!/usr/bin/python3
"""Writes the safetensors fixtures under tests/data/safetensors/ with numpy and json only,
following the published format (https://huggingface.co/docs/safetensors/index#format):
8-byte little-endian header length N, N bytes of UTF-8 JSON, then the byte buffer that
"data_offsets" index (relative to the buffer's start).

  valid/*.safetensors + valid/*.expected   files the reader must accept; .expected lists each
                                           tensor: name dtype shape and its values as float32
  valid/sharded/                           model.safetensors.index.json + two shards
  corrupt/*.safetensors + MANIFEST.txt     file <TAB> status <TAB> message substring
  bad_index/<case>/ + MANIFEST.txt         sharded folders with a bad index

Run: /usr/bin/python3 tests/ref/make_safetensors_fixtures.py  (deterministic; rewrites all)."""
import json
import os
import shutil
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "safetensors")
NP_DTYPE = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "U8": "u1",
            "BOOL": "u1", "I8": "i1"}


def bf16_bytes(a32):
    """bfloat16 = the high 16 bits of float32; the values used are exact in bf16."""
    bits = np.asarray(a32, dtype="<f4").view("<u4")
    assert np.all(bits & 0xFFFF == 0), "bf16 fixture values must be exact"
    return (bits >> 16).astype("<u2").tobytes()


def encode(dtype, arr):
    if dtype == "BF16":
        return bf16_bytes(arr)
    return np.asarray(arr, dtype=NP_DTYPE[dtype]).tobytes()


def header_bytes(header, pad_to=8):
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad_to:
        text += b" " * ((-len(text)) % pad_to)
    return text


def build(tensors, metadata=None, pad_to=8, raw_header=None):
    """tensors: list of (name, dtype, shape, values). Packed in order, contiguous."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    buf = b""
    for name, dtype, shape, values in tensors:
        data = encode(dtype, np.asarray(values).reshape(shape))
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [len(buf), len(buf) + len(data)]}
        buf += data
    text = raw_header if raw_header is not None else header_bytes(header, pad_to)
    if pad_to == 0 and len(text) % 2 == 0:
        text += b" "  # trailing spaces are allowed; make the data start odd
    return struct.pack("<Q", len(text)) + text + buf


def expected_text(tensors):
    lines = []
    for name, dtype, shape, values in tensors:
        if dtype not in ("F32", "F16", "BF16"):
            lines.append(f"{name} {dtype} {','.join(map(str, shape)) or '-'} skip")
            continue
        v = np.asarray(values, dtype=np.float32).reshape(-1)
        if dtype == "F16":
            v = v.astype("<f2").astype(np.float32)   # numpy's own rounding to binary16
        vals = " ".join(repr(float(x)) for x in v)
        lines.append(f"{name} {dtype} {','.join(map(str, shape)) or '-'} {vals}".rstrip())
    return "\n".join(lines) + "\n"


def bf16_exact(rng, n):
    a = rng.standard_normal(n).astype(np.float32)
    return (a.view("<u4") & 0xFFFF0000).view("<f4")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    rng = np.random.default_rng(1234)
    shutil.rmtree(ROOT, ignore_errors=True)
    for d in ("valid", "corrupt", "bad_index", "valid/sharded"):
        os.makedirs(os.path.join(ROOT, d))

    # --- valid files ------------------------------------------------------------------------
    small = [
        ("model.embed_tokens.weight", "F32", (4, 3), rng.standard_normal(12).astype(np.float32)),
        ("model.norm.weight", "F16", (5,), rng.standard_normal(5).astype(np.float32)),
        ("lm_head.weight", "BF16", (2, 2), bf16_exact(rng, 4)),
        ("position_ids", "I64", (1, 3), np.arange(3)),
        ("scalar", "F32", (), np.array([2.5], dtype=np.float32)),
        ("empty", "F32", (0, 4), np.zeros(0, dtype=np.float32)),
    ]
    write(os.path.join(ROOT, "valid", "small.safetensors"), build(small, {"format": "pt"}))
    write(os.path.join(ROOT, "valid", "small.expected"), expected_text(small).encode())
    # Header not padded: every tensor's data starts at an odd address.
    odd = [("w", "F32", (3,), np.array([1.0, -2.0, 0.375], dtype=np.float32)),
           ("h", "F16", (2,), np.array([65504.0, -0.0001], dtype=np.float32))]
    data = build(odd, pad_to=0)
    assert (8 + struct.unpack("<Q", data[:8])[0]) % 2 == 1, "want an odd data start"
    write(os.path.join(ROOT, "valid", "unaligned.safetensors"), data)
    write(os.path.join(ROOT, "valid", "unaligned.expected"), expected_text(odd).encode())

    # Sharded: two shards and an index, tensors deliberately split out of order.
    s1 = [("layers.0.w", "F32", (2, 2), rng.standard_normal(4).astype(np.float32)),
          ("layers.1.w", "F16", (3,), rng.standard_normal(3).astype(np.float32))]
    s2 = [("embed.weight", "BF16", (2, 3), bf16_exact(rng, 6)),
          ("layers.0.b", "F32", (2,), rng.standard_normal(2).astype(np.float32))]
    sh = os.path.join(ROOT, "valid", "sharded")
    write(os.path.join(sh, "model-00001-of-00002.safetensors"), build(s1))
    write(os.path.join(sh, "model-00002-of-00002.safetensors"), build(s2))
    wmap = {"embed.weight": "model-00002-of-00002.safetensors",
            "layers.0.w": "model-00001-of-00002.safetensors",
            "layers.0.b": "model-00002-of-00002.safetensors",
            "layers.1.w": "model-00001-of-00002.safetensors"}
    write(os.path.join(sh, "model.safetensors.index.json"),
          json.dumps({"metadata": {"total_size": 0}, "weight_map": wmap}, indent=2).encode())
    # Expected in weight_map order.
    by_name = {t[0]: t for t in s1 + s2}
    write(os.path.join(sh, "expected.txt"),
          expected_text([by_name[n] for n in wmap]).encode())

    # --- corrupt single files ---------------------------------------------------------------
    manifest = []
    good = build(small[:2])

    def bad(name, data, status, substring):
        write(os.path.join(ROOT, "corrupt", name), data)
        manifest.append(f"{name}\t{status}\t{substring}")

    def hdr(header_obj, buf=b"", text=None):
        t = text if text is not None else json.dumps(header_obj).encode()
        return struct.pack("<Q", len(t)) + t + buf

    f32 = lambda n: np.zeros(n, dtype="<f4").tobytes()  # noqa: E731
    ent = lambda dt, shape, b, e: {"dtype": dt, "shape": shape, "data_offsets": [b, e]}  # noqa
    bad("empty.safetensors", b"", "corrupt_file", "too short for the 8-byte header length")
    bad("short_len.safetensors", b"\x10\x00\x00", "corrupt_file", "too short")
    bad("len_huge.safetensors", struct.pack("<Q", 2**63) + b"{}", "corrupt_file",
        "exceeds the 104857600-byte limit")
    bad("len_past_end.safetensors", struct.pack("<Q", 1000) + b"{}", "corrupt_file",
        "exceeds the file")
    bad("len_zero.safetensors", struct.pack("<Q", 0), "corrupt_file", "does not start with '{'")
    bad("not_object.safetensors", hdr(None, text=b"[1, 2]"), "corrupt_file",
        "does not start with '{'")
    bad("bad_json.safetensors", hdr(None, text=b'{"a": {"dtype": "F32",'), "corrupt_file",
        "invalid JSON")
    bad("bad_utf8.safetensors", hdr(None, text=b'{"\xff": 1}'), "corrupt_file", "invalid JSON")
    bad("dup_name.safetensors",
        hdr(None, f32(2), text=b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                               b'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'),
        "corrupt_file", "duplicate")
    bad("unknown_dtype.safetensors", hdr({"a": ent("Q4", [1], 0, 4)}, f32(1)), "unsupported",
        "unknown dtype 'Q4'")
    bad("dtype_not_string.safetensors", hdr({"a": ent(7, [1], 0, 4)}, f32(1)), "corrupt_file",
        "dtype is not a string")
    bad("missing_offsets.safetensors", hdr({"a": {"dtype": "F32", "shape": [1]}}, f32(1)),
        "corrupt_file", "needs \"dtype\", \"shape\" and \"data_offsets\"")
    bad("extra_field.safetensors",
        hdr({"a": dict(ent("F32", [1], 0, 4), extra=1)}, f32(1)), "corrupt_file",
        "unknown field 'extra'")
    bad("neg_shape.safetensors", hdr({"a": ent("F32", [-1], 0, 4)}, f32(1)), "corrupt_file",
        "shape[0] is not a non-negative integer")
    bad("float_shape.safetensors", hdr({"a": ent("F32", [1.5], 0, 4)}, f32(1)), "corrupt_file",
        "shape[0] is not a non-negative integer")
    bad("shape_overflow.safetensors",
        hdr({"a": ent("F32", [2**32, 2**32, 2], 0, 4)}, f32(1)), "corrupt_file",
        "element count overflows")
    bad("bytes_overflow.safetensors", hdr({"a": ent("F64", [2**61], 0, 4)}, f32(1)),
        "corrupt_file", "byte size overflows")
    bad("size_mismatch.safetensors", hdr({"a": ent("F32", [3], 0, 8)}, f32(2)), "corrupt_file",
        "need 12 bytes but data_offsets span 8")
    bad("offsets_out_of_range.safetensors", hdr({"a": ent("F32", [2], 4, 12)}, f32(2)),
        "corrupt_file", "out of range (byte buffer has 8 bytes)")
    bad("offsets_reversed.safetensors", hdr({"a": ent("F32", [0], 8, 4)}, f32(2)),
        "corrupt_file", "end before begin")
    bad("offsets_neg.safetensors", hdr({"a": ent("F32", [1], -4, 0)}, f32(1)), "corrupt_file",
        "data_offsets are not non-negative integers")
    bad("offsets_three.safetensors",
        hdr({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}, f32(2)),
        "corrupt_file", "not a [begin, end] array")
    bad("overlap.safetensors",
        hdr({"a": ent("F32", [2], 0, 8), "b": ent("F32", [2], 4, 12)}, f32(3)), "corrupt_file",
        "overlaps tensor")
    bad("hole.safetensors",
        hdr({"a": ent("F32", [1], 0, 4), "b": ent("F32", [1], 8, 12)}, f32(3)), "corrupt_file",
        "belong to no tensor")
    bad("trailing.safetensors", hdr({"a": ent("F32", [1], 0, 4)}, f32(2)), "corrupt_file",
        "byte buffer has 8 bytes but the tensors cover 4")
    bad("metadata_not_str.safetensors",
        hdr({"__metadata__": {"x": 1}, "a": ent("F32", [1], 0, 4)}, f32(1)), "corrupt_file",
        "__metadata__ value 'x' is a number, not a string")
    bad("entry_not_object.safetensors", hdr({"a": [1, 2]}), "corrupt_file",
        "entry is a array, not an object")
    bad("too_many_dims.safetensors", hdr({"a": ent("F32", [1] * 9, 0, 4)}, f32(1)),
        "corrupt_file", "9 dimensions")
    bad("deep_json.safetensors", hdr(None, text=b'{"a":' + b"[" * 40 + b"]" * 40 + b"}"),
        "corrupt_file", "nesting deeper than 4 levels")
    bad("truncated_buffer.safetensors", good[:-3], "corrupt_file", "out of range")
    with open(os.path.join(ROOT, "corrupt", "MANIFEST.txt"), "w") as f:
        f.write("# Corrupt safetensors corpus, generated by tests/ref/make_safetensors_fixtures.py"
                " (do not edit).\n# file<TAB>expected status<TAB>substring of the error message\n")
        f.write("\n".join(manifest) + "\n")

    # --- bad sharded folders ----------------------------------------------------------------
    imanifest = []
    shard_a = build([("x", "F32", (1,), [1.0])])
    shard_b = build([("y", "F32", (1,), [2.0])])

    def bad_dir(name, index_text, shards, status, substring):
        d = os.path.join(ROOT, "bad_index", name)
        os.makedirs(d)
        write(os.path.join(d, "model.safetensors.index.json"), index_text)
        for fname, data in shards.items():
            write(os.path.join(d, fname), data)
        imanifest.append(f"{name}\t{status}\t{substring}")

    idx = lambda m: json.dumps({"metadata": {}, "weight_map": m}).encode()  # noqa: E731
    bad_dir("traversal", idx({"x": "../a.safetensors"}), {"a.safetensors": shard_a},
            "corrupt_file", "not a plain file name")
    bad_dir("absolute", idx({"x": "/etc/passwd"}), {}, "corrupt_file", "not a plain file name")
    bad_dir("subdir", idx({"x": "sub/a.safetensors"}), {}, "corrupt_file", "not a plain file name")
    bad_dir("backslash", idx({"x": "..\\a.safetensors"}), {}, "corrupt_file",
            "not a plain file name")
    bad_dir("dotdot", idx({"x": ".."}), {}, "corrupt_file", "not a plain file name")
    bad_dir("missing_tensor", idx({"x": "a.safetensors", "z": "a.safetensors"}),
            {"a.safetensors": shard_a}, "corrupt_file", "tensor 'z' is not in its shard")
    bad_dir("wrong_shard", idx({"x": "b.safetensors", "y": "b.safetensors"}),
            {"a.safetensors": shard_a, "b.safetensors": shard_b}, "corrupt_file",
            "tensor 'x' is not in its shard 'b.safetensors'")
    bad_dir("two_shards", idx({"x": "a.safetensors", "y": "b.safetensors"}),
            {"a.safetensors": shard_a, "b.safetensors": build([("x", "F32", (1,), [1.0]),
                                                               ("y", "F32", (1,), [2.0])])},
            "corrupt_file", "is in shard 'b.safetensors' but weight_map puts it in")
    bad_dir("unlisted", idx({"x": "a.safetensors"}),
            {"a.safetensors": build([("x", "F32", (1,), [1.0]), ("w", "F32", (1,), [1.0])])},
            "corrupt_file", "which weight_map does not list")
    bad_dir("missing_shard", idx({"x": "nope.safetensors"}), {}, "not_found", "nope.safetensors")
    bad_dir("no_weight_map", json.dumps({"metadata": {}}).encode(), {}, "corrupt_file",
            "no \"weight_map\" object")
    bad_dir("value_not_string", idx({"x": 3}), {}, "corrupt_file", "is not a string")
    bad_dir("bad_json", b'{"weight_map": {', {}, "corrupt_file", "invalid JSON")
    bad_dir("corrupt_shard", idx({"x": "a.safetensors"}), {"a.safetensors": shard_a[:-1]},
            "corrupt_file", "a.safetensors")
    with open(os.path.join(ROOT, "bad_index", "MANIFEST.txt"), "w") as f:
        f.write("# Bad sharded safetensors folders, generated by "
                "tests/ref/make_safetensors_fixtures.py (do not edit).\n"
                "# folder<TAB>expected status<TAB>substring of the error message\n")
        f.write("\n".join(imanifest) + "\n")


if __name__ == "__main__":
    main()
