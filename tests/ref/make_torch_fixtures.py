#!/usr/bin/python3
"""Writes PyTorch checkpoint fixtures under tests/data/torch/ with the Python stdlib and numpy
only (no torch): genuine-format torch.save zips (PyTorch >= 1.6 layout: archive/data.pkl,
archive/byteorder, archive/data/<key>, archive/version, archive/.data/serialization_id, all
ZIP_STORED), pickled by the stdlib Pickler exactly as torch.save does: persistent_id ->
('storage', torch.<X>Storage, key, 'cpu', numel), tensors reduced to
torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()),
the state dict an OrderedDict with a _metadata attribute (BUILD). Stand-in modules `torch` and
`torch._utils` in sys.modules make pickle emit the same GLOBALs torch does.

  valid/<name>.bin + <name>.expected   tensors and their values (float32 text), as in
                                       make_safetensors_fixtures.py
  valid/sharded/                       pytorch_model.bin.index.json + two shards
  corrupt/*.bin + MANIFEST.txt         broken archives and malicious pickles (zip-wrapped)
  pickle/*.pkl + MANIFEST.txt          the bare malicious/broken pickles

The live attack payloads are checked here to really run under Python's own pickle (in a
subprocess, touching MARKER), so the C++ test proving that loading them runs nothing means
something. Run: /usr/bin/python3 tests/ref/make_torch_fixtures.py"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import time
import types
import zipfile
import zlib

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "torch")
MARKER = "/tmp/slim_pickle_pwned_marker"

# --- stand-in torch ----------------------------------------------------------------------------
torch_mod = types.ModuleType("torch")
utils_mod = types.ModuleType("torch._utils")
torch_mod._utils = utils_mod
sys.modules["torch"] = torch_mod
sys.modules["torch._utils"] = utils_mod


def _stub(name):
    def f(*args):
        raise RuntimeError("stand-in")
    f.__name__ = f.__qualname__ = name
    f.__module__ = "torch._utils"
    setattr(utils_mod, name, f)
    return f


rebuild_tensor_v2 = _stub("_rebuild_tensor_v2")
rebuild_parameter = _stub("_rebuild_parameter")

STORAGE = {"F32": ("FloatStorage", "<f4"), "F16": ("HalfStorage", "<f2"),
           "BF16": ("BFloat16Storage", None), "I64": ("LongStorage", "<i8"),
           "F64": ("DoubleStorage", "<f8"), "U8": ("ByteStorage", "u1")}
STORAGE_CLS = {}
for _dt, (_name, _) in STORAGE.items():
    STORAGE_CLS[_dt] = type(_name, (), {"__module__": "torch"})
    setattr(torch_mod, _name, STORAGE_CLS[_dt])


class Storage:
    def __init__(self, dtype, values):
        self.dtype = dtype
        v = np.asarray(values).reshape(-1)
        if dtype == "BF16":
            bits = v.astype("<f4").view("<u4")
            assert np.all(bits & 0xFFFF == 0)
            self.data = (bits >> 16).astype("<u2").tobytes()
        else:
            self.data = v.astype(STORAGE[dtype][1]).tobytes()
        self.values = v.astype(np.float32) if dtype in ("F32", "F16", "BF16") else None
        if dtype == "F16":
            self.values = v.astype("<f2").astype(np.float32)
        self.numel = v.size


class Tensor:
    def __init__(self, storage, offset, size, stride=None):
        self.storage, self.offset, self.size = storage, offset, tuple(size)
        if stride is None:
            stride, acc = [], 1
            for d in reversed(self.size):
                stride.insert(0, acc)
                acc *= d
        self.stride = tuple(stride)

    def __reduce_ex__(self, proto):
        return (rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False,
                                    collections.OrderedDict()))

    def values(self):
        n = int(np.prod(self.size)) if self.size else 1
        return self.storage.values[self.offset:self.offset + n]


class Parameter:
    def __init__(self, t):
        self.t = t

    def __reduce_ex__(self, proto):
        return (rebuild_parameter, (self.t, True, collections.OrderedDict()))


def torch_pickle(state, protocol=2):
    """Pickles `state` the way torch.save does; returns (pickle bytes, {key: storage})."""
    keys = {}

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                key = keys.setdefault(id(obj), (str(len(keys)), obj))[0]
                return ("storage", STORAGE_CLS[obj.dtype], key, "cpu", obj.numel)
            return None

    buf = io.BytesIO()
    P(buf, protocol=protocol).dump(state)
    return buf.getvalue(), {k: s for k, s in keys.values()}


def torch_zip_entries(pkl, storages, root="archive", byteorder=b"little"):
    entries = [(f"{root}/data.pkl", pkl)]
    if byteorder is not None:
        entries.append((f"{root}/byteorder", byteorder))
    for key, s in storages.items():
        entries.append((f"{root}/data/{key}", s.data))
    entries.append((f"{root}/version", b"3\n"))
    entries.append((f"{root}/.data/serialization_id", b"1234567890123456789012345678901234567890"))
    return entries


def write_zip(path, entries, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = method
            z.writestr(zi, data)


def zip_bytes(entries, method=zipfile.ZIP_STORED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = method
            z.writestr(zi, data)
    return b.getvalue()


def zip64_bytes(entries):
    """A ZIP64 archive written by hand (sizes and offsets in ZIP64 extra fields, ZIP64 end
    records), as a > 4 GB torch.save file would be; checked by reading it back with zipfile."""
    out, central = b"", b""
    for name, data in entries:
        n = name.encode()
        crc = zlib.crc32(data)
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF,
                           0xFFFFFFFF, len(n), 20) + n
        out += struct.pack("<HHQQ", 1, 16, len(data), len(data)) + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(n), 28, 0, 0, 0, 0, 0xFFFFFFFF) + n
        central += struct.pack("<HHQQQ", 1, 24, len(data), len(data), off)
    cd_off = len(out)
    out += central
    z64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries),
                       len(central), cd_off)
    out += struct.pack("<IIQI", 0x07064B50, 0, z64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with zipfile.ZipFile(io.BytesIO(out)) as z:  # independent check of the hand-written layout
        assert z.namelist() == [e[0] for e in entries]
        for name, data in entries:
            assert z.read(name) == data
    return out


def state_dict(items):
    sd = collections.OrderedDict(items)
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("ln", {"version": 2})])
    return sd


def expected_text(items):
    lines = []
    for name, t in items:
        if isinstance(t, Parameter):
            t = t.t
        shape = ",".join(map(str, t.size)) or "-"
        if t.storage.values is None:
            lines.append(f"{name} {t.storage.dtype} {shape} skip")
            continue
        vals = " ".join(repr(float(x)) for x in t.values())
        lines.append(f"{name} {t.storage.dtype} {shape} {vals}".rstrip())
    return "\n".join(lines) + "\n"


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def bf16_exact(rng, n):
    a = rng.standard_normal(n).astype(np.float32)
    return (a.view("<u4") & 0xFFFF0000).view("<f4")


def binunicode(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def check_live(payload):
    """The payload really runs code under Python's pickle (touches MARKER)."""
    if os.path.exists(MARKER):
        os.remove(MARKER)
    code = "import pickle,sys; pickle.loads(open(sys.argv[1],'rb').read())"
    tmp = os.path.join(ROOT, "_live.pkl")
    write(tmp, payload)
    subprocess.run([sys.executable, "-c", code, tmp], check=False, capture_output=True)
    for _ in range(50):
        if os.path.exists(MARKER):
            break
        time.sleep(0.05)
    os.remove(tmp)
    assert os.path.exists(MARKER), "attack payload did not run under Python's pickle"
    os.remove(MARKER)


