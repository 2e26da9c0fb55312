#!/usr/bin/env python3
"""Corrupt-input corpora for the two files SlimLLM's quality tools read, written from the
formats' descriptions (toolkit/logits_file.hpp, toolkit/imatrix.hpp; the imatrix layout is
llama.cpp's legacy imatrix.dat), not from the C++ code.

Usage: /usr/bin/python3 tests/ref/make_corrupt_quant_eval.py tests/data/corrupt

Writes <dir>/logits/*.bin and <dir>/imatrix/*.dat, each with a MANIFEST.txt
(file<TAB>expected status<TAB>substring of the error message), plus one valid file of each
kind (valid_*.{bin,dat}, status "ok") whose contents the unit test checks.
"""
import os
import struct
import sys

import numpy as np


# ------------------------------------------------------------------ logits base


def logits_header(n_vocab, n_ctx, first, n_chunks, magic=b"SLIMLOGP", version=1, reserved=0):
    return magic + struct.pack("<6I", version, n_vocab, n_ctx, first, n_chunks, reserved)


def logits_row(lo, step, top1, nll, q):
    return struct.pack("<ffIf", lo, step, top1, nll) + np.asarray(q, dtype="<u2").tobytes()


def valid_logits():
    """n_vocab 4, n_ctx 4, first 2 -> one scored row per chunk; one chunk."""
    toks = struct.pack("<4i", 1, 2, 3, 0)
    # log p = lo + step * q: q = (0, 65535, 32768, 100), lo = -8, step = 8 / 65535
    row = logits_row(-8.0, 8.0 / 65535.0, 1, 0.5, [0, 65535, 32768, 100])
    return logits_header(4, 4, 2, 1) + toks + row


def logits_cases():
    v = valid_logits()
    hdr = logits_header(4, 4, 2, 1)
    toks = v[32:48]
    good_row = v[48:]
    yield "valid_logits.bin", v, "ok", ""
    yield "empty.bin", b"", "corrupt_file", "shorter than the 32-byte header"
    yield "short_header.bin", v[:20], "corrupt_file", "shorter than the 32-byte header"
    yield "bad_magic.bin", b"SLIMLOGX" + v[8:], "corrupt_file", "bad magic"
    yield "version_2.bin", logits_header(4, 4, 2, 1, version=2) + v[32:], "corrupt_file", "unsupported version 2"
    yield "vocab_zero.bin", logits_header(0, 4, 2, 1) + v[32:], "corrupt_file", "n_vocab 0 out of range"
    yield "vocab_huge.bin", logits_header(0xFFFFFFFF, 4, 2, 1) + v[32:], "corrupt_file", "out of range"
    yield "ctx_one.bin", logits_header(4, 1, 0, 1) + v[32:], "corrupt_file", "n_ctx 1 out of range"
    yield "first_too_big.bin", logits_header(4, 4, 3, 1) + v[32:], "corrupt_file", "first scored position 3"
    yield "no_chunks.bin", logits_header(4, 4, 2, 0), "corrupt_file", "no chunks"
    yield "reserved.bin", logits_header(4, 4, 2, 1, reserved=7) + v[32:], "corrupt_file", "reserved field"
    yield "truncated.bin", v[:-1], "corrupt_file", "the header implies"
    yield "extra_byte.bin", v + b"\0", "corrupt_file", "the header implies"
    yield "chunks_overflow.bin", logits_header(1 << 24, 1 << 20, 0, 0xFFFFFFFF) + v[32:], "corrupt_file", "overflows"
    yield "token_negative.bin", hdr + struct.pack("<4i", 1, -5, 3, 0) + good_row, "corrupt_file", "token -5 outside the vocabulary"
    yield "token_big.bin", hdr + struct.pack("<4i", 1, 4, 3, 0) + good_row, "corrupt_file", "token 4 outside the vocabulary"
    yield "row_nan_lo.bin", hdr + toks + logits_row(float("nan"), 0.1, 1, 0.5, [0, 1, 2, 3]), "corrupt_file", "offset/step"
    yield "row_negative_step.bin", hdr + toks + logits_row(-8.0, -0.1, 1, 0.5, [0, 1, 2, 3]), "corrupt_file", "offset/step"
    yield "row_inf_step.bin", hdr + toks + logits_row(-8.0, float("inf"), 1, 0.5, [0, 1, 2, 3]), "corrupt_file", "offset/step"
    yield "row_positive_lo.bin", hdr + toks + logits_row(3.0, 0.1, 1, 0.5, [0, 1, 2, 3]), "corrupt_file", "offset/step"
    yield "row_nan_nll.bin", hdr + toks + logits_row(-8.0, 0.1, 1, float("nan"), [0, 1, 2, 3]), "corrupt_file", "nll"
    yield "row_negative_nll.bin", hdr + toks + logits_row(-8.0, 0.1, 1, -1.0, [0, 1, 2, 3]), "corrupt_file", "nll"
    yield "row_top1_big.bin", hdr + toks + logits_row(-8.0, 0.1, 4, 0.5, [0, 1, 2, 3]), "corrupt_file", "top-1 token 4 out of range"


