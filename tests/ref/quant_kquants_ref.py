#!/usr/bin/env python3
"""Independent numpy reference for SlimLLM's Q4_1, Q5_0, Q5_1 and K-quant row codecs.

Written from the published GGUF/ggml block layouts (ggml-common.h: block_q4_1 ... block_q8_K)
and ggml's reference quantizers (ggml-quants.c: quantize_row_*_ref without importance matrix,
make_qx_quants, make_q3_quants, make_qkx2_quants, nearest_int), not from the C++ code. Every
float operation is a float32 operation in ggml's order (no fused multiply-add), sums are
sequential, so both the bytes and the decoded floats are exact.

Layouts (little-endian, packed; "fp16" is IEEE binary16; element e of a block):
  Q4_1  20 B: fp16 d, fp16 m, qs[16]. q = low nibble of qs[e] (e < 16) / high nibble of
        qs[e-16].                                                   y = q*d + m
  Q5_0  22 B: fp16 d, qh[4] (u32), qs[16]. q = nibble as Q4_1 | bit e of qh << 4.
                                                                    y = (q - 16)*d
  Q5_1  24 B: fp16 d, fp16 m, qh[4], qs[16].                        y = q*d + m
  Q2_K  84 B: scales[16], qs[64], fp16 d, fp16 dmin. e = 128h + 32s + l (l < 32):
        q = (qs[32h + l] >> 2s) & 3; sub-block b = e/16, sc = scales[b] & 15, mn = scales[b] >> 4.
                                                      y = (d*sc)*q - dmin*mn
  Q3_K 110 B: hmask[32], qs[64], scales[12], fp16 d. Low two bits as Q2_K; high bit =
        bit (e/32) of hmask[e%32]; q = low - (high ? 0 : 4). 6-bit scale b (b = e/16): low four
        bits in the low (b < 8) / high (b >= 8) nibble of scales[b%8], top two bits at bit 2*(b/4)
        of scales[8 + b%4].                           y = (d*(sc - 32))*q
  Q4_K 144 B: fp16 d, fp16 dmin, scales[12], qs[128]. e = 64c + 32u + l: q = nibble u of
        qs[32c + l]; sub-block b = e/32 with 6-bit scale/min packed as ggml's get_scale_min_k4:
        b < 4: sc = s[b] & 63, mn = s[b+4] & 63; else sc = (s[b+4] & 15) | (s[b-4] >> 6) << 4,
        mn = (s[b+4] >> 4) | (s[b] >> 6) << 4.         y = (d*sc)*q - dmin*mn
  Q5_K 176 B: fp16 d, fp16 dmin, scales[12], qh[32], qs[128]. As Q4_K, plus 16 if bit
        (2c + u) of qh[l] is set.
  Q6_K 210 B: ql[128], qh[64], int8 scales[16], fp16 d. e = 128h + 32t + l: low four bits =
        nibble (t/2) of ql[64h + 32(t%2) + l], top two = bits 2t..2t+1 of qh[32h + l];
        q = that - 32, sub-block b = e/16.             y = (d*scales[b])*q
  Q8_K 292 B: float32 d, int8 qs[256], int16 bsums[16] (sum of each 16 qs). y = d*q

Inputs: hand-picked edge cases (zero, constant, one-signed, tiny, large, heavy-tailed, sparse and
ramp super-blocks), decode-only blocks of hand-made and random bytes, and for Q2_K..Q6_K
super-blocks chosen from a seeded pool so that leaving out any single trial of the fit changes
some bytes (coverage_cases). This script's arithmetic was also checked once, byte for byte, against
a compiled ggml (libggml-base, quantize_row_*_ref and dequantize_row_*) on these cases.

Usage: /usr/bin/python3 tests/ref/quant_kquants_ref.py > tests/data/quant/quant_kquants_ref.txt
(about three minutes; progress on stderr)

Output, one case after another (the "x" line is absent for decode-only cases built from
hand-constructed or random bytes):
  case <name> <TYPE> <n>
  x <n float32 bit patterns, hex>
  bytes <encoded row, hex>
  y <n float32 bit patterns of the decoded row, hex>
  end
"""

import struct
import sys

import numpy as np

F32 = np.float32
QK_K = 256
GROUP_MAX_EPS = F32(1e-15)

# Used only to pick fixture inputs (see coverage_cases): TRACE collects the trials of
# make_qx_quants / make_qkx2_quants that improved the fit and the sweeps of make_q3_quants that
# changed a level; SKIP names one such trial (sweep) to leave out, giving a mutated quantizer.
TRACE = []
SKIP = None


