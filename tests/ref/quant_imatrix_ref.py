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

K-quants (quantize_row_q{2,3,4,5,6}_K_impl), per super-block of 256 elements:
  Q2_K   sigma2 = sum x^2 / 256; w = qw sqrtf(sigma2 + x^2) per sub-block of 16, sw_j = sum w;
         (scale_j, min_j) = make_qkx3_quants(16, 3, w, -0.9, 0.05, 36); d = make_qp_quants(16, 15,
         scales, sw), dmin = make_qp_quants(16, 15, mins, sw); scales[j] = Ls | Lm << 4; levels
         requantized against fp16 d, dmin as in the reference quantizer.
  Q3_K   sigma2 = 2 sum x^2 / 256; per 16: make_qx_quants(16, 4, w); d = make_qx_quants(16, 32,
         scales, sw); 6-bit scales Ls packed as the reference does; requantized, hmask.
  Q4_K/Q5_K  sigma2 = 2 sum x^2 / 256; per 32: make_qkx3_quants(32, 15/31, w, -0.9, 0.05, 36);
         d, dmin = make_qp_quants(8, 63, scales/mins, sw) (Q5_K clamps the levels to 63);
         requantized against the packed 6-bit scales/mins.
  Q6_K   per 16: make_qx_quants(16, 32, x, qw) with the raw importances; rest as the reference.
make_qp_quants(n, nmax, x, qw): max = max(0, x); iscale = nmax / max; L = nearest_int(iscale x)
(uint8); best of is in -4..4 by sum qw (x - l / iscale)^2 with l = min(nmax, ...); weighted least
squares sums; then up to five sweeps moving one level to nearest_int(x sl2 / slx) when that
raises slx^2 / sl2; returns sumlx / suml2.

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
from quant_kquants_ref import (GROUP_MAX_EPS, bits32, clamp, f, fp16_bits, fp16_value,  # noqa: E402
                               make_qkx2_quants, nearest_int, nearest_int_vec, pack_2bit,
                               pack_scale_min_k4, q5_pack_bits, scale_min_k4, seq_sum)

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


def make_qp_quants(nmax, x, qw):
    n = len(x)
    mx = f(0)
    for v in x:
        mx = mx if mx > v else v
    if mx == 0:
        return f(0), [0] * n
    iscale = f(f(nmax) / mx)
    L = [nearest_int(f(iscale * v)) & 0xFF for v in x]
    scale = f(f(1) / iscale)
    best = f(0)
    for i in range(n):
        diff = f(x[i] - f(scale * f(L[i])))
        best = f(best + f(f(qw[i] * diff) * diff))
    for is_ in range(-4, 5):
        if is_ == 0:
            continue
        iscale_is = f(f(f(f(0.1) * f(is_)) + f(nmax)) / mx)
        scale_is = f(f(1) / iscale_is)
        mse = f(0)
        for i in range(n):
            l = min(nmax, nearest_int(f(iscale_is * x[i])))
            diff = f(x[i] - f(scale_is * f(l)))
            mse = f(mse + f(f(qw[i] * diff) * diff))
        if mse < best:
            best, iscale = mse, iscale_is
    sumlx, suml2 = f(0), f(0)
    for i in range(n):
        l = min(nmax, nearest_int(f(iscale * x[i])))
        L[i] = l & 0xFF
        sumlx = f(sumlx + f(f(qw[i] * x[i]) * f(l)))
        suml2 = f(suml2 + f(f(qw[i] * f(l)) * f(l)))
    for _ in range(5):
        changed = 0
        for i in range(n):
            w, li = qw[i], f(L[i])
            slx = f(sumlx - f(f(w * x[i]) * li))
            sl2 = f(suml2 - f(f(w * li) * li))
            if slx > 0 and sl2 > 0:
                new_l = min(nmax, nearest_int(f(f(x[i] * sl2) / slx)))
                if new_l != L[i]:
                    slx = f(slx + f(f(w * x[i]) * f(new_l)))
                    sl2 = f(sl2 + f(f(w * f(new_l)) * f(new_l)))
                    if f(f(slx * slx) * suml2) > f(f(sumlx * sumlx) * sl2):
                        L[i], sumlx, suml2 = new_l & 0xFF, slx, sl2
                        changed += 1
        if changed == 0:
            break
    with np.errstate(divide="ignore", invalid="ignore"):
        return f(sumlx / suml2), L


