#!/usr/bin/env python3
"""Deterministic generator of the GGUF reader's test corpus (stdlib only).

Written from the published GGUF specification, independently of the C++ reader:

  file   = magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv | kv[n_kv] | tinfo[n_tensors]
           | zero padding to ALIGN | data
  string = u64 length | bytes
  kv     = string key | u32 value_type | value
  value  = type 0..12 = u8,i8,u16,i16,u32,i32,f32,bool,string,array,u64,i64,f64 (little-endian);
           array = u32 element_type | u64 count | count values
  tinfo  = string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset (relative to data)
  ALIGN  = general.alignment (u32) if present, else 32; every tensor offset is a multiple of it.

Writes (and deletes stale generated files in) tests/data/corrupt/gguf/:
  *.gguf            corrupt files, one defect each, named after it
  MANIFEST.txt      file <TAB> expected status name <TAB> substring the error message must contain
  valid/*.gguf      well-formed files (v2 and v3)
  valid/*.expect    what each valid file holds, in the canonical text form described below
  shared/stories260K.gguf.expect
                    the same listing for ../shared/models/stories260K/stories260K.gguf, produced
                    by the independent parser below (only when the shared file is present)

Canonical value text (shared with tests/unit/gguf_corrupt_test.cpp):
  u8:255 i8:-1 ... integers in decimal; bool:0/1; f32:0x<8 hex digits of the IEEE bits>;
  f64:0x<16 hex digits>; str:<hex of the bytes>; arrays arr:<elem type>[v,v,...].
  A canonical text longer than 256 characters is replaced by fnv:<16 hex digits of its FNV-1a 64>.
.expect lines:
  version V | alignment A | data_offset D | n_kv N | n_tensors N
  kv <key> <canonical value>
  tensor <name> <ggml type id> <n_dims> <ne0> <ne1> <ne2> <ne3> <offset> <n_bytes> <fnv1a64 of data>

Usage: make_corrupt_gguf.py [--shared DIR] [--dump FILE.gguf]
"""

import argparse
import os
import struct
import sys

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
TYPE_NAME = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"]
SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<B",
              U64: "<Q", I64: "<q", F64: "<d"}

# ggml tensor types: id -> (name, elements per block, bytes per block), from ggml's published layouts.
GGML_TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36), 10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292), 20: ("IQ4_NL", 32, 18), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1),
    25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 30: ("BF16", 1, 2),
}
T_F32, T_F16, T_Q8_0, T_Q4_K = 0, 1, 8, 12

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "data", "corrupt", "gguf")


# ---------------------------------------------------------------------------------------------
# Encoding


class Val:
    """A typed GGUF value. For arrays, `v` is a list of Val with type == elem."""

    def __init__(self, t, v, elem=None):
        self.t, self.v, self.elem = t, v, elem


def u32(x):
    return struct.pack("<I", x)


def u64(x):
    return struct.pack("<Q", x)


def gstr(b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return u64(len(b)) + b


def enc_payload(val):
    if val.t == STRING:
        return gstr(val.v)
    if val.t == ARRAY:
        out = u32(val.elem) + u64(len(val.v))
        for item in val.v:
            assert item.t == val.elem
            out += enc_payload(item)
        return out
    return struct.pack(SCALAR_FMT[val.t], val.v)


def enc_kv(key, val):
    return gstr(key) + u32(val.t) + enc_payload(val)


def enc_tinfo(name, dims, ggml_type, offset):
    out = gstr(name) + u32(len(dims))
    for d in dims:
        out += u64(d)
    return out + u32(ggml_type) + u64(offset)


def header(version=3, n_tensors=0, n_kv=0, magic=b"GGUF"):
    return magic + u32(version) + u64(n_tensors) + u64(n_kv)


def align_up(x, a):
    return (x + a - 1) // a * a


def tensor_nbytes(dims, ggml_type):
    _, be, bb = GGML_TYPES[ggml_type]
    n = 1
    for d in dims:
        n *= d
    assert dims[0] % be == 0
    return n // be * bb


def pattern(n, seed):
    return bytes(((i * 131 + seed * 29 + (i >> 8)) & 0xFF) for i in range(n))


def build(kvs, tensors, version=3, alignment=32):
    """kvs: [(key, Val)]; tensors: [(name, dims, ggml_type, data bytes)]. Returns (bytes, marks)."""
    marks = {}
    out = bytearray(header(version, len(tensors), len(kvs)))
    for i, (k, v) in enumerate(kvs):
        marks["kv%d" % i] = len(out)
        out += enc_kv(k, v)
    offsets, off = [], 0
    for name, dims, t, data in tensors:
        assert len(data) == tensor_nbytes(dims, t)
        offsets.append(off)
        off = align_up(off + len(data), alignment)
    for i, (name, dims, t, _) in enumerate(tensors):
        marks["ti%d" % i] = len(out)
        out += enc_tinfo(name, dims, t, offsets[i])
    marks["header_end"] = len(out)
    if tensors:
        out += bytes(align_up(len(out), alignment) - len(out))
        marks["data"] = len(out)
        for i, (_, _, _, data) in enumerate(tensors):
            out += bytes(marks["data"] + offsets[i] - len(out))
            out += data
    return bytes(out), marks


# ---------------------------------------------------------------------------------------------
# Independent parser (used to check the generated valid files and to list the shared model)


class ParseError(Exception):
    pass


class Cursor:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        if n > len(self.b) - self.p:
            raise ParseError("truncated at byte %d" % self.p)
        s = self.b[self.p:self.p + n]
        self.p += n
        return s

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]


