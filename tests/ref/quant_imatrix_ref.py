#!/usr/bin/env python3
"""Independent numpy reference for importance-weighted quantization (llama-quantize --imatrix),
transcribed from ggml's published quantize_row_{q4_0,q4_1,q5_0,q5_1}_impl (ggml-quants.c), not
from the C++ code. Every float32 operation is rounded as C rounds it (see quant_kquants_ref.py).

For a row x (n elements) and per-column importances qw:
  sigma2 = (sum_j x_j^2) / n          (float, sequential)
  w_j    = qw_j * sqrtf(sigma2 + x_j^2)
  Q4_0   per 32: d = make_qx_quants(32, nmax 8, x, L, rmse_type 1, w); qs[j] = L[j] | L[j+16] << 4
  Q5_0   per 32: d = make_qx_quants(32, nmax 16, ..., w); low nibbles as Q4_0, bit 4 -> qh
  Q4_1   per 32: d, min = make_qkx3_quants(32, 15, x, w, rmin -0.9, rdelta 0.05, nstep 36, mad 0)
                 block = fp16 d, fp16 (-min)... i.e. m = fp16(the_min negated back), nibbles
  Q5_1   per 32: as Q4_1 with nmax 31, bit 4 -> qh
make_qx_quants with weights: iscale = -nmax / max (max = first element of largest |x|);
L = clamp(nearest_int(iscale x), -nmax, nmax-1); scale = sum(w x l) / sum(w l^2); then for
is in -9..9 (not 0) iscale = -(nmax + 0.1 is) / max, keeping a trial when
sumlx^2 > best * suml2 (best = scale * sumlx). make_qkx3_quants with weights equals
make_qkx2_quants (quant_kquants_ref.make_qkx2_quants).

Usage: /usr/bin/python3 tests/ref/quant_imatrix_ref.py > tests/data/quant/quant_imatrix_ref.txt

Output, one case after another:
  case <name> <TYPE> <n>
  x <n float32 bit patterns, hex>
  w <n float32 bit patterns of the importances, hex>
  bytes <encoded row, hex>
  end
"""
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quant_kquants_ref import (GROUP_MAX_EPS, bits32, f, fp16_bits, make_qkx2_quants,  # noqa: E402
                               nearest_int_vec, q5_pack_bits, seq_sum)

F32 = np.float32


def make_qx_quants_w(x, nmax, w):
    n = len(x)
    amax, mx = f(0), f(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = f(abs(v)), v
    if amax < GROUP_MAX_EPS:
        return f(0), [0] * n
    xv = np.array(x, dtype=np.float32)
    wv = np.array(w, dtype=np.float32)

    def fit(iscale):
        ls = np.clip(nearest_int_vec(iscale * xv), -nmax, nmax - 1)
        lf = ls.astype(np.float32)
        return seq_sum((wv * xv) * lf), seq_sum((wv * lf) * lf), [int(v) for v in ls]

    sumlx, suml2, ls = fit(f(f(-nmax) / mx))
    L = [v + nmax for v in ls]
    scale = f(sumlx / suml2) if suml2 != 0 else f(0)
    best = f(scale * sumlx)
    for is_ in range(-9, 10):
        if is_ == 0:
            continue
        iscale = f(f(-f(f(nmax) + f(f(0.1) * f(is_)))) / mx)
        sumlx, suml2, ls = fit(iscale)
        if suml2 > 0 and f(sumlx * sumlx) > f(best * suml2):
            L = [v + nmax for v in ls]
            scale = f(sumlx / suml2)
            best = f(scale * sumlx)
    return scale, L


def row_weights_all(x, qw):
    xv = np.asarray(x, dtype=np.float32)
    sigma2 = f(seq_sum(xv * xv) / f(len(x)))
    return (np.asarray(qw, dtype=np.float32) * np.sqrt((sigma2 + xv * xv).astype(np.float32))).astype(np.float32)


def encode(t, x, qw):
    w = row_weights_all(x, qw)
    out = b""
    for b in range(len(x) // 32):
        xb = [F32(v) for v in x[32 * b:32 * b + 32]]
        wb = w[32 * b:32 * b + 32]
        if t in ("Q4_0", "Q5_0"):
            nmax = 8 if t == "Q4_0" else 16
            d, L = make_qx_quants_w(xb, nmax, wb)
            if t == "Q4_0":
                out += struct.pack("<H", fp16_bits(d)) + bytes(L[j] | (L[j + 16] << 4) for j in range(16))
            else:
                out += struct.pack("<H", fp16_bits(d)) + q5_pack_bits(L)
        else:
            nmax = 15 if t == "Q4_1" else 31
            d, the_min, L = make_qkx2_quants(xb, wb, nmax, f(-0.9), f(0.05), 36, False)
            head = struct.pack("<HH", fp16_bits(d), fp16_bits(f(-the_min)))
            if t == "Q4_1":
                out += head + bytes(L[j] | (L[j + 16] << 4) for j in range(16))
            else:
                out += head + q5_pack_bits(L)
    return out


def cases():
    rng = np.random.default_rng(20240607)
    out = []
    for t in ("Q4_0", "Q4_1", "Q5_0", "Q5_1"):
        for n in (32, 64, 256):
            x = rng.normal(0, 1, n).astype(np.float32)
            out.append((f"{t.lower()}_normal_{n}", t, x, rng.gamma(1.0, 1.0, n).astype(np.float32)))
        x = rng.normal(0.3, 0.02, 64).astype(np.float32)  # offset block (asymmetric fits matter)
        out.append((f"{t.lower()}_offset", t, x, rng.uniform(0.5, 2.0, 64).astype(np.float32)))
        x = rng.standard_t(3, 128).astype(np.float32)  # heavy tails
        w = np.ones(128, dtype=np.float32)
        w[::7] = 1000.0  # a few columns dominate
        out.append((f"{t.lower()}_dominant_cols", t, x, w))
        x = rng.normal(0, 0.05, 64).astype(np.float32)
        w = rng.gamma(1.0, 1.0, 64).astype(np.float32)
        w[5:20] = 0.0  # dead input columns
        out.append((f"{t.lower()}_zero_weights", t, x, w))
        x = np.concatenate([np.zeros(32, dtype=np.float32), rng.normal(0, 1, 32).astype(np.float32)])
        out.append((f"{t.lower()}_zero_block", t, x, rng.uniform(0.1, 1.0, 64).astype(np.float32)))
        x = np.full(32, -0.75, dtype=np.float32)
        out.append((f"{t.lower()}_constant", t, x, np.ones(32, dtype=np.float32)))
        x = (rng.normal(0, 1, 64) * 1e-3).astype(np.float32)
        out.append((f"{t.lower()}_tiny", t, x, (rng.gamma(2.0, 1.0, 64) * 1e-6).astype(np.float32)))
        x = rng.normal(0, 1, 96).astype(np.float32)
        out.append((f"{t.lower()}_uniform_w", t, x, np.full(96, 3.0, dtype=np.float32)))
    return out


def hexwords(u):
    return " ".join("%08x" % int(v) for v in u)


def main():
    o = sys.stdout
    o.write("# SlimLLM weighted quantization reference vectors: generated by tests/ref/quant_imatrix_ref.py "
            "(numpy %s); do not edit by hand.\n" % np.__version__)
    for name, t, x, w in cases():
        o.write("case %s %s %d\n" % (name, t, len(x)))
        o.write("x %s\n" % hexwords(bits32(x)))
        o.write("w %s\n" % hexwords(bits32(w)))
        o.write("bytes %s\n" % encode(t, list(x), w).hex())
        o.write("end\n")


if __name__ == "__main__":
    main()
