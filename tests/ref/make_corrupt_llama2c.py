#!/usr/bin/env python3
"""Deterministic generator of the llama2.c checkpoint reader's test corpus (stdlib only).

Written from llama2.c's run.c (the legacy "version 0" checkpoint), independently of the C++ reader:

  header  = 7 x int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
            (vocab_size > 0: the classifier shares the token embedding; < 0: a separate
            classifier of |vocab_size| x dim follows at the end)
  weights = f32, in this order (head_size = dim / n_heads, kv_dim = head_size * n_kv_heads):
            token_embedding_table [vocab][dim]
            rms_att_weight [layers][dim]
            wq [layers][dim][dim]     wk [layers][kv_dim][dim]   wv [layers][kv_dim][dim]
            wo [layers][dim][dim]     rms_ffn_weight [layers][dim]
            w1 [layers][hidden][dim]  w2 [layers][dim][hidden]   w3 [layers][hidden][dim]
            rms_final_weight [dim]
            freq_cis_real [seq_len][head_size/2]  freq_cis_imag [seq_len][head_size/2]
            wcls [vocab][dim]         (only when vocab_size < 0)

Writes (and deletes stale generated files in) tests/data/corrupt/llama2c/:
  *.bin          corrupt checkpoints, one defect each, named after it
  MANIFEST.txt   file <TAB> expected status name <TAB> substring the error message must contain
  valid/*.bin    small synthetic checkpoints; float number k after the header has the value k
  valid/*.expect "config dim hidden layers heads kv_heads vocab seq_len shared(0/1)" and one
                 "tensor <name> <ne0> <ne1> <index of its first float after the header>" line per
                 tensor, named as GGUF names llama tensors (ne0 = contiguous dimension)
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "data", "corrupt", "llama2c")


def layout(dim, hidden, layers, heads, kv_heads, vocab, seq_len):
    """[(name, ne0, ne1, first float index)], total float count. vocab < 0: separate classifier."""
    hs = dim // heads
    kv_dim = hs * kv_heads
    v = abs(vocab)
    pos = 0
    sections = {}
    for name, n in [("emb", v * dim), ("att_norm", layers * dim), ("wq", layers * dim * dim),
                    ("wk", layers * kv_dim * dim), ("wv", layers * kv_dim * dim), ("wo", layers * dim * dim),
                    ("ffn_norm", layers * dim), ("w1", layers * hidden * dim), ("w2", layers * dim * hidden),
                    ("w3", layers * hidden * dim), ("norm", dim), ("freq", seq_len * hs)]:
        sections[name] = pos
        pos += n
    if vocab < 0:
        sections["cls"] = pos
        pos += v * dim
    else:
        sections["cls"] = sections["emb"]
    t = [("token_embd.weight", dim, v, sections["emb"])]
    for i in range(layers):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", dim, 1, sections["att_norm"] + i * dim),
              (p + "attn_q.weight", dim, dim, sections["wq"] + i * dim * dim),
              (p + "attn_k.weight", dim, kv_dim, sections["wk"] + i * kv_dim * dim),
              (p + "attn_v.weight", dim, kv_dim, sections["wv"] + i * kv_dim * dim),
              (p + "attn_output.weight", dim, dim, sections["wo"] + i * dim * dim),
              (p + "ffn_norm.weight", dim, 1, sections["ffn_norm"] + i * dim),
              (p + "ffn_gate.weight", dim, hidden, sections["w1"] + i * hidden * dim),
              (p + "ffn_down.weight", hidden, dim, sections["w2"] + i * dim * hidden),
              (p + "ffn_up.weight", dim, hidden, sections["w3"] + i * hidden * dim)]
    t += [("output_norm.weight", dim, 1, sections["norm"]), ("output.weight", dim, v, sections["cls"])]
    return t, pos


def checkpoint(cfg, n_floats=None, extra=b""):
    """Header + n_floats floats valued 0, 1, 2, ... (default: the count the header implies)."""
    if n_floats is None:
        n_floats = layout(*cfg)[1]
    assert n_floats < 2 ** 24  # every index is exact as f32
    return struct.pack("<7i", *cfg) + struct.pack("<%df" % n_floats, *range(n_floats)) + extra


TINY = (8, 12, 2, 2, 1, 16, 4)  # dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocab 16, seq 4


def corrupt_cases():
    cases = []

    def add(name, data, sub, status="corrupt_file"):
        cases.append((name + ".bin", data, status, sub))

    def hdr(**kw):
        names = ["dim", "hidden", "layers", "heads", "kv_heads", "vocab", "seq"]
        c = dict(zip(names, TINY))
        c.update(kw)
        return tuple(c[n] for n in names)

    def bad_header(name, sub, **kw):
        cfg = hdr(**kw)
        # Body sized as if valid where the layout is computable, so only the header is wrong.
        add(name, struct.pack("<7i", *cfg) + bytes(64), sub)

    add("empty", b"", "file has 0 bytes, smaller than the 28-byte header")
    add("trunc_in_header", struct.pack("<7i", *TINY)[:27], "file has 27 bytes, smaller than the 28-byte header")
    # Each field against its limit: run.c's fields are int32; the limits are SlimLLM's.
    for field, label, limit in [("dim", "dim", "65536"), ("hidden", "hidden_dim", "524288"),
                                ("layers", "n_layers", "1024"), ("heads", "n_heads", "dim 8"),
                                ("kv_heads", "n_kv_heads", "n_heads 2"), ("seq", "seq_len", "4194304")]:
        for v, tag in [(0, "zero"), (-1, "negative"), (-(2 ** 31), "int32_min"), (2 ** 31 - 1, "int32_max")]:
            sub = "%s %d out of range (must be 1..%s)" % (label, v, limit)
            bad_header("%s_%s" % (field, tag), sub, **{field: v})
    bad_header("vocab_zero", "vocab_size 0 out of range", vocab=0)
    bad_header("vocab_int32_min", "vocab_size out of range", vocab=-(2 ** 31))
    bad_header("vocab_int32_max", "vocab_size 2147483647 out of range (must be 1..4194304)", vocab=2 ** 31 - 1)
    bad_header("vocab_negative_int32_max", "vocab_size 2147483647 out of range", vocab=-(2 ** 31 - 1))
    bad_header("dim_just_over_limit", "dim 65537 out of range (must be 1..65536)", dim=65537, heads=1, kv_heads=1)
    bad_header("heads_greater_than_dim", "n_heads 16 out of range (must be 1..dim 8)", heads=16, kv_heads=1)
    bad_header("kv_heads_greater_than_heads", "n_kv_heads 4 out of range (must be 1..n_heads 2)", kv_heads=4)
    bad_header("heads_not_dividing_dim", "dim 8 is not a multiple of n_heads 3", heads=3, kv_heads=1)
    bad_header("kv_heads_not_dividing_heads", "n_heads 6 is not a multiple of n_kv_heads 4", dim=12, heads=6,
               kv_heads=4)
    bad_header("odd_head_size", "head size 3 (dim 6 / n_heads 2) must be even", dim=6, heads=2, kv_heads=1)
    bad_header("head_size_1", "head size 1 (dim 8 / n_heads 8) must be even", heads=8, kv_heads=8)
    # Every field at its largest accepted value: the implied size is ~2^47 bytes (no u64 overflow,
    # but nothing an int32 or a naive 32-bit product could hold).
    big = (65536, 524288, 1024, 2, 1, -(2 ** 22), 2 ** 22)
    lay, n = layout(*big)
    add("max_values_header_only", struct.pack("<7i", *big), "implies %d" % (28 + 4 * n))
    add("max_values_some_data", struct.pack("<7i", *big) + bytes(4096), "file has 4124 bytes but its header")
    # Values whose products overflow 32 bits (dim * vocab = 2^38 floats) with a tiny file.
    add("product_overflows_int32", struct.pack("<7i", 65536, 8, 1, 1, 1, 2 ** 22, 1) + bytes(64),
        "file has 92 bytes but its header (dim 65536, layers 1, vocab 4194304) implies")

    _, n_tiny = layout(*TINY)
    full = checkpoint(TINY)
    add("truncated_last_float", full[:-4], "file has %d bytes but its header" % (len(full) - 4))
    add("truncated_mid_float", full[:-1], "file has %d bytes but its header" % (len(full) - 1))
    add("truncated_half", full[:len(full) // 2], "implies %d" % len(full))
    add("header_only", full[:28], "file has 28 bytes but its header (dim 8, layers 2, vocab 16) implies %d" % len(full))
    add("trailing_float", full + struct.pack("<f", 1.0), "file has %d bytes but its header" % (len(full) + 4))
    add("trailing_byte", full + b"\x00", "file has %d bytes but its header" % (len(full) + 1))
    # Negative vocab promises a separate classifier that is not there.
    neg = hdr(vocab=-16)
    add("separate_classifier_missing", checkpoint(neg, n_floats=n_tiny),
        "file has %d bytes but its header (dim 8, layers 2, vocab 16, separate classifier) implies %d"
        % (len(full), 28 + 4 * layout(*neg)[1]))
    # Positive vocab but the file carries a classifier: too long.
    add("shared_classifier_extra_table", checkpoint(TINY, n_floats=layout(*neg)[1]), "implies %d" % len(full))
    return cases


def expect_text(cfg):
    t, _ = layout(*cfg)
    lines = ["config %d %d %d %d %d %d %d %d" % (cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], abs(cfg[5]), cfg[6],
                                                  1 if cfg[5] > 0 else 0)]
    lines += ["tensor %s %d %d %d" % x for x in t]
    return "\n".join(lines) + "\n"


def write(path, data, mode="wb"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def clean(d, exts):
    if os.path.isdir(d):
        for f in os.listdir(d):
            if any(f.endswith(e) for e in exts):
                os.remove(os.path.join(d, f))


def main():
    clean(OUT, [".bin", "MANIFEST.txt"])
    clean(os.path.join(OUT, "valid"), [".bin", ".expect"])
    valid = {
        "tiny_shared": TINY,
        "tiny_separate_classifier": (8, 12, 2, 2, 1, -16, 4),
        "mha_one_layer": (16, 40, 1, 4, 4, 10, 3),  # n_kv_heads == n_heads
        "gqa_head_size_2": (8, 4, 3, 4, 2, 5, 7),
    }
    for name, cfg in valid.items():
        write(os.path.join(OUT, "valid", name + ".bin"), checkpoint(cfg))
        write(os.path.join(OUT, "valid", name + ".expect"), expect_text(cfg), "w")
    cases = corrupt_cases()
    assert len({c[0] for c in cases}) == len(cases)
    lines = ["# Corrupt llama2.c corpus, generated by tests/ref/make_corrupt_llama2c.py (do not edit).",
             "# file<TAB>expected status<TAB>substring of the error message"]
    for name, data, status, sub in cases:
        write(os.path.join(OUT, name), data)
        lines.append("%s\t%s\t%s" % (name, status, sub))
    write(os.path.join(OUT, "MANIFEST.txt"), "\n".join(lines) + "\n", "w")
    print("wrote %d corrupt and %d valid files to %s" % (len(cases), len(valid), OUT))


if __name__ == "__main__":
    main()