def f(v):
    return F32(v)


def bits32(a):
    return np.asarray(a, dtype=np.float32).view(np.uint32)


def fp16_bits(v):
    with np.errstate(over="ignore"):
        return int(np.array([v], dtype=np.float32).astype(np.float16).view(np.uint16)[0])


def fp16_value(h):
    return F32(np.array([h], dtype=np.uint16).view(np.float16).astype(np.float32)[0])


def nearest_int(v):
    """ggml's nearest_int: add 1.5 * 2**23 in float32 and read the low mantissa bits."""
    val = F32(F32(v) + F32(12582912.0))
    i = int(np.array([val], dtype=np.float32).view(np.int32)[0])
    return (i & 0x007FFFFF) - 0x00400000


def wrap8(v):  # C conversion of an int to int8_t (two's complement)
    return ((v + 128) & 0xFF) - 128


def trunc_int(v):  # C float -> integer conversion (toward zero), for in-range values
    return int(np.trunc(np.float64(v)))


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


# Vector forms for the fitting loops: element-wise float32 ops round exactly like C's scalar
# ones, and sums stay sequential (np.add.accumulate, not the pairwise np.sum).
def nearest_int_vec(v):
    val = (np.asarray(v, dtype=np.float32) + F32(12582912.0)).astype(np.float32)
    return (val.view(np.int32).astype(np.int64) & 0x007FFFFF) - 0x00400000


def seq_sum(terms, start_at_zero=True):
    """C's `float s = 0; for (...) s += t[i];` (or s = t[0] first when start_at_zero is False)."""
    t = np.asarray(terms, dtype=np.float32)
    if start_at_zero:
        t = np.concatenate([np.zeros(1, dtype=np.float32), t])
    return F32(np.add.accumulate(t, dtype=np.float32)[-1])


# ================================================================ legacy 32-element formats


def q4_1_quantize(xb):
    mn, mx = F32(3.4028235e38), F32(-3.4028235e38)
    for v in xb:
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    d = f(f(mx - mn) / f(15))
    id_ = f(f(1) / d) if d != 0 else f(0)
    q = [min(15, trunc_int(f(f(f(v - mn) * id_) + f(0.5)))) for v in xb]
    qs = bytes(q[j] | (q[j + 16] << 4) for j in range(16))
    return struct.pack("<HH", fp16_bits(d), fp16_bits(mn)) + qs