def parse_value(c, t, depth=0):
    if t == STRING:
        return Val(STRING, c.take(c.unpack("<Q")))
    if t == ARRAY:
        if depth >= 4:
            raise ParseError("nesting")
        et, n = c.unpack("<I"), c.unpack("<Q")
        if et > F64 or n > len(c.b):
            raise ParseError("bad array")
        return Val(ARRAY, [parse_value(c, et, depth + 1) for _ in range(n)], et)
    if t not in SCALAR_FMT:
        raise ParseError("bad type %d" % t)
    return Val(t, c.unpack(SCALAR_FMT[t]))


def parse_gguf(b):
    c = Cursor(b)
    if c.take(4) != b"GGUF":
        raise ParseError("magic")
    version = c.unpack("<I")
    if version not in (2, 3):
        raise ParseError("version")
    n_tensors, n_kv = c.unpack("<Q"), c.unpack("<Q")
    kvs = []
    for _ in range(n_kv):
        key = c.take(c.unpack("<Q")).decode("utf-8")
        kvs.append((key, parse_value(c, c.unpack("<I"))))
    alignment = 32
    for k, v in kvs:
        if k == "general.alignment":
            alignment = v.v
    tensors = []
    for _ in range(n_tensors):
        name = c.take(c.unpack("<Q")).decode("utf-8")
        n_dims = c.unpack("<I")
        dims = [c.unpack("<Q") for _ in range(n_dims)]
        t = c.unpack("<I")
        off = c.unpack("<Q")
        tensors.append((name, dims, t, off))
    data_offset = align_up(c.p, alignment)
    out_t = []
    for name, dims, t, off in tensors:
        nb = tensor_nbytes(dims, t)
        start = data_offset + off
        if start + nb > len(b):
            raise ParseError("tensor data out of range")
        out_t.append((name, dims, t, off, nb, b[start:start + nb]))
    return {"version": version, "alignment": alignment, "data_offset": data_offset, "kvs": kvs,
            "tensors": out_t}


# ---------------------------------------------------------------------------------------------
# Canonical text and .expect sidecars


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def canon_full(val):
    if val.t == ARRAY:
        return "arr:%s[%s]" % (TYPE_NAME[val.elem], ",".join(canon_full(x) for x in val.v))
    if val.t == STRING:
        return "str:" + val.v.hex()
    if val.t == F32:
        return "f32:0x%08x" % struct.unpack("<I", struct.pack("<f", val.v))[0]
    if val.t == F64:
        return "f64:0x%016x" % struct.unpack("<Q", struct.pack("<d", val.v))[0]
    return "%s:%d" % (TYPE_NAME[val.t], val.v)


def canon(val):
    s = canon_full(val)
    return s if len(s) <= 256 else "fnv:" + fnv1a64(s.encode("ascii"))


def expect_text(parsed):
    lines = ["version %d" % parsed["version"], "alignment %d" % parsed["alignment"],
             "data_offset %d" % parsed["data_offset"], "n_kv %d" % len(parsed["kvs"]),
             "n_tensors %d" % len(parsed["tensors"])]
    for k, v in parsed["kvs"]:
        assert " " not in k
        lines.append("kv %s %s" % (k, canon(v)))
    for name, dims, t, off, nb, data in parsed["tensors"]:
        ne = list(dims) + [1] * (4 - len(dims))
        lines.append("tensor %s %d %d %d %d %d %d %d %d %s" % (name, t, len(dims), ne[0], ne[1], ne[2],
                                                              ne[3], off, nb, fnv1a64(data)))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Valid files


def f32s(*xs):
    return b"".join(struct.pack("<f", x) for x in xs)