def main():
    rng = np.random.default_rng(4321)
    shutil.rmtree(ROOT, ignore_errors=True)
    for d in ("valid", "valid/sharded", "corrupt", "pickle"):
        os.makedirs(os.path.join(ROOT, d))

    # --- valid checkpoints ------------------------------------------------------------------
    emb = Storage("F32", rng.standard_normal(12))
    big = Storage("F32", rng.standard_normal(10))
    items = [
        ("transformer.wte.weight", Tensor(emb, 0, (4, 3))),
        ("lm_head.weight", Tensor(emb, 0, (4, 3))),                 # tied: the same storage
        ("ln.weight", Tensor(Storage("F16", rng.standard_normal(5)), 0, (5,))),
        ("ln.bias", Tensor(Storage("BF16", bf16_exact(rng, 4)), 0, (2, 2))),
        ("position_ids", Tensor(Storage("I64", np.arange(3)), 0, (1, 3))),
        ("view", Tensor(big, 4, (2, 3))),                          # storage offset 4
        ("head", Tensor(big, 0, (4,))),
        ("col", Tensor(Storage("F32", rng.standard_normal(3)), 0, (3, 1), (1, 7))),
        ("scalar", Tensor(Storage("F32", [0.5]), 0, ())),
    ]
    pkl, st = torch_pickle(state_dict(items))
    write(os.path.join(ROOT, "valid", "small.bin"), zip_bytes(torch_zip_entries(pkl, st)))
    write(os.path.join(ROOT, "valid", "small.expected"), expected_text(items).encode())
    write(os.path.join(ROOT, "valid", "small_zip64.bin"), zip64_bytes(torch_zip_entries(pkl, st)))
    write(os.path.join(ROOT, "valid", "small_zip64.expected"), expected_text(items).encode())
    pkl4, st4 = torch_pickle(state_dict(items), protocol=4)
    assert b"\x93" in pkl4 and b"\x95" in pkl4  # STACK_GLOBAL and FRAME really used
    write(os.path.join(ROOT, "valid", "small_proto4.bin"),
          zip_bytes(torch_zip_entries(pkl4, st4, root="pytorch_model")))
    write(os.path.join(ROOT, "valid", "small_proto4.expected"), expected_text(items).encode())
    pitems = [("p", Parameter(Tensor(Storage("F32", [1.0, 2.0]), 0, (2,)))),
              ("q", Tensor(Storage("F16", [3.0]), 0, (1,)))]
    pklp, stp = torch_pickle(state_dict(pitems))
    write(os.path.join(ROOT, "valid", "parameter.bin"),
          zip_bytes(torch_zip_entries(pklp, stp, byteorder=None)))
    write(os.path.join(ROOT, "valid", "parameter.expected"), expected_text(pitems).encode())

    s1 = [("a.weight", Tensor(Storage("F32", rng.standard_normal(4)), 0, (2, 2)))]
    s2 = [("b.weight", Tensor(Storage("F16", rng.standard_normal(3)), 0, (3,))),
          ("c.weight", Tensor(Storage("BF16", bf16_exact(rng, 2)), 0, (2,)))]
    sh = os.path.join(ROOT, "valid", "sharded")
    for fname, its in (("pytorch_model-00001-of-00002.bin", s1),
                       ("pytorch_model-00002-of-00002.bin", s2)):
        p, s = torch_pickle(state_dict(its))
        write(os.path.join(sh, fname), zip_bytes(torch_zip_entries(p, s)))
    wmap = {"c.weight": "pytorch_model-00002-of-00002.bin",
            "a.weight": "pytorch_model-00001-of-00002.bin",
            "b.weight": "pytorch_model-00002-of-00002.bin"}
    write(os.path.join(sh, "pytorch_model.bin.index.json"),
          json.dumps({"metadata": {"total_size": 26}, "weight_map": wmap}, indent=2).encode())
    by = dict(s1 + s2)
    write(os.path.join(sh, "expected.txt"), expected_text([(n, by[n]) for n in wmap]).encode())

    # --- malicious and broken pickles -------------------------------------------------------
    P2, P4 = b"\x80\x02", b"\x80\x04"
    touch = f"touch {MARKER}"
    live = {
        "os_system": P2 + b"cos\nsystem\nq\x00" + binunicode(touch) + b"\x85R.",
        "builtins_eval": P2 + b"cbuiltins\neval\n" + binunicode(f"open('{MARKER}', 'w')") +
        b"\x85R.",
        "subprocess_stack_global": P4 + b"\x8c\x0asubprocess\x94\x8c\x05Popen\x94\x93" +
        b"](" + binunicode("touch") + binunicode(MARKER) + b"e\x85R.",
        "inst": P2 + b"(" + binunicode(touch) + b"ios\nsystem\n.",
        "nested_reduce_exec": P2 + b"cbuiltins\nexec\n" + binunicode(
            f"import os; os.system('{touch}')") + b"\x85R)R.",
    }

    class Exploit:
        def __reduce__(self):
            return (os.system, (touch,))
    live["posix_system_real"] = pickle.dumps(Exploit(), protocol=2)
    for payload in live.values():
        check_live(payload)

    attacks = [
        ("os_system", "corrupt_file", "GLOBAL at byte 2: global 'os.system' is not allowed"),
        ("builtins_eval", "corrupt_file", "global 'builtins.eval' is not allowed"),
        ("subprocess_stack_global", "corrupt_file",
         "STACK_GLOBAL at byte 23: global 'subprocess.Popen' is not allowed"),
        ("inst", "corrupt_file", "pickle opcode INST (0x69) at byte"),
        ("nested_reduce_exec", "corrupt_file", "global 'builtins.exec' is not allowed"),
        ("posix_system_real", "corrupt_file", "global 'posix.system' is not allowed"),
    ]
    broken = {
        "obj": (P2 + b"(ccollections\nOrderedDict\no.", "pickle opcode OBJ (0x6f) at byte 28"),
        "newobj": (P2 + b"ccollections\nOrderedDict\n)\x81.", "pickle opcode NEWOBJ (0x81)"),
        "nested_reduce": (P2 + b"ccollections\nOrderedDict\n)R)R.",
                          "REDUCE at byte 30: the callable is a dict"),
        "reduce_many_args": (P2 + b"ccollections\nOrderedDict\n(" + b"N" * 8 + b"tR.",
                             "collections.OrderedDict called with 8 arguments (at most 7)"),
        "reduce_storage": (P2 + b"ctorch\nFloatStorage\n)R.", "cannot be called"),
        "torch_load": (P2 + b"ctorch\nload\n", "global 'torch.load' is not allowed"),
        "global_no_newline": (P2 + b"cos" + b"x" * 300, "not terminated by a newline"),
        "memo_unset": (P2 + b"h\x05.", "memo index 5 was never stored"),
        "underflow": (P2 + b"R.", "REDUCE at byte 2: stack underflow"),
        "tuple_no_mark": (P2 + b"t.", "no MARK on the stack"),
        "setitem_below_mark": (P2 + b"}(NNs.", "stack underflow"),
        "huge_string": (P2 + b"X\xf0\xff\xff\xffabc", "string of 4294967280 bytes truncated"),
        "huge_string8": (P4 + b"\x8d" + struct.pack("<Q", 1 << 62) + b"abc", "truncated"),
        "mark_bomb": (P2 + b"(" * 300, "more than 256 nested MARKs"),
        "tuple_depth_bomb": (P2 + b"N" + b"\x85" * 20000 + b".",
                             "the pickle is a tuple, not a state dict"),
        "list_cycle": (P2 + b"]q\x00h\x00a.", "the pickle is a list, not a state dict"),
        "long_too_big": (P2 + b"\x8a\x09" + b"\x01" * 9 + b".", "9-byte integer is too large"),
        "unknown_opcode": (P2 + b"\xff", "unknown pickle opcode 0xff at byte 2"),
        "no_stop": (P2 + b"}", "the pickle ends without STOP"),
        "empty": (b"", "the pickle ends without STOP"),
        "bad_protocol": (b"\x80\x09}.", "protocol 9 is unknown"),
        "value_not_tensor": (P2 + b"}" + binunicode("a") + b"K\x01s.",
                             "state dict entry 'a' is a int, not a tensor"),
        "key_not_str": (P2 + b"}K\x01K\x01s.", "state dict key is a int"),
        "persid_not_tuple": (P2 + binunicode("abc") + b"Q.", "persistent id is not a"),
        "build_on_list": (P2 + b"]}b.", "BUILD on a list is not supported"),
        "two_objects": (P2 + b"}}.", "stack holds 2 objects, not 1"),
        "mark_open": (P2 + b"(}.", "MARK left open"),
        "dup_op_get": (P2 + b"}2.", "pickle opcode DUP (0x32)"),
        "ext1": (P2 + b"\x82\x01.", "pickle opcode EXT1 (0x82)"),
        "text_int": (P2 + b"I1\n.", "pickle opcode INT (0x49)"),
    }
    manifest = []
    zmanifest = []
    for name, status, sub in attacks:
        write(os.path.join(ROOT, "pickle", name + ".pkl"), live[name])
        manifest.append(f"{name}.pkl\t{status}\t{sub}")
    for name, (payload, sub) in broken.items():
        write(os.path.join(ROOT, "pickle", name + ".pkl"), payload)
        manifest.append(f"{name}.pkl\tcorrupt_file\t{sub}")
    # Every pickle also inside a well-formed torch zip.
    for line in list(manifest):
        fname, status, sub = line.split("\t")
        with open(os.path.join(ROOT, "pickle", fname), "rb") as f:
            payload = f.read()
        zname = "pkl_" + fname[:-4] + ".bin"
        write(os.path.join(ROOT, "corrupt", zname),
              zip_bytes(torch_zip_entries(payload, {})))
        zmanifest.append(f"{zname}\t{status}\t{sub}")

    # Tensor-level problems, built with the stand-in pickler.
    def tensor_case(name, items_, sub, status="corrupt_file", tamper=None, storages=None):
        p, s = torch_pickle(state_dict(items_))
        if tamper is not None:
            p = tamper(p)
        write(os.path.join(ROOT, "pickle", name + ".pkl"), p)
        write(os.path.join(ROOT, "corrupt", name + ".bin"),
              zip_bytes(torch_zip_entries(p, storages if storages is not None else s)))
        zmanifest.append(f"{name}.bin\t{status}\t{sub}")

    f6 = Storage("F32", np.arange(6))
    tensor_case("noncontiguous", [("t", Tensor(f6, 0, (2, 3), (1, 2)))],
                "size (2, 3) with stride (1, 2) is not contiguous", status="unsupported")
    tensor_case("out_of_storage", [("t", Tensor(f6, 4, (3,)))],
                "elements [4, +3) out of range of storage '0' (6 elements)")
    tensor_case("negative_size", [("t", Tensor(f6, 0, (-1,), (1,)))], "below 0")
    tensor_case("dup_key", [("wa", Tensor(f6, 0, (2,))), ("wb", Tensor(f6, 0, (2,)))],
                "state dict key 'wa' appears twice",
                tamper=lambda p: p.replace(binunicode("wb"), binunicode("wa")))
    tensor_case("key_slash", [("t", Tensor(f6, 0, (6,)))], "is not a plain name",
                tamper=lambda p: p.replace(binunicode("0"), binunicode("../0")),
                storages={})
    tensor_case("storage_missing", [("t", Tensor(f6, 0, (6,)))], "storage '0' has no entry",
                storages={})
    tensor_case("storage_size", [("t", Tensor(f6, 0, (6,)))],
                "storage '0' of 6 F32 elements has 20 bytes",
                storages={"0": types.SimpleNamespace(data=b"\0" * 20)})

    class Args:  # _rebuild_tensor_v2 with the wrong arguments
        def __init__(self, args):
            self.args = args

        def __reduce_ex__(self, proto):
            return (rebuild_tensor_v2, self.args)
    tensor_case("rebuild_3_args", [("t", Args((f6, 0, (6,))))],
                "_rebuild_tensor_v2 takes 6 or 7 arguments, got 3")
    tensor_case("rebuild_grad_not_bool",
                [("t", Args((f6, 0, (6,), (1,), 1, collections.OrderedDict())))],
                "requires_grad is not a bool")
    tensor_case("rebuild_not_storage",
                [("t", Args((1, 0, (6,), (1,), False, collections.OrderedDict())))],
                "argument 0 is a int, not a storage")
    tensor_case("storage_conflict",
                [("t", Tensor(f6, 0, (6,))), ("u", Tensor(Storage("F16", [1] * 6), 0, (6,)))],
                "referenced with different types or sizes",
                tamper=lambda p: p.replace(binunicode("1"), binunicode("0")))

    # Archive-level problems.
    good_p, good_s = torch_pickle(state_dict([("t", Tensor(f6, 0, (6,)))]))
    good = zip_bytes(torch_zip_entries(good_p, good_s))
    write(os.path.join(ROOT, "valid", "tiny.bin"), good)
    write(os.path.join(ROOT, "valid", "tiny.expected"),
          expected_text([("t", Tensor(f6, 0, (6,)))]).encode())

    def zcase(name, data, status, sub):
        write(os.path.join(ROOT, "corrupt", name + ".bin"), data)
        zmanifest.append(f"{name}.bin\t{status}\t{sub}")

    eocd = good.rfind(b"PK\x05\x06")
    cd_off = struct.unpack("<I", good[eocd + 16:eocd + 20])[0]
    zcase("deflated", zip_bytes(torch_zip_entries(good_p, good_s), zipfile.ZIP_DEFLATED),
          "unsupported", "compression method 8 (deflate) is not supported")
    zcase("eocd_garbage", good[:eocd] + b"XXXX" + good[eocd + 4:], "corrupt_file",
          "no end of central directory record")
    zcase("trailing_garbage", good + b"garbage", "corrupt_file", "no end of central directory")
    zcase("truncated_half", good[:len(good) // 2], "corrupt_file",
          "no end of central directory")
    zcase("cd_out_of_range",
          good[:eocd + 16] + struct.pack("<I", len(good)) + good[eocd + 20:], "corrupt_file",
          "central directory [")
    zcase("cd_too_many_entries",
          good[:eocd + 8] + struct.pack("<HH", 500, 500) + good[eocd + 12:], "corrupt_file",
          "500 entries cannot fit")
    zcase("cd_bad_signature", good[:cd_off] + b"XXXX" + good[cd_off + 4:], "corrupt_file",
          "central directory entry 0: bad signature")
    second = good.find(b"PK\x03\x04", 1)  # the byteorder entry's local header
    zcase("local_bad_signature", good[:second] + b"PK\x03X" + good[second + 4:],
          "corrupt_file", f"no local header at offset {second}")
    zcase("local_offset_huge",
          good[:cd_off + 42] + struct.pack("<I", 0x7FFFFFF0) + good[cd_off + 46:],
          "corrupt_file", "local header offset 2147483632 out of range")
    zcase("name_len_huge",
          good[:cd_off + 28] + struct.pack("<H", 60000) + good[cd_off + 30:], "corrupt_file",
          "overrun the central directory")
    zcase("encrypted", good[:cd_off + 8] + b"\x01\x00" + good[cd_off + 10:], "unsupported",
          "encrypted entries are not supported")
    zcase("size_mismatch", good[:cd_off + 20] + struct.pack("<I", 1) + good[cd_off + 24:],
          "corrupt_file", "stored entry with compressed size 1")
    zcase("data_out_of_range",
          good[:cd_off + 20] + struct.pack("<II", 10 ** 6, 10 ** 6) + good[cd_off + 28:],
          "corrupt_file", "out of range (central directory at")
    zcase("no_data_pkl", zip_bytes([(n.replace("data.pkl", "other.pkl"), d)
                                    for n, d in torch_zip_entries(good_p, good_s)]),
          "corrupt_file", "no <root>/data.pkl entry")
    zcase("two_data_pkl", zip_bytes(torch_zip_entries(good_p, good_s) +
                                    [("other/data.pkl", good_p)]),
          "corrupt_file", "more than one data.pkl")
    zcase("byteorder_big", zip_bytes(torch_zip_entries(good_p, good_s, byteorder=b"big")),
          "unsupported", "byteorder 'big' is not supported")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zcase("duplicate_entry", zip_bytes(torch_zip_entries(good_p, good_s) +
                                           [("archive/version", b"3\n")]),
              "corrupt_file", "duplicate entry name")
    zcase("legacy_bare_pickle", good_p, "unsupported", "legacy torch.save format")
    zcase("not_a_zip", b"hello world, not a checkpoint", "corrupt_file", "not a ZIP archive")
    zcase("empty_file", b"", "corrupt_file", "not a ZIP archive")

    for path, lines, what in ((os.path.join(ROOT, "pickle", "MANIFEST.txt"), manifest, "pickles"),
                              (os.path.join(ROOT, "corrupt", "MANIFEST.txt"), zmanifest,
                               "torch checkpoints")):
        with open(path, "w") as f:
            f.write(f"# Malicious / broken {what}, generated by tests/ref/make_torch_fixtures.py"
                    " (do not edit).\n# file<TAB>expected status<TAB>substring of the error "
                    "message\n")
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