def q4_1_decode(blk):
    d, m = fp16_value(blk[0] | blk[1] << 8), fp16_value(blk[2] | blk[3] << 8)
    qs = blk[4:20]
    return [f(f(f(qs[e % 16] >> (4 * (e // 16)) & 15) * d) + m) for e in range(32)]


def q5_pack_bits(q):
    qh = 0
    for e in range(32):
        qh |= ((q[e] >> 4) & 1) << e
    qs = bytes((q[j] & 15) | ((q[j + 16] & 15) << 4) for j in range(16))
    return struct.pack("<I", qh) + qs


def q5_unpack(qh_bytes, qs):
    qh = struct.unpack("<I", bytes(qh_bytes))[0]
    return [(qs[e % 16] >> (4 * (e // 16)) & 15) | (((qh >> e) & 1) << 4) for e in range(32)]


def q5_0_quantize(xb):
    amax, mx = f(0), f(0)
    for v in xb:
        if amax < abs(v):
            amax, mx = f(abs(v)), v
    d = f(mx / f(-16))
    id_ = f(f(1) / d) if d != 0 else f(0)
    q = [min(31, trunc_int(f(f(v * id_) + f(16.5)))) for v in xb]
    return struct.pack("<H", fp16_bits(d)) + q5_pack_bits(q)


def q5_0_decode(blk):
    d = fp16_value(blk[0] | blk[1] << 8)
    q = q5_unpack(blk[2:6], blk[6:22])
    return [f(f(q[e] - 16) * d) for e in range(32)]


def q5_1_quantize(xb):
    mn, mx = F32(3.4028235e38), F32(-3.4028235e38)
    for v in xb:
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    d = f(f(mx - mn) / f(31))
    id_ = f(f(1) / d) if d != 0 else f(0)
    q = [trunc_int(f(f(f(v - mn) * id_) + f(0.5))) & 0xFF for v in xb]
    return struct.pack("<HH", fp16_bits(d), fp16_bits(mn)) + q5_pack_bits(q)


def q5_1_decode(blk):
    d, m = fp16_value(blk[0] | blk[1] << 8), fp16_value(blk[2] | blk[3] << 8)
    q = q5_unpack(blk[4:8], blk[8:24])
    return [f(f(f(q[e]) * d) + m) for e in range(32)]


# ================================================================ K-quant fitting helpers


def make_qx_quants(x, nmax):
    """ggml make_qx_quants(n, nmax, x, L, rmse_type = 1, qw = NULL): returns (scale, L)."""
    n = len(x)
    amax, mx = f(0), f(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = f(abs(v)), v
    if amax < GROUP_MAX_EPS:
        return f(0), [0] * n
    xv = np.array(x, dtype=np.float32)
    w = xv * xv

    def fit(iscale):
        ls = np.clip(nearest_int_vec(iscale * xv), -nmax, nmax - 1)
        lf = ls.astype(np.float32)
        return seq_sum((w * xv) * lf), seq_sum((w * lf) * lf), [int(l) for l in ls]

    iscale = f(f(-nmax) / mx)
    sumlx, suml2, ls = fit(iscale)
    L = [l + nmax for l in ls]
    scale = f(sumlx / suml2) if suml2 != 0 else f(0)
    best = f(scale * sumlx)
    for is_ in range(-9, 10):
        if is_ == 0 or SKIP == ("qx", is_):
            continue
        iscale = f(f(-f(f(nmax) + f(f(0.1) * f(is_)))) / mx)
        sumlx, suml2, ls = fit(iscale)
        if suml2 > 0 and f(sumlx * sumlx) > f(best * suml2):
            L = [l + nmax for l in ls]
            scale = f(sumlx / suml2)
            best = f(scale * sumlx)
            TRACE.append(("qx", is_))
    return scale, L


def make_q3_quants(x, nmax):
    """ggml make_q3_quants(n, nmax, x, L, do_rmse = true): returns (scale, L)."""
    n = len(x)
    amax, mx = f(0), f(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = f(abs(v)), v
    if amax < GROUP_MAX_EPS:
        return f(0), [0] * n
    iscale = f(f(-nmax) / mx)
    sumlx, suml2, L = f(0), f(0), []
    for i in range(n):
        l = clamp(nearest_int(f(iscale * x[i])), -nmax, nmax - 1)
        L.append(l)
        w = f(x[i] * x[i])
        sumlx = f(sumlx + f(f(w * x[i]) * f(l)))
        suml2 = f(suml2 + f(f(w * f(l)) * f(l)))
    for itry in range(5):
        if SKIP == ("q3", itry):
            break
        n_changed = 0
        for i in range(n):
            w = f(x[i] * x[i])
            slx = f(sumlx - f(f(w * x[i]) * f(L[i])))
            if slx > 0:
                sl2 = f(suml2 - f(f(w * f(L[i])) * f(L[i])))
                new_l = clamp(nearest_int(f(f(x[i] * sl2) / slx)), -nmax, nmax - 1)
                if new_l != L[i]:
                    slx = f(slx + f(f(w * x[i]) * f(new_l)))
                    sl2 = f(sl2 + f(f(w * f(new_l)) * f(new_l)))
                    if sl2 > 0 and f(f(slx * slx) * suml2) > f(f(sumlx * sumlx) * sl2):
                        L[i], sumlx, suml2 = new_l, slx, sl2
                        n_changed += 1
        if n_changed == 0:
            break
        TRACE.append(("q3", itry))
    L = [l + nmax for l in L]
    return (f(sumlx / suml2) if suml2 > 0 else f(0)), L


def make_qkx2_quants(x, w, nmax, rmin, rdelta, nstep, use_mad):
    """ggml make_qkx2_quants: returns (scale, the_min, L) for x ~ scale*L - the_min."""
    n = len(x)
    mn, mx = x[0], x[0]
    for i in range(1, n):
        if x[i] < mn:
            mn = x[i]
        if x[i] > mx:
            mx = x[i]
    xv = np.array(x, dtype=np.float32)
    wv = np.array(w, dtype=np.float32)
    sum_w = seq_sum(wv, start_at_zero=False)
    sum_x = seq_sum(np.concatenate([[f(wv[0] * xv[0])], wv[1:] * xv[1:]]), start_at_zero=False)
    if mn > 0:
        mn = f(0)
    if mx == mn:
        return f(0), f(-mn), [0] * n

    def error(scale, mn_, lf):
        diff = ((scale * lf) + mn_) - xv
        return seq_sum(wv * (np.abs(diff) if use_mad else diff * diff))

    iscale = f(f(nmax) / f(mx - mn))
    scale = f(f(1) / iscale)
    lv = np.clip(nearest_int_vec(iscale * (xv - mn)), 0, nmax)
    L = [int(l) for l in lv]
    best_error = error(scale, mn, lv.astype(np.float32))
    for is_ in range(nstep + 1):
        if SKIP == ("qkx2", is_):
            continue
        iscale = f(f(f(rmin + f(rdelta * f(is_))) + f(nmax)) / f(mx - mn))
        laux = np.clip(nearest_int_vec(iscale * (xv - mn)), 0, nmax)
        lf = laux.astype(np.float32)
        sum_l = seq_sum(wv * lf)
        sum_l2 = seq_sum((wv * lf) * lf)
        sum_xl = seq_sum((wv * lf) * xv)
        D = f(f(sum_w * sum_l2) - f(sum_l * sum_l))
        if D > 0:
            this_scale = f(f(f(sum_w * sum_xl) - f(sum_x * sum_l)) / D)
            this_min = f(f(f(sum_l2 * sum_x) - f(sum_l * sum_xl)) / D)
            if this_min > 0:
                this_min = f(0)
                this_scale = f(sum_xl / sum_l2)
            cur_error = error(this_scale, this_min, lf)
            if cur_error < best_error:
                L, best_error, scale, mn = [int(l) for l in laux], cur_error, this_scale, this_min
                TRACE.append(("qkx2", is_))
    return scale, f(-mn), L


def scale_min_k4(j, s):
    if j < 4:
        return s[j] & 63, s[j + 4] & 63
    return (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4)


def pack_scale_min_k4(ls, lm):
    s = [0] * 12
    for j in range(8):
        if j < 4:
            s[j] = ls[j]
            s[j + 4] = lm[j]
        else:
            s[j + 4] = (ls[j] & 0xF) | ((lm[j] & 0xF) << 4)
            s[j - 4] |= (ls[j] >> 4) << 6
            s[j] |= (lm[j] >> 4) << 6
    return s


def pack_2bit(L):
    """Q2_K / Q3_K low bits: element 128h + 32s + l at bits 2s of qs[32h + l]."""
    return bytes(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6)
                 for j in (0, 128) for l in range(32))


# ================================================================ K-quant quantizers


def q2_k_quantize(x):
    L, scales, mins = [], [], []
    max_scale, max_min = f(0), f(0)
    for j in range(16):
        xs = x[16 * j: 16 * j + 16]
        sc, mn, lj = make_qkx2_quants(xs, [f(abs(v)) for v in xs], 3, f(-0.5), f(0.1), 15, True)
        L += lj
        scales.append(sc)
        mins.append(mn)
        if sc > max_scale:
            max_scale = sc
        if mn > max_min:
            max_min = mn
    q4scale = f(15)
    sb = [0] * 16
    if max_scale > 0:
        iscale = f(q4scale / max_scale)
        sb = [nearest_int(f(iscale * scales[j])) & 0xFF for j in range(16)]
        d = fp16_bits(f(max_scale / q4scale))
    else:
        d = fp16_bits(f(0))
    if max_min > 0:
        iscale = f(q4scale / max_min)
        sb = [(sb[j] | (nearest_int(f(iscale * mins[j])) << 4)) & 0xFF for j in range(16)]
        dmin = fp16_bits(f(max_min / q4scale))
    else:
        dmin = fp16_bits(f(0))
    for j in range(16):
        dd = f(fp16_value(d) * f(sb[j] & 0xF))
        if dd == 0:
            continue
        dm = f(fp16_value(dmin) * f(sb[j] >> 4))
        for ii in range(16):
            L[16 * j + ii] = clamp(nearest_int(f(f(x[16 * j + ii] + dm) / dd)), 0, 3)
    return bytes(sb) + pack_2bit(L) + struct.pack("<HH", d, dmin)


def q3_k_quantize(x):
    L, scales = [], []
    max_scale, amax = f(0), f(0)
    for j in range(16):
        sc, lj = make_q3_quants(x[16 * j: 16 * j + 16], 4)
        L += lj
        scales.append(sc)
        if abs(sc) > amax:
            amax, max_scale = f(abs(sc)), sc
    s = [0] * 12
    if max_scale != 0:
        iscale = f(f(-32) / max_scale)
        for j in range(16):
            l = clamp(wrap8(nearest_int(f(iscale * scales[j]))), -32, 31) + 32
            if j < 8:
                s[j] = l & 0xF
            else:
                s[j - 8] |= (l & 0xF) << 4
            s[j % 4 + 8] |= (l >> 4) << (2 * (j // 4))
        d = fp16_bits(f(f(1) / iscale))
    else:
        d = fp16_bits(f(0))
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


def q45_k_fit(x, nmax, rmin, rdelta, nstep):
    """The shared part of quantize_row_q4_K_ref / q5_K_ref: (d, dmin, scale bytes, L)."""
    L, scales, mins = [], [], []
    max_scale, max_min = f(0), f(0)
    for j in range(8):
        xs = x[32 * j: 32 * j + 32]
        sum_x2 = f(0)
        for v in xs:
            sum_x2 = f(sum_x2 + f(v * v))
        av_x = f(np.sqrt(f(sum_x2 / f(32))))
        w = [f(av_x + f(abs(v))) for v in xs]
        sc, mn, lj = make_qkx2_quants(xs, w, nmax, rmin, rdelta, nstep, False)
        L += lj
        scales.append(sc)
        mins.append(mn)
        if sc > max_scale:
            max_scale = sc
        if mn > max_min:
            max_min = mn
    inv_scale = f(f(63) / max_scale) if max_scale > 0 else f(0)
    inv_min = f(f(63) / max_min) if max_min > 0 else f(0)
    ls = [min(63, nearest_int(f(inv_scale * scales[j])) & 0xFF) for j in range(8)]
    lm = [min(63, nearest_int(f(inv_min * mins[j])) & 0xFF) for j in range(8)]
    s = pack_scale_min_k4(ls, lm)
    d = fp16_bits(f(max_scale / f(63)))
    dmin = fp16_bits(f(max_min / f(63)))
    for j in range(8):
        sc, m = scale_min_k4(j, s)
        dd = f(fp16_value(d) * f(sc))
        if dd == 0:
            continue
        dm = f(fp16_value(dmin) * f(m))
        for ii in range(32):
            L[32 * j + ii] = clamp(nearest_int(f(f(x[32 * j + ii] + dm) / dd)), 0, nmax)
    return d, dmin, s, L


def q4_k_quantize(x):
    d, dmin, s, L = q45_k_fit(x, 15, f(-1), f(0.1), 20)
    qs = bytes(L[64 * c + l] | (L[64 * c + 32 + l] << 4) for c in range(4) for l in range(32))
    return struct.pack("<HH", d, dmin) + bytes(s) + qs


def q5_k_quantize(x):
    d, dmin, s, L = q45_k_fit(x, 31, f(-0.5), f(0.1), 15)
    qh = [0] * 32
    ql = []
    for c in range(4):
        for l in range(32):
            lo, hi = L[64 * c + l], L[64 * c + 32 + l]
            qh[l] |= ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1))
            ql.append((lo & 15) | ((hi & 15) << 4))
    return struct.pack("<HH", d, dmin) + bytes(s) + bytes(qh) + bytes(ql)


def q6_k_quantize(x):
    L, scales = [], []
    max_scale, max_abs = f(0), f(0)
    for ib in range(16):
        sc, lj = make_qx_quants(x[16 * ib: 16 * ib + 16], 32)
        L += lj
        scales.append(sc)
        if abs(sc) > max_abs:
            max_abs, max_scale = f(abs(sc)), sc
    if max_abs < GROUP_MAX_EPS:
        return bytes(208) + struct.pack("<H", fp16_bits(f(0)))
    iscale = f(f(-128) / max_scale)
    d = fp16_bits(f(f(1) / iscale))
    sb = [wrap8(min(127, nearest_int(f(iscale * scales[ib])))) for ib in range(16)]
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


def q8_k_quantize(x):
    amax, mx = f(0), f(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = f(abs(v)), v
    if amax == 0:  # ggml leaves bsums unset here; SlimLLM writes zeros
        return struct.pack("<f", 0.0) + bytes(256 + 32)
    iscale = f(f(-127) / mx)
    q = [wrap8(min(127, nearest_int(f(iscale * v)))) for v in x]
    bsums = [sum(q[16 * j: 16 * j + 16]) for j in range(16)]
    d = f(f(1) / iscale)
    return struct.pack("<f", d) + struct.pack("<256b", *q) + struct.pack("<16h", *bsums)


# ================================================================ K-quant decoders


def half_at(blk, off):
    return fp16_value(blk[off] | blk[off + 1] << 8)


def q2_k_decode(blk):
    scales, qs, d, dmin = blk[0:16], blk[16:80], half_at(blk, 80), half_at(blk, 82)
    y = []
    for e in range(256):
        h, s, l = e // 128, (e % 128) // 32, e % 32
        q = (qs[32 * h + l] >> (2 * s)) & 3
        sc = scales[e // 16]
        y.append(f(f(f(d * f(sc & 15)) * f(q)) - f(dmin * f(sc >> 4))))
    return y


def q3_k_decode(blk):
    hmask, qs, sb, d = blk[0:32], blk[32:96], blk[96:108], half_at(blk, 108)
    y = []
    for e in range(256):
        h, s, l = e // 128, (e % 128) // 32, e % 32
        low = (qs[32 * h + l] >> (2 * s)) & 3
        q = low - (0 if (hmask[l] >> (e // 32)) & 1 else 4)
        b = e // 16
        sc = (sb[b % 8] >> (4 * (b // 8))) & 15 | ((sb[8 + b % 4] >> (2 * (b // 4))) & 3) << 4
        y.append(f(f(d * f(sc - 32)) * f(q)))
    return y


def q45_k_decode(blk, with_high):
    d, dmin, s = half_at(blk, 0), half_at(blk, 2), blk[4:16]
    qh = blk[16:48] if with_high else None
    qs = blk[48:176] if with_high else blk[16:144]
    y = []
    for e in range(256):
        c, u, l = e // 64, (e % 64) // 32, e % 32
        q = (qs[32 * c + l] >> (4 * u)) & 15
        if with_high and (qh[l] >> (2 * c + u)) & 1:
            q += 16
        sc, m = scale_min_k4(e // 32, s)
        y.append(f(f(f(d * f(sc)) * f(q)) - f(dmin * f(m))))
    return y


def q6_k_decode(blk):
    ql, qh, d = blk[0:128], blk[128:192], half_at(blk, 208)
    sb = struct.unpack("<16b", bytes(blk[192:208]))
    y = []
    for e in range(256):
        h, t, l = e // 128, (e % 128) // 32, e % 32
        low = (ql[64 * h + 32 * (t % 2) + l] >> (4 * (t // 2))) & 15
        high = (qh[32 * h + l] >> (2 * t)) & 3
        y.append(f(f(d * f(sb[e // 16])) * f((low | high << 4) - 32)))
    return y


def q8_k_decode(blk):
    d = F32(struct.unpack("<f", bytes(blk[0:4]))[0])
    q = struct.unpack("<256b", bytes(blk[4:260]))
    return [f(d * f(v)) for v in q]


# Per type: (block elements, block bytes, quantize one block, decode one block).
TYPES = {
    "Q4_1": (32, 20, q4_1_quantize, q4_1_decode),
    "Q5_0": (32, 22, q5_0_quantize, q5_0_decode),
    "Q5_1": (32, 24, q5_1_quantize, q5_1_decode),
    "Q2_K": (256, 84, q2_k_quantize, q2_k_decode),
    "Q3_K": (256, 110, q3_k_quantize, q3_k_decode),
    "Q4_K": (256, 144, q4_k_quantize, lambda b: q45_k_decode(b, False)),
    "Q5_K": (256, 176, q5_k_quantize, lambda b: q45_k_decode(b, True)),
    "Q6_K": (256, 210, q6_k_quantize, q6_k_decode),
    "Q8_K": (256, 292, q8_k_quantize, q8_k_decode),
}


def encode(t, x):
    qk, nbytes, quant, _ = TYPES[t]
    out = bytearray()
    for b in range(len(x) // qk):
        blk = quant([F32(v) for v in x[b * qk: (b + 1) * qk]])
        assert len(blk) == nbytes
        out += blk
    return bytes(out)


def decode(t, data):
    _, nbytes, _, dec = TYPES[t]
    y = []
    for off in range(0, len(data), nbytes):
        y += dec(data[off: off + nbytes])
    return np.array(y, dtype=np.float32)


# ================================================================ inputs


def f32(values):
    return np.array(values, dtype=np.float32)


# fp16 fields of hand-made and random blocks: finite values incl. negative and subnormal.
FP16_PICKS = [0x3C00, 0xBC00, 0x2E66, 0x0001, 0x03FF, 0x7BFF, 0xFBFF, 0x0000, 0x8000, 0x1400,
              0x5640, 0xA8F5]


def random_block_bytes(rng, t):
    """Random bytes with the fp16 (or float32) scale fields set to finite values."""
    qk, nbytes, _, _ = TYPES[t]
    b = bytearray(rng.integers(0, 256, nbytes, dtype=np.uint8).tobytes())

    def put_half(off):
        if rng.random() < 0.5:
            h = FP16_PICKS[int(rng.integers(len(FP16_PICKS)))]
        else:  # random finite: exponent field below 31
            h = int(rng.integers(0, 0x7C00)) | (int(rng.integers(2)) << 15)
        b[off: off + 2] = struct.pack("<H", h)

    fields = {"Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q2_K": [80, 82], "Q3_K": [108],
              "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}
    if t == "Q8_K":
        b[0:4] = struct.pack("<f", float(rng.standard_normal() * 10.0 ** rng.uniform(-6, 3)))
    else:
        for off in fields[t]:
            put_half(off)
    return bytes(b)


def hand_blocks(t):
    """Hand-constructed blocks: all-ones bits, a byte pattern, and all-zero quants."""
    qk, nbytes, _, _ = TYPES[t]
    ones = bytearray([0xFF] * nbytes)
    pattern = bytearray((i * 37 + 11) & 0xFF for i in range(nbytes))
    zeros = bytearray(nbytes)
    halves = {"Q4_1": [(0, 0x3C00), (2, 0xC000)], "Q5_0": [(0, 0x3800)],
              "Q5_1": [(0, 0x3400), (2, 0x4200)], "Q2_K": [(80, 0x3C00), (82, 0x3800)],
              "Q3_K": [(108, 0xB400)], "Q4_K": [(0, 0x2C00), (2, 0x2400)],
              "Q5_K": [(0, 0x2C00), (2, 0xA400)], "Q6_K": [(208, 0x2000)]}
    for blk in (ones, pattern, zeros):
        if t == "Q8_K":
            blk[0:4] = struct.pack("<f", 0.0078125)
        else:
            for off, h in halves[t]:
                blk[off: off + 2] = struct.pack("<H", h)
    return bytes(ones) + bytes(pattern) + bytes(zeros)


def legacy_inputs(rng, t):
    lone = np.zeros(32, dtype=np.float32)
    lone[17] = -0.75
    negz = np.full(32, -0.0, dtype=np.float32)
    negz[3] = 2.0
    ints = np.arange(-15, 17, dtype=np.float32) * F32(3)
    odd = f32([1.0 / (k + 1) * (-1) ** k for k in range(32)])
    const_pos = np.full(32, 1.25, dtype=np.float32)
    const_neg = np.full(32, -3.5, dtype=np.float32)
    offset = (rng.uniform(0, 1, 32) + 4.0).astype(np.float32)  # all positive, min far from 0
    large = (rng.uniform(-1, 1, 32) * 4e5).astype(np.float32)
    small = (rng.uniform(-1, 1, 32) * 2e-4).astype(np.float32)  # fp16 d is subnormal
    tiny = (rng.uniform(-1, 1, 32) * 1e-9).astype(np.float32)  # fp16 d underflows to 0
    ramp = np.arange(32, dtype=np.float32) - F32(16)
    return [
        ("random", rng.standard_normal(32 * 8).astype(np.float32)),
        ("zeros", np.zeros(32, dtype=np.float32)),
        ("mixed", np.concatenate([lone, negz, ints, odd, const_pos, const_neg, offset, large,
                                  small, tiny, ramp])),
    ]


def kquant_inputs(rng, t):
    g = rng.standard_normal
    sb = []
    # Gaussian with a zero sub-block, a zero 32-group and one outlier sub-block.
    a = g(256).astype(np.float32)
    a[16:32] = 0
    a[96:128] = 0
    a[200:216] *= 40
    sb.append(a)
    sb.append((rng.uniform(0, 1, 256) + 0.5).astype(np.float32))  # all positive
    sb.append((-rng.uniform(0, 1, 256) - 0.25).astype(np.float32))  # all negative
    sb.append(np.full(256, -0.625, dtype=np.float32))  # constant negative
    sb.append(np.full(256, 2.5, dtype=np.float32))  # constant positive
    sb.append((np.arange(256, dtype=np.float32) - F32(128)) * F32(0.125))  # ramp
    sb.append((g(256) * 1e-3).astype(np.float32))  # small
    sb.append((g(256) * 1e-7).astype(np.float32))  # fp16 scales subnormal / zero
    sb.append((g(256) * 30).astype(np.float32))  # large
    sb.append(rng.standard_t(2, 256).astype(np.float32))  # heavy tails
    sparse = np.zeros(256, dtype=np.float32)
    sparse[rng.integers(0, 256, 9)] = g(9).astype(np.float32)
    sb.append(sparse)
    sb.append(np.round(g(256) * 3).astype(np.float32))  # small integers
    # Each 16-group at a different magnitude: exercises the 4/6/8-bit sub-block scales.
    sb.append((g(256) * np.repeat(2.0 ** np.arange(-8, 8), 16)).astype(np.float32))
    return [
        ("zeros", np.zeros(256, dtype=np.float32)),
        ("mixed", np.concatenate(sb)),
    ]


def coverage_cases(rng, t, max_blocks=8, pool_size=360):
    """Super-blocks picked (greedy set cover) from a seeded pool so that leaving out any one
    trial of the type's fit (a trial iscale of make_qx_quants / make_qkx2_quants, a refinement
    sweep of make_q3_quants) changes the bytes of at least one of them, as far as the pool
    reaches."""
    global SKIP
    g = rng.standard_normal
    target = {"Q2_K": {("qkx2", i) for i in range(16)}, "Q3_K": {("q3", i) for i in range(5)},
              "Q4_K": {("qkx2", i) for i in range(21)}, "Q5_K": {("qkx2", i) for i in range(16)},
              "Q6_K": {("qx", i) for i in range(-9, 10) if i != 0}}[t]
    pool = []
    for k in range(pool_size):
        kind = k % 6
        if kind == 0:
            x = g(256)
        elif kind == 1:
            x = -rng.uniform(0, 1, 256) - rng.uniform(0, 1)
        elif kind == 2:
            x = np.tan(3.1 * (rng.uniform(0, 1, 256) - 0.5))
        elif kind == 3:
            x = rng.uniform(0, 1, 256) + rng.uniform(0, 2)
        elif kind == 4:
            x = g(256) * np.repeat(2.0 ** rng.uniform(-4, 4, 16), 16)
        else:
            x = np.where(rng.uniform(0, 1, 256) < 0.7, 0.0, g(256))
        x = (x * 10.0 ** rng.uniform(-3, 3)).astype(np.float32)
        del TRACE[:]
        base = encode(t, x)
        killed = set()
        for v in set(TRACE) & target:
            SKIP = v
            if encode(t, x) != base:
                killed.add(v)
            SKIP = None
        pool.append((x, killed))
    seen, chosen = set(), []
    while len(chosen) < max_blocks:
        x, killed = max(pool, key=lambda p: len(p[1] - seen))
        if not killed - seen:
            break
        seen |= killed
        chosen.append(x)
    sys.stderr.write("%s: %d of %d trials change the bytes of the %d chosen super-blocks\n"
                     % (t, len(seen), len(target), len(chosen)))
    return np.concatenate(chosen)


def build_cases():
    rng = np.random.default_rng(20240612)
    cases = []
    for t in TYPES:
        qk = TYPES[t][0]
        inputs = legacy_inputs(rng, t) if qk == 32 else kquant_inputs(rng, t)
        if t == "Q8_K":
            inputs.append(("random", rng.standard_normal(512).astype(np.float32)))
        elif qk == 256:
            inputs.append(("trials", coverage_cases(rng, t)))
        for name, x in inputs:
            cases.append(("%s_%s" % (t.lower(), name), t, x, None))
        cases.append(("%s_deq_hand" % t.lower(), t, None, hand_blocks(t)))
        nblk = 16 if qk == 32 else 3
        data = b"".join(random_block_bytes(rng, t) for _ in range(nblk))
        cases.append(("%s_deq_random" % t.lower(), t, None, data))
    # Q8_K ties: with max = -127 the scale is exactly 1 and nearest_int rounds halves to even.
    ties = f32([-127.0, 0.5, 1.5, 2.5, -0.5, -1.5, 126.5, -126.5] + [k + 0.5 for k in range(-124, 124)])
    cases.append(("q8_k_ties", "Q8_K", ties, None))
    return cases


def hexwords(u):
    return " ".join("%08x" % int(v) for v in u)


def main():
    out = sys.stdout
    out.write("# SlimLLM Q4_1/Q5_0/Q5_1/K-quant reference vectors: generated by "
              "tests/ref/quant_kquants_ref.py (numpy %s); do not edit by hand.\n" % np.__version__)
    with np.errstate(all="ignore"):
        for name, t, x, data in build_cases():
            if data is None:
                data = encode(t, x)
            y = decode(t, data)
            n = len(y)
            out.write("case %s %s %d\n" % (name, t, n))
            if x is not None:
                out.write("x %s\n" % hexwords(bits32(x)))
            out.write("bytes %s\n" % data.hex())
            out.write("y %s\n" % hexwords(bits32(y)))
            out.write("end\n")


if __name__ == "__main__":
    main()