def arr(elem, items):
    return Val(ARRAY, [Val(elem, x) if not isinstance(x, Val) else x for x in items], elem)


def every_type_kvs():
    qnan = struct.unpack("<f", struct.pack("<I", 0x7FC00000))[0]
    return [
        ("general.architecture", Val(STRING, b"llama")),
        ("general.name", Val(STRING, "corpus \u00e9\u4e2d".encode("utf-8"))),
        ("t.u8", Val(U8, 255)),
        ("t.i8", Val(I8, -128)),
        ("t.u16", Val(U16, 65535)),
        ("t.i16", Val(I16, -32768)),
        ("t.u32", Val(U32, 4294967295)),
        ("t.i32", Val(I32, -2147483648)),
        ("t.f32", Val(F32, 1.5)),
        ("t.f32_neg_zero", Val(F32, -0.0)),
        ("t.f32_inf", Val(F32, float("inf"))),
        ("t.f32_nan", Val(F32, qnan)),
        ("t.f32_denorm", Val(F32, struct.unpack("<f", struct.pack("<I", 1))[0])),
        ("t.bool_true", Val(BOOL, 1)),
        ("t.bool_false", Val(BOOL, 0)),
        ("t.str_empty", Val(STRING, b"")),
        ("t.str_nul", Val(STRING, b"a\x00b\xff")),
        ("t.u64", Val(U64, 18446744073709551615)),
        ("t.i64", Val(I64, -9223372036854775808)),
        ("t.f64", Val(F64, -2.0 ** -1074)),
        ("t.arr_u8", arr(U8, [0, 1, 255])),
        ("t.arr_i8", arr(I8, [-1, 127])),
        ("t.arr_u16", arr(U16, [7])),
        ("t.arr_i16", arr(I16, [-300, 300])),
        ("t.arr_u32", arr(U32, [1, 2, 3, 4])),
        ("t.arr_i32", arr(I32, [-5, 5])),
        ("t.arr_f32", arr(F32, [0.25, -1e30])),
        ("t.arr_bool", arr(BOOL, [1, 0, 1])),
        ("t.arr_str", arr(STRING, [b"", b"tok", b"\xe2\x96\x81the"])),
        ("t.arr_u64", arr(U64, [2 ** 63])),
        ("t.arr_i64", arr(I64, [-(2 ** 40)])),
        ("t.arr_f64", arr(F64, [3.141592653589793])),
        ("t.arr_empty", arr(U32, [])),
        ("t.arr_nested", arr(ARRAY, [arr(U32, [1, 2]), arr(STRING, [b"x"]), arr(U8, [])])),
        ("t.arr_nested4", arr(ARRAY, [arr(ARRAY, [arr(ARRAY, [arr(I16, [-1, 2])])])])),
    ]


def valid_files():
    files = {}
    f32_w = f32s(*[i * 0.5 - 3 for i in range(12)])
    files["v3_every_type.gguf"] = build(every_type_kvs(), [
        ("token_embd.weight", [4, 3], T_F32, f32_w),
        ("blk.0.attn_norm.weight", [8], T_F16, pattern(16, 1)),
        ("blk.0.attn_q.weight", [32, 2], T_Q8_0, pattern(68, 2)),
    ])[0]
    files["v2_basic.gguf"] = build([
        ("general.architecture", Val(STRING, b"llama")),
        ("llama.block_count", Val(U32, 1)),
        ("tokenizer.ggml.tokens", arr(STRING, [b"<unk>", b"<s>", b"</s>"])),
        ("tokenizer.ggml.scores", arr(F32, [0.0, -1.0, -2.5])),
    ], [("output_norm.weight", [8], T_F32, f32s(*range(8))),
        ("output.weight", [8, 3], T_F32, f32s(*[x / 8 for x in range(24)]))], version=2)[0]
    files["v2_every_type.gguf"] = build(every_type_kvs(), [], version=2)[0]
    files["v3_no_tensors.gguf"] = build([("general.architecture", Val(STRING, b"gpt2")),
                                          ("gpt2.context_length", Val(U32, 1024))], [])[0]
    files["v3_empty.gguf"] = build([], [])[0]
    files["v3_align64.gguf"] = build([("general.alignment", Val(U32, 64))], [
        ("a", [3], T_F32, f32s(1, 2, 3)),
        ("b", [2, 2], T_F16, pattern(8, 3)),
        ("c", [256], T_Q4_K, pattern(144, 4)),
    ], alignment=64)[0]
    files["v3_align1.gguf"] = build([("general.alignment", Val(U32, 1))], [
        ("a", [3], 24, b"\x01\x02\x03"),  # I8, packed with no padding at all
        ("b", [1], 25, b"\x04\x05"),
    ], alignment=1)[0]
    # One tensor of every type SlimLLM knows, one block (row) each, plus a 4-D tensor.
    ts = []
    for i, (tid, (name, be, bb)) in enumerate(sorted(GGML_TYPES.items())):
        ts.append(("t_" + name.lower(), [be], tid, pattern(bb, 10 + i)))
    ts.append(("four_d", [2, 3, 1, 2], T_F32, pattern(48, 99)))
    files["v3_all_tensor_types.gguf"] = build([("general.architecture", Val(STRING, b"test"))], ts)[0]
    # Large tensor count and long names within limits.
    ts = [("blk.%d.%s" % (i, "x" * 200), [32], T_F32, pattern(128, i)) for i in range(40)]
    files["v3_many_tensors.gguf"] = build([], ts, version=3)[0]
    return files