def sub_weights(xs, qw, sigma2):
    xv = np.asarray(xs, dtype=np.float32)
    return [F32(v) for v in (np.asarray(qw, dtype=np.float32)
                             * np.sqrt((sigma2 + xv * xv).astype(np.float32))).astype(np.float32)]


def q2_k_weighted(x, qw):
    xv = np.asarray(x, dtype=np.float32)
    sigma2 = f(seq_sum(xv * xv) / f(256))
    L, scales, mins, sw = [], [], [], []
    for j in range(16):
        xs = x[16 * j:16 * j + 16]
        w = sub_weights(xs, qw[16 * j:16 * j + 16], sigma2)
        sw.append(seq_sum(w))
        sc, mn, lj = make_qkx2_quants(xs, w, 3, f(-0.9), f(0.05), 36, False)
        L += lj
        scales.append(sc)
        mins.append(mn)
    dm, Ls = make_qp_quants(15, scales, sw)
    mm, Lm = make_qp_quants(15, mins, sw)
    d, dmin = fp16_bits(dm), fp16_bits(mm)
    sb = [(Ls[j] | (Lm[j] << 4)) & 0xFF for j in range(16)]
    for j in range(16):
        dd = f(fp16_value(d) * f(sb[j] & 0xF))
        if dd == 0:
            continue
        m = f(fp16_value(dmin) * f(sb[j] >> 4))
        for ii in range(16):
            L[16 * j + ii] = clamp(nearest_int(f(f(x[16 * j + ii] + m) / dd)), 0, 3)
    return bytes(sb) + pack_2bit(L) + struct.pack("<HH", d, dmin)