# ------------------------------------------------------------------ imatrix.dat


def im_entry(name, ncall, values, nval=None):
    nb = name.encode()
    nval = len(values) if nval is None else nval
    return struct.pack("<i", len(nb)) + nb + struct.pack("<ii", ncall, nval) + np.asarray(values, dtype="<f4").tobytes()


def im_trailer(chunks, dataset):
    d = dataset.encode()
    return struct.pack("<ii", chunks, len(d)) + d


def valid_imatrix():
    # Stored values are mean * ncall: means (0.5, 1, 2) and (4, 0.25).
    return (struct.pack("<i", 2) + im_entry("blk.0.attn_q.weight", 4, [2.0, 4.0, 8.0])
            + im_entry("blk.0.ffn_down.weight", 2, [8.0, 0.5]) + im_trailer(3, "calib.txt"))


def imatrix_cases():
    e1 = im_entry("blk.0.attn_q.weight", 4, [2.0, 4.0, 8.0])
    one = struct.pack("<i", 1)
    yield "valid_imatrix.dat", valid_imatrix(), "ok", ""
    yield "valid_no_trailer.dat", one + e1, "ok", ""
    yield "empty.dat", b"", "corrupt_file", "truncated header"
    yield "zero_entries.dat", struct.pack("<i", 0), "corrupt_file", "entry count 0 out of range"
    yield "negative_entries.dat", struct.pack("<i", -3), "corrupt_file", "entry count -3 out of range"
    yield "huge_entries.dat", struct.pack("<i", 0x7FFFFFFF) + e1, "corrupt_file", "out of range"
    yield "missing_entry.dat", struct.pack("<i", 2) + e1, "corrupt_file", "entry 1: truncated name length"
    yield "name_len_zero.dat", one + struct.pack("<i", 0), "corrupt_file", "name length 0 out of range"
    yield "name_len_negative.dat", one + struct.pack("<i", -1), "corrupt_file", "name length -1 out of range"
    yield "name_len_huge.dat", one + struct.pack("<i", 1 << 30) + b"abc", "corrupt_file", "out of range"
    yield "name_truncated.dat", one + struct.pack("<i", 40) + b"blk.0", "corrupt_file", "truncated name"
    yield "counts_truncated.dat", one + struct.pack("<i", 5) + b"blk.0" + struct.pack("<i", 1), "corrupt_file", "truncated counts"
    yield "ncall_negative.dat", one + im_entry("blk.0.x", -2, [1.0]), "corrupt_file", "negative ncall"
    yield "nval_zero.dat", one + im_entry("blk.0.x", 1, [], nval=0), "corrupt_file", "value count 0"
    yield "nval_huge.dat", one + im_entry("blk.0.x", 1, [1.0], nval=0x7FFFFFFF), "corrupt_file", "past the end"
    yield "nval_negative.dat", one + im_entry("blk.0.x", 1, [1.0], nval=-4), "corrupt_file", "value count -4"
    yield "value_nan.dat", one + im_entry("blk.0.x", 1, [1.0, float("nan")]), "corrupt_file", "value 1 is negative or not finite"
    yield "value_negative.dat", one + im_entry("blk.0.x", 1, [-1.0]), "corrupt_file", "value 0 is negative"
    yield "value_inf.dat", one + im_entry("blk.0.x", 1, [float("inf")]), "corrupt_file", "not finite"
    yield "duplicate.dat", struct.pack("<i", 2) + e1 + e1, "corrupt_file", "duplicate entry 'blk.0.attn_q.weight'"
    yield "dataset_len_bad.dat", one + e1 + struct.pack("<ii", 1, 99) + b"x", "corrupt_file", "dataset name length 99"
    yield "trailing_garbage.dat", one + e1 + im_trailer(1, "a") + b"zz", "corrupt_file", "unexpected bytes"


def write(dirname, cases, title):
    os.makedirs(dirname, exist_ok=True)
    lines = ["# %s corpus, generated by tests/ref/make_corrupt_quant_eval.py (do not edit)." % title,
             "# file<TAB>expected status<TAB>substring of the error message"]
    for name, data, status, sub in cases:
        with open(os.path.join(dirname, name), "wb") as f:
            f.write(data)
        lines.append("%s\t%s\t%s" % (name, status, sub))
    with open(os.path.join(dirname, "MANIFEST.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    root = sys.argv[1]
    write(os.path.join(root, "logits"), logits_cases(), "Logits base (slim perplexity --save-logits)")
    write(os.path.join(root, "imatrix"), imatrix_cases(), "imatrix.dat")


if __name__ == "__main__":
    main()