# ---------------------------------------------------------------------------------------------
# Corrupt files: (name, bytes, expected status name, message substring)


def corrupt_files():
    cases = []

    def add(name, data, substring, status="corrupt_file"):
        cases.append((name + ".gguf", bytes(data), status, substring))

    def patch(b, at, raw):
        b = bytearray(b)
        b[at:at + len(raw)] = raw
        return bytes(b)

    big = ("general.name", Val(STRING, b"a deliberately long string value to pad the file " * 2))

    # --- magic and version ---
    add("empty", b"", "file too small for the GGUF magic")
    add("trunc_in_magic", b"GG", "file too small for the GGUF magic")
    add("bad_magic_ggml", b"lmgg" + header()[4:], "bad magic")
    add("bad_magic_ggjt", b"tjgg" + header()[4:], "bad magic")
    add("bad_magic_lowercase", b"gguf" + header()[4:], "bad magic")
    add("bad_magic_byteswapped", b"FUGG" + header()[4:], "bad magic")
    add("version_0", header(version=0), "unknown version 0", "unsupported")
    add("version_1", header(version=1), "version 1", "unsupported")
    add("version_4", header(version=4), "unknown version 4", "unsupported")
    add("version_huge", header(version=0xFFFFFFFF), "unknown version 4294967295", "unsupported")
    add("version_big_endian_v3", b"GGUF" + struct.pack(">I", 3) + struct.pack(">QQ", 0, 0), "big-endian",
        "unsupported")
    add("version_big_endian_v2", b"GGUF" + struct.pack(">I", 2) + struct.pack(">QQ", 0, 0), "big-endian",
        "unsupported")
    add("trunc_in_version", b"GGUF\x03\x00", "truncated reading version")
    add("trunc_before_counts", b"GGUF" + u32(3), "truncated reading tensor count")
    add("trunc_in_tensor_count", b"GGUF" + u32(3) + b"\x00" * 5, "truncated reading tensor count")
    add("trunc_in_kv_count", b"GGUF" + u32(3) + u64(0) + b"\x01\x00", "truncated reading metadata count")

    # --- absurd counts ---
    add("n_kv_2pow62", header(n_kv=2 ** 62) + enc_kv("a", Val(U8, 1)),
        "metadata count 4611686018427387904 cannot fit")
    add("n_kv_u64max", header(n_kv=2 ** 64 - 1), "metadata count 18446744073709551615 cannot fit")
    add("n_kv_1000_small_file", header(n_kv=1000) + enc_kv("a", Val(U8, 1)), "metadata count 1000 cannot fit")
    add("n_tensors_2pow62", header(n_tensors=2 ** 62) + enc_tinfo("w", [32], T_F32, 0),
        "tensor count 4611686018427387904 cannot fit")
    add("n_tensors_u64max", header(n_tensors=2 ** 64 - 1), "tensor count 18446744073709551615 cannot fit")
    add("n_tensors_100_small_file", header(n_tensors=100) + enc_tinfo("w", [32], T_F32, 0),
        "tensor count 100 cannot fit")

    add("n_tensors_fits_file_but_not_after_metadata",
        header(n_tensors=10, n_kv=1) + enc_kv("x.pad", Val(STRING, b"p" * 300)) + enc_tinfo("w", [1], T_F32, 0),
        "tensor count 10 cannot fit in the 33 bytes after the metadata")

    # --- keys ---
    kv_a = enc_kv("x.a", Val(U32, 7))
    add("key_length_2pow63", header(n_kv=1) + u64(2 ** 63) + b"x.a" + u32(U32) + u32(7),
        "metadata #0 key length 9223372036854775808 exceeds limit 65535")
    add("key_length_u64max", header(n_kv=1) + u64(2 ** 64 - 1) + b"x.a" + u32(U32) + u32(7),
        "metadata #0 key length 18446744073709551615 exceeds limit")
    add("key_length_65536", header(n_kv=1) + u64(65536) + b"k" * 64 + u32(U32) + u32(7),
        "key length 65536 exceeds limit 65535")
    add("key_length_past_eof", header(n_kv=1) + u64(1000) + b"x.a" + u32(U32) + u32(7),
        "metadata #0 key length 1000 exceeds the 11 bytes left")
    add("key_empty", header(n_kv=1) + u64(0) + u32(U32) + u32(7) + b"pad", "metadata #0: empty key")
    add("duplicate_key", header(n_kv=2) + kv_a + enc_kv("x.a", Val(U32, 8)), "duplicate metadata key 'x.a'")
    add("duplicate_key_other_type", header(n_kv=3) + kv_a + enc_kv("x.b", Val(U8, 1)) +
        enc_kv("x.a", Val(STRING, b"s")), "duplicate metadata key 'x.a'")

    # --- value types ---
    for t in (13, 0x80000000, 0xFFFFFFFF):
        add("unknown_value_type_%d" % t, header(n_kv=1) + gstr("x.bad") + u32(t) + u64(0),
            "metadata 'x.bad' has unknown value type %d" % t)
    add("bool_2", header(n_kv=1) + gstr("x.flag") + u32(BOOL) + b"\x02" + b"\x00" * 8,
        "'x.flag': bool value 2 is not 0 or 1")
    add("bool_255_in_array", header(n_kv=1) + gstr("x.flags") + u32(ARRAY) + u32(BOOL) + u64(3) + b"\x01\xff\x00",
        "'x.flags'[1]: bool value 255 is not 0 or 1")
    add("string_length_2pow63", header(n_kv=1) + gstr("x.s") + u32(STRING) + u64(2 ** 63) + b"abc",
        "'x.s' length 9223372036854775808 exceeds the 3 bytes left")
    add("string_length_u64max", header(n_kv=1) + gstr("x.s") + u32(STRING) + u64(2 ** 64 - 1) + b"abc",
        "'x.s' length 18446744073709551615 exceeds")

    # --- arrays ---
    def arr_hdr(key, et, n):
        return gstr(key) + u32(ARRAY) + u32(et) + u64(n)

    for t in (13, 0xFFFFFFFF):
        add("array_unknown_elem_type_%d" % t, header(n_kv=1) + arr_hdr("x.arr", t, 1) + u32(0),
            "'x.arr': unknown array element type %d" % t)
    add("array_count_2pow62_u8", header(n_kv=1) + arr_hdr("x.arr", U8, 2 ** 62) + b"\x01\x02",
        "'x.arr': array of 4611686018427387904 u8 elements cannot fit")
    add("array_count_2pow61_u64_overflow", header(n_kv=1) + arr_hdr("x.arr", U64, 2 ** 61) + u64(1),
        "array of 2305843009213693952 u64 elements cannot fit")
    add("array_count_u64max_string", header(n_kv=1) + arr_hdr("x.arr", STRING, 2 ** 64 - 1) + gstr("a"),
        "array of 18446744073709551615 string elements cannot fit")
    add("array_count_2pow62_array", header(n_kv=1) + arr_hdr("x.arr", ARRAY, 2 ** 62) + u32(U8) + u64(0),
        "array of 4611686018427387904 array elements cannot fit")
    add("array_count_inner_huge", header(n_kv=1) + arr_hdr("x.arr", ARRAY, 1) + u32(U32) + u64(2 ** 62) + u32(1),
        "'x.arr'[0]: array of 4611686018427387904 u32 elements cannot fit")
    add("array_string_elem_length_huge", header(n_kv=1) + arr_hdr("x.arr", STRING, 2) + gstr("ok") +
        u64(2 ** 62) + b"abcdefgh", "'x.arr'[1] length 4611686018427387904 exceeds")
    nested5 = arr_hdr("x.deep", ARRAY, 1) + (u32(ARRAY) + u64(1)) * 3 + u32(U8) + u64(1) + b"\x07"
    add("array_nested_5_deep", header(n_kv=1) + nested5, "arrays nested deeper than 4")
    nested_many = arr_hdr("x.deep", ARRAY, 1) + (u32(ARRAY) + u64(1)) * 2000 + u32(U8) + u64(0)
    add("array_nested_2000_deep", header(n_kv=1) + nested_many, "arrays nested deeper than 4")

    # --- general.alignment ---
    for name, val, sub in [
        ("alignment_type_u64", Val(U64, 32), "general.alignment must be u32"),
        ("alignment_type_i32", Val(I32, 32), "general.alignment must be u32"),
        ("alignment_type_string", Val(STRING, b"32"), "general.alignment must be u32"),
        ("alignment_type_array", arr(U32, [32]), "general.alignment must be u32"),
        ("alignment_zero", Val(U32, 0), "general.alignment 0 is not a power of two"),
        ("alignment_3", Val(U32, 3), "general.alignment 3 is not a power of two"),
        ("alignment_48", Val(U32, 48), "general.alignment 48 is not a power of two"),
        ("alignment_2pow31", Val(U32, 2 ** 31), "general.alignment 2147483648 is not a power of two <= 1 MiB"),
        ("alignment_u32max", Val(U32, 2 ** 32 - 1), "general.alignment 4294967295 is not a power of two"),
    ]:
        add(name, build([("general.alignment", val)], [("w", [8], T_F32, bytes(32))])[0], sub)

    # --- tensor infos ---
    def tfile(tinfos, kvs=(big,), data=b"", n_tensors=None, alignment=32):
        body = header(n_tensors=len(tinfos) if n_tensors is None else n_tensors, n_kv=len(kvs))
        for k, v in kvs:
            body += enc_kv(k, v)
        for ti in tinfos:
            body += ti
        body += bytes(align_up(len(body), alignment) - len(body))
        return body + data

    w32 = bytes(32 * 4)
    add("tensor_name_length_u64max", tfile([u64(2 ** 64 - 1) + b"w" + u32(1) + u64(32) + u32(0) + u64(0)], data=w32),
        "tensor #0 name length 18446744073709551615 exceeds limit 256")
    add("tensor_name_length_257", tfile([enc_tinfo("n" * 257, [32], T_F32, 0)], data=w32),
        "tensor #0 name length 257 exceeds limit 256")
    add("tensor_name_empty", tfile([enc_tinfo("", [32], T_F32, 0)], data=w32), "tensor #0: empty name")
    add("tensor_name_duplicate", tfile([enc_tinfo("w", [32], T_F32, 0), enc_tinfo("w", [32], T_F32, 128)],
                                       data=w32 * 2), "duplicate tensor name 'w'")
    add("tensor_n_dims_0", tfile([gstr("w") + u32(0) + u32(0) + u64(0)], data=w32),
        "tensor #0 'w' has 0 dimensions (must be 1..4)")
    add("tensor_n_dims_5", tfile([enc_tinfo("w", [32, 1, 1, 1, 1], T_F32, 0)], data=w32),
        "tensor #0 'w' has 5 dimensions (must be 1..4)")
    add("tensor_n_dims_u32max", tfile([gstr("w") + u32(2 ** 32 - 1) + u64(32) * 4], data=w32),
        "has 4294967295 dimensions")
    add("tensor_dim_zero", tfile([enc_tinfo("w", [32, 0], T_F32, 0)], data=w32),
        "tensor #0 'w' dimension 1 = 0 is invalid")
    add("tensor_dim_2pow63", tfile([enc_tinfo("w", [2 ** 63], T_F32, 0)], data=w32),
        "tensor #0 'w' dimension 0 = 9223372036854775808 is invalid")
    add("tensor_dims_product_overflows_u64", tfile([enc_tinfo("w", [2 ** 40, 2 ** 30], T_F32, 0)], data=w32),
        "tensor #0 'w': element count overflows")
    add("tensor_dims_product_exceeds_i64", tfile([enc_tinfo("w", [2 ** 32, 2 ** 31], T_F32, 0)], data=w32),
        "tensor #0 'w': element count overflows")
    add("tensor_byte_size_overflows", tfile([enc_tinfo("w", [2 ** 62], T_F32, 0)], data=w32),
        "tensor #0 'w': byte size overflows")
    add("tensor_huge_in_range_dims", tfile([enc_tinfo("w", [2 ** 20, 2 ** 20, 2 ** 20], T_F32, 0)], data=w32),
        "lies outside the 128-byte data section")
    for t, sub in [(4, "unknown tensor type 4"), (16, "unknown tensor type 16"),
                   (1000, "unknown tensor type 1000"), (2 ** 32 - 1, "unknown tensor type 4294967295")]:
        add("tensor_type_%d" % t, tfile([enc_tinfo("w", [32], t, 0)], data=w32), "tensor #0 'w' has " + sub,
            "unsupported")
    add("tensor_row_not_multiple_q8_0", tfile([enc_tinfo("w", [33, 2], T_Q8_0, 0)], data=bytes(128)),
        "tensor #0 'w': row length 33 is not a multiple of the Q8_0 block size 32")
    add("tensor_row_not_multiple_q4_k", tfile([enc_tinfo("w", [32], T_Q4_K, 0)], data=bytes(160)),
        "row length 32 is not a multiple of the Q4_K block size 256")
    add("tensor_offset_misaligned", tfile([enc_tinfo("w", [8], T_F32, 4)], data=bytes(64)),
        "tensor #0 'w': data offset 4 is not aligned to 32")
    add("tensor_offset_misaligned_custom_alignment",
        tfile([enc_tinfo("w", [8], T_F32, 32)], kvs=[("general.alignment", Val(U32, 64))], data=bytes(128),
              alignment=64), "data offset 32 is not aligned to 64")
    add("tensor_offset_out_of_range", tfile([enc_tinfo("w", [32], T_F32, 4096)], data=w32),
        "tensor 'w' data [4096, +128) lies outside the 128-byte data section")
    add("tensor_offset_overflows", tfile([enc_tinfo("w", [32], T_F32, 2 ** 64 - 32)], data=w32),
        "tensor 'w' data [18446744073709551584, +128) lies outside")
    add("tensor_offset_second_out_of_range",
        tfile([enc_tinfo("a", [32], T_F32, 0), enc_tinfo("b", [32], T_F32, 128)], data=w32),
        "tensor 'b' data [128, +128) lies outside the 128-byte data section")
    add("tensors_overlap", tfile([enc_tinfo("a", [32], T_F32, 0), enc_tinfo("b", [32], T_F32, 64)], data=w32 * 2),
        "tensors 'a' and 'b' overlap")
    add("tensors_same_offset", tfile([enc_tinfo("a", [8], T_F32, 0), enc_tinfo("b", [8], T_F32, 0)], data=w32),
        "overlap")
    add("tensors_overlap_unsorted",
        tfile([enc_tinfo("c", [8], T_F32, 128), enc_tinfo("a", [64], T_F32, 0), enc_tinfo("b", [8], T_F32, 256)],
              data=w32 * 3), "tensors 'a' and 'c' overlap")

    # --- truncated at every section of a complete file ---
    kvs = [big, ("x.u32", Val(U32, 7)), ("x.str", Val(STRING, b"0123456789")), ("x.arr", arr(U32, [1, 2, 3, 4])),
           ("x.sarr", arr(STRING, [b"aaaaaaaaaa", b"bbbbbbbbbb", b"cccccccccc"]))]
    tensors = [("embd", [16, 2], T_F32, f32s(*range(32))), ("weight", [32, 2], T_Q8_0, pattern(68, 5))]
    full, m = build(kvs, tensors)
    add("trunc_in_key_length", full[:m["kv1"] + 3], "truncated reading length of metadata #1 key")
    add("trunc_in_key", full[:m["kv1"] + 8 + 2], "metadata #1 key length 5 exceeds the 2 bytes left")
    add("trunc_in_value_type", full[:m["kv1"] + 8 + 5 + 1], "truncated reading type of 'x.u32'")
    add("trunc_in_u32_value", full[:m["kv1"] + 8 + 5 + 4 + 2], "truncated reading 'x.u32'")
    add("trunc_in_string_value_length", full[:m["kv2"] + 8 + 5 + 4 + 7], "truncated reading length of 'x.str'")
    add("trunc_in_string_value", full[:m["kv2"] + 8 + 5 + 4 + 8 + 3], "'x.str' length 10 exceeds the 3 bytes left")
    add("trunc_in_array_elem_type", full[:m["kv3"] + 8 + 5 + 4 + 3], "truncated reading element type of 'x.arr'")
    add("trunc_in_array_count", full[:m["kv3"] + 8 + 5 + 4 + 4 + 1], "truncated reading element count of 'x.arr'")
    add("trunc_in_array_elements", full[:m["kv3"] + 8 + 5 + 4 + 12 + 9],
        "'x.arr': array of 4 u32 elements cannot fit in the 9 bytes left")
    add("trunc_in_string_array", full[:m["kv4"] + 8 + 6 + 4 + 12 + 18 * 2 + 8 + 4],
        "'x.sarr'[2] length 10 exceeds the 4 bytes left")
    add("trunc_in_tensor_name_length", full[:m["ti1"] + 5], "truncated reading length of tensor #1 name")
    add("trunc_in_first_tensor_info", full[:m["ti0"] + 5], "tensor count 2 cannot fit in the 5 bytes after the metadata")
    add("trunc_in_tensor_name", full[:m["ti1"] + 8 + 2], "tensor #1 name length 6 exceeds the 2 bytes left")
    add("trunc_in_tensor_n_dims", full[:m["ti1"] + 14 + 3], "truncated reading dimensions of tensor #1 'weight'")
    add("trunc_in_tensor_dims", full[:m["ti1"] + 14 + 4 + 12], "truncated reading shape of tensor #1 'weight'")
    add("trunc_in_tensor_type", full[:m["ti1"] + 14 + 4 + 16 + 2], "truncated reading type of tensor #1 'weight'")
    add("trunc_in_tensor_offset", full[:m["ti1"] + 14 + 4 + 16 + 4 + 7],
        "truncated reading data offset of tensor #1 'weight'")
    assert m["header_end"] % 32 != 0
    add("trunc_at_header_end", full[:m["header_end"]], "past the end of the %d-byte file" % m["header_end"])
    add("trunc_in_padding", full[:m["data"] - 1], "past the end")
    add("trunc_at_data_start", full[:m["data"]], "tensor 'embd' data [0, +128) lies outside the 0-byte data section")
    add("trunc_in_first_tensor_data", full[:m["data"] + 100], "tensor 'embd' data [0, +128) lies outside the 100-byte")
    add("trunc_in_last_tensor_data", full[:-1],
        "tensor 'weight' data [128, +68) lies outside the %d-byte data section" % (len(full) - 1 - m["data"]))
    # The header says there is a tensor but the file ends at an aligned header end (no data at all).
    body = header(n_tensors=1, n_kv=1) + enc_kv("x", Val(STRING, b"p" * 18))
    body += enc_tinfo("w", [4], T_F32, 0)
    assert len(body) % 32 == 0, len(body)
    add("data_section_missing_aligned_end", body, "lies outside the 0-byte data section")

    # --- patched valid file: absurd counts with an otherwise intact body ---
    add("patched_n_kv_2pow62", patch(full, 16, u64(2 ** 62)), "metadata count 4611686018427387904 cannot fit")
    add("patched_n_tensors_2pow62", patch(full, 8, u64(2 ** 62)), "tensor count 4611686018427387904 cannot fit")
    add("patched_array_count_2pow62", patch(full, m["kv3"] + 8 + 5 + 4 + 4, u64(2 ** 62)),
        "'x.arr': array of 4611686018427387904 u32 elements cannot fit")
    add("patched_n_kv_too_small", patch(full, 16, u64(4)), "tensor #0 'x.sarr' has 9 dimensions")
    add("patched_n_tensors_too_large", patch(full, 8, u64(3)), "tensor #2: empty name")  # reads the padding
    return cases