def q3_k_weighted(x, qw):
    xv = np.asarray(x, dtype=np.float32)
    sigma2 = f(f(f(2) * seq_sum(xv * xv)) / f(256))
    L, scales, sw = [], [], []
    for j in range(16):
        xs = x[16 * j:16 * j + 16]
        w = sub_weights(xs, qw[16 * j:16 * j + 16], sigma2)
        sw.append(seq_sum(w))
        sc, lj = make_qx_quants_w(xs, 4, w)
        L += lj
        scales.append(sc)
    d_block, Ls = make_qx_quants_w(scales, 32, sw)
    s = [0] * 12
    for j in range(16):
        l = Ls[j]
        if j < 8:
            s[j] = l & 0xF
        else:
            s[j - 8] |= (l & 0xF) << 4
        s[j % 4 + 8] |= (l >> 4) << (2 * (j // 4))
    s = [v & 0xFF for v in s]
    d = fp16_bits(d_block)
    for j in range(16):
        sc = (s[j] & 0xF) if j < 8 else (s[j - 8] >> 4)
        sc = (sc | (((s[8 + j % 4] >> (2 * (j // 4))) & 3) << 4)) - 32
        dd = f(fp16_value(d) * f(sc))
        if dd == 0:
            continue
        for ii in range(16):
            L[16 * j + ii] = clamp(nearest_int(f(x[16 * j + ii] / dd)), -4, 3) + 4
    hmask = [0] * 32
    for j in range(256):
        if L[j] > 3:
            hmask[j % 32] |= 1 << (j // 32)
            L[j] -= 4
    return bytes(hmask) + pack_2bit(L) + bytes(s) + struct.pack("<H", d)


def q45_k_weighted(x, qw, nmax):
    xv = np.asarray(x, dtype=np.float32)
    sigma2 = f(f(f(2) * seq_sum(xv * xv)) / f(256))
    L, scales, mins, sw = [], [], [], []
    for j in range(8):
        xs = x[32 * j:32 * j + 32]
        w = sub_weights(xs, qw[32 * j:32 * j + 32], sigma2)
        sw.append(seq_sum(w))
        sc, mn, lj = make_qkx2_quants(xs, w, nmax, f(-0.9), f(0.05), 36, False)
        L += lj
        scales.append(sc)
        mins.append(mn)
    d_block, Ls = make_qp_quants(63, scales, sw)
    m_block, Lm = make_qp_quants(63, mins, sw)
    if nmax == 31:
        Ls, Lm = [min(63, v) for v in Ls], [min(63, v) for v in Lm]
    s = [v & 0xFF for v in pack_scale_min_k4(Ls, Lm)]
    d, dmin = fp16_bits(d_block), fp16_bits(m_block)
    for j in range(8):
        sc, m = scale_min_k4(j, s)
        dd = f(fp16_value(d) * f(sc))
        if dd == 0:
            continue
        dm = f(fp16_value(dmin) * f(m))
        for ii in range(32):
            L[32 * j + ii] = clamp(nearest_int(f(f(x[32 * j + ii] + dm) / dd)), 0, nmax)
    head = struct.pack("<HH", d, dmin) + bytes(s)
    if nmax == 15:
        return head + bytes(L[64 * c + l] | (L[64 * c + 32 + l] << 4) for c in range(4) for l in range(32))
    qh, ql = [0] * 32, []
    for c in range(4):
        for l in range(32):
            lo, hi = L[64 * c + l], L[64 * c + 32 + l]
            qh[l] |= ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1))
            ql.append((lo & 15) | ((hi & 15) << 4))
    return head + bytes(qh) + bytes(ql)


def q6_k_weighted(x, qw):
    L, scales = [], []
    max_scale, max_abs = f(0), f(0)
    for ib in range(16):
        sc, lj = make_qx_quants_w(x[16 * ib:16 * ib + 16], 32, [F32(v) for v in qw[16 * ib:16 * ib + 16]])
        L += lj
        scales.append(sc)
        if abs(sc) > max_abs:
            max_abs, max_scale = f(abs(sc)), sc
    if max_abs < GROUP_MAX_EPS:
        return bytes(208) + struct.pack("<H", fp16_bits(f(0)))
    iscale = f(f(-128) / max_scale)
    d = fp16_bits(f(f(1) / iscale))
    sb = [((min(127, nearest_int(f(iscale * scales[ib]))) + 128) & 0xFF) - 128 for ib in range(16)]
    for j in range(16):
        dd = f(fp16_value(d) * f(sb[j]))
        if dd == 0:
            continue
        for ii in range(16):
            L[16 * j + ii] = clamp(nearest_int(f(x[16 * j + ii] / dd)), -32, 31) + 32
    ql, qh = [0] * 128, [0] * 64
    for e in range(256):
        h, t, l = e // 128, (e % 128) // 32, e % 32
        ql[64 * h + 32 * (t % 2) + l] |= (L[e] & 15) << (4 * (t // 2))
        qh[32 * h + l] |= (L[e] >> 4) << (2 * t)
    return bytes(ql) + bytes(qh) + struct.pack("<16b", *sb) + struct.pack("<H", d)


K_ENCODERS = {
    "Q2_K": q2_k_weighted,
    "Q3_K": q3_k_weighted,
    "Q4_K": lambda x, qw: q45_k_weighted(x, qw, 15),
    "Q5_K": lambda x, qw: q45_k_weighted(x, qw, 31),
    "Q6_K": q6_k_weighted,
}


def encode_k(t, x, qw):
    xs = [F32(v) for v in x]
    return b"".join(K_ENCODERS[t](xs[256 * b:256 * b + 256], [F32(v) for v in qw[256 * b:256 * b + 256]])
                    for b in range(len(x) // 256))


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
    for t in ("Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"):
        x = rng.normal(0, 1, 512).astype(np.float32)
        out.append((f"{t.lower()}_normal_512", t, x, rng.gamma(1.0, 1.0, 512).astype(np.float32)))
        x = rng.standard_t(3, 256).astype(np.float32)
        w = rng.uniform(0.5, 1.5, 256).astype(np.float32)
        w[::11] = 500.0
        out.append((f"{t.lower()}_dominant_cols", t, x, w))
        x = (rng.normal(0.2, 0.05, 256)).astype(np.float32)  # offset super-block
        w = rng.gamma(2.0, 1.0, 256).astype(np.float32)
        w[40:90] = 0.0  # dead input columns
        out.append((f"{t.lower()}_offset_zero_w", t, x, w))
        x = rng.normal(0, 1, 256).astype(np.float32)
        x[:64] = 0.0  # zero sub-blocks
        out.append((f"{t.lower()}_zero_subblocks", t, x, rng.uniform(0.1, 1.0, 256).astype(np.float32)))
        x = (rng.normal(0, 1, 256) * 0.01).astype(np.float32)
        out.append((f"{t.lower()}_small_uniform_w", t, x, np.full(256, 0.37, dtype=np.float32)))
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
        data = encode_k(t, x, w) if t in K_ENCODERS else encode(t, list(x), w)
        o.write("bytes %s\n" % data.hex())
        o.write("end\n")


if __name__ == "__main__":
    main()