# ---------------------------------------------------------------------------------------------


def write(path, data, mode="wb"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def clean(d, exts):
    if not os.path.isdir(d):
        return
    for f in os.listdir(d):
        if any(f.endswith(e) for e in exts):
            os.remove(os.path.join(d, f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    ap.add_argument("--dump", help="print the .expect listing of a GGUF file and exit")
    args = ap.parse_args()
    if args.dump:
        with open(args.dump, "rb") as f:
            sys.stdout.write(expect_text(parse_gguf(f.read())))
        return

    clean(OUT, [".gguf", "MANIFEST.txt"])
    clean(os.path.join(OUT, "valid"), [".gguf", ".expect"])

    for name, data in sorted(valid_files().items()):
        parsed = parse_gguf(data)  # the independent parser must accept what we call valid
        write(os.path.join(OUT, "valid", name), data)
        write(os.path.join(OUT, "valid", name[:-5] + ".expect"), expect_text(parsed), "w")

    cases = corrupt_files()
    names = [c[0] for c in cases]
    assert len(names) == len(set(names)), "duplicate corpus names"
    lines = ["# Corrupt GGUF corpus, generated by tests/ref/make_corrupt_gguf.py (do not edit).",
             "# file<TAB>expected status<TAB>substring of the error message"]
    for name, data, status, sub in cases:
        assert "\t" not in sub and "\n" not in sub
        write(os.path.join(OUT, name), data)
        lines.append("%s\t%s\t%s" % (name, status, sub))
    write(os.path.join(OUT, "MANIFEST.txt"), "\n".join(lines) + "\n", "w")

    model = os.path.join(args.shared, "models", "stories260K", "stories260K.gguf")
    if os.path.exists(model):
        with open(model, "rb") as f:
            write(os.path.join(OUT, "shared", "stories260K.gguf.expect"), expect_text(parse_gguf(f.read())), "w")
    else:
        print("note: %s not found; shared listing not regenerated" % model, file=sys.stderr)
    print("wrote %d corrupt and %d valid files to %s" % (len(cases), len(valid_files()), OUT))


if __name__ == "__main__":
    main()
