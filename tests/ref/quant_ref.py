#!/usr/bin/env python3
"""Independent numpy reference for SlimLLM's scalar row codecs (F32, F16, BF16, Q8_0, Q4_0).

Written from the published GGUF/ggml block math (ggml-quants.c, quantize_row_q8_0_ref and
quantize_row_q4_0_ref), not from the C++ code:

  F16   IEEE binary16, round to nearest even (numpy's float32 -> float16 cast).
  BF16  top 16 bits of the float32, round to nearest even (chosen here by comparing the distance
        to both neighbours in float64), NaN -> quiet NaN.
  Q8_0  per 32 values: amax = max|x|, d = amax / 127 (float32), id = 1/d (0 if d == 0),
        q = round_half_away(x * id); block = fp16(d) then 32 int8.  y = q * fp16(d).
  Q4_0  per 32 values: max = first value of largest |x|, d = max / -8, id = 1/d (0 if d == 0),
        q = min(15, trunc(x * id + 8.5)) in float32; block = fp16(d) then 16 bytes, byte j holds
        element j in its low nibble and element j + 16 in its high nibble.  y = (q - 8) * fp16(d).

Usage: /usr/bin/python3 tests/ref/quant_ref.py > tests/data/quant/quant_ref.txt

Output format, one case after another:
  case <name> <TYPE> <n>
  x <n float32 bit patterns, hex>
  bytes <encoded row, hex>
  y <n float32 bit patterns of the decoded row, hex>
  end
"""

import sys

import numpy as np

F32 = np.float32


def bits32(a):
    return np.asarray(a, dtype=np.float32).view(np.uint32)


def from_bits32(u):
    return np.asarray(u, dtype=np.uint32).view(np.float32)


# ---------------------------------------------------------------- float formats


def enc_f32(x):
    return x.astype("<f4").tobytes(), x.copy()


def enc_f16(x):
    with np.errstate(over="ignore"):
        h = x.astype(np.float16)  # IEEE round to nearest even
    return h.astype("<f2").tobytes(), h.astype(np.float32)


def bf16_bits(v):
    """Round one float32 to bfloat16 bits by explicit nearest-neighbour choice."""
    u = int(bits32(v))
    sign = u & 0x80000000
    mag = u & 0x7FFFFFFF
    if mag > 0x7F800000:  # NaN: keep sign and payload top, force quiet
        return ((u >> 16) | 0x40) & 0xFFFF
    if mag == 0x7F800000:
        return u >> 16
    lo = mag & 0xFFFF0000
    hi = lo + 0x10000

    def value(m):  # magnitude of a float32 pattern, with 0x7f800000 standing for 2**128
        if m >= 0x7F800000:
            return 2.0**128
        return float(from_bits32(np.uint32(m)))

    x = float(from_bits32(np.uint32(mag)))
    dlo = x - value(lo)
    dhi = value(hi) - x
    if dlo < dhi:
        pick = lo
    elif dhi < dlo:
        pick = hi
    else:
        pick = lo if ((lo >> 16) & 1) == 0 else hi
    return ((sign | pick) >> 16) & 0xFFFF


def enc_bf16(x):
    h = np.array([bf16_bits(v) for v in x], dtype=np.uint16)
    y = from_bits32(h.astype(np.uint32) << 16)
    return h.astype("<u2").tobytes(), y


# ---------------------------------------------------------------- block formats


def round_half_away(v):
    v64 = v.astype(np.float64)
    return np.where(v64 < 0, -np.floor(-v64 + 0.5), np.floor(v64 + 0.5))


def enc_q8_0(x):
    assert len(x) % 32 == 0
    out = bytearray()
    y = np.empty_like(x)
    for b in range(len(x) // 32):
        xb = x[b * 32 : (b + 1) * 32]
        amax = F32(np.max(np.abs(xb)))
        d = F32(amax / F32(127))
        id_ = F32(F32(1) / d) if d != 0 else F32(0)
        q = round_half_away((xb * id_).astype(np.float32)).astype(np.int8)
        d16 = np.array([d], dtype=np.float32).astype(np.float16)
        out += d16.astype("<f2").tobytes() + q.tobytes()
        y[b * 32 : (b + 1) * 32] = q.astype(np.float32) * d16.astype(np.float32)[0]
    return bytes(out), y


def enc_q4_0(x):
    assert len(x) % 32 == 0
    out = bytearray()
    y = np.empty_like(x)
    for b in range(len(x) // 32):
        xb = x[b * 32 : (b + 1) * 32]
        amax = F32(0)
        mx = F32(0)
        for v in xb:  # first element of the largest magnitude wins
            if abs(v) > amax:
                amax = F32(abs(v))
                mx = F32(v)
        d = F32(mx / F32(-8))
        id_ = F32(F32(1) / d) if d != 0 else F32(0)
        s = ((xb * id_).astype(np.float32) + F32(8.5)).astype(np.float32)
        q = np.minimum(15, np.trunc(s.astype(np.float64)).astype(np.int64)).astype(np.uint8)
        packed = (q[:16] | (q[16:] << 4)).astype(np.uint8)
        d16 = np.array([d], dtype=np.float32).astype(np.float16)
        out += d16.astype("<f2").tobytes() + packed.tobytes()
        y[b * 32 : (b + 1) * 32] = (q.astype(np.float32) - F32(8)) * d16.astype(np.float32)[0]
    return bytes(out), y


ENCODERS = {"F32": enc_f32, "F16": enc_f16, "BF16": enc_bf16, "Q8_0": enc_q8_0, "Q4_0": enc_q4_0}

# ---------------------------------------------------------------- inputs


def f32(values):
    return np.array(values, dtype=np.float32)


def wide_random(rng, n, lo_exp, hi_exp):
    """Normal values scaled by 10**U(lo_exp, hi_exp): covers subnormal and overflow ranges."""
    return (rng.standard_normal(n) * 10.0 ** rng.uniform(lo_exp, hi_exp, n)).astype(np.float32)


def build_cases():
    rng = np.random.default_rng(20240611)
    nan = float("nan")
    inf = float("inf")
    cases = []

    cases.append(("f32_specials", "F32", f32([0.0, -0.0, 1.0, -2.5, 3.1415927, 1e-45, -1e38, inf,
                                              -inf, nan, 0.1, 1.0 / 3.0, 65504.0, 7.0, -13.0, 1e-8])))

    f16_specials = [0.0, -0.0, 1.0, -1.0, 65504.0, 65519.0, 65519.996, 65520.0, -65520.0, 1e10,
                    2.0**-24, 2.0**-25, 3 * 2.0**-25, 2.0**-26, 5 * 2.0**-25, 2.0**-14,
                    2.0**-14 - 2.0**-24, 1 + 2.0**-11, 1 + 3 * 2.0**-11, 1 + 2.0**-10,
                    -(1 + 2.0**-11), 2049.0, 2051.0, 4097.0, 0.1, 1.0 / 3.0, 6.1e-5, 1e-10,
                    inf, -inf, nan, 3.0]
    cases.append(("f16_specials", "F16", f32(f16_specials)))
    cases.append(("f16_random", "F16", wide_random(rng, 256, -9, 6)))

    bf16_specials = [0.0, -0.0, 1.0, -1.0, 1 + 2.0**-8, 1 + 3 * 2.0**-8, 1 + 2.0**-8 + 2.0**-20,
                     -(1 + 2.0**-8), 3.4028235e38, -3.4028235e38, 3.3895314e38, 1e-39, 1e-45,
                     2.0**-126, 257.0, 259.0, 0.1, 1.0 / 3.0, inf, -inf, nan, 65504.0, 7.0, -0.5,
                     1e30, 1e-30, 123456.78, -0.0078125, 2.0**-133, 3 * 2.0**-134, 1.5, 2.0]
    cases.append(("bf16_specials", "BF16", f32(bf16_specials)))
    cases.append(("bf16_random", "BF16", wide_random(rng, 256, -40, 38)))

    for t in ("Q8_0", "Q4_0"):
        name = t.lower()
        cases.append((name + "_random", t, rng.standard_normal(32 * 8).astype(np.float32)))
        cases.append((name + "_zeros", t, np.zeros(32, dtype=np.float32)))
        # Mixed blocks: a lone nonzero, negative zeros, small odd integers, wide magnitudes.
        lone = np.zeros(32, dtype=np.float32)
        lone[17] = -0.75
        negz = np.full(32, -0.0, dtype=np.float32)
        negz[3] = 2.0
        ints = np.arange(-15, 17, dtype=np.float32) * F32(3)
        odd = f32([1.0 / (k + 1) * (-1) ** k for k in range(32)])
        # Largest magnitudes whose block scale still fits fp16 (65504 * 127, 65504 * 8).
        large = (rng.uniform(-1, 1, 32) * (5e6 if t == "Q8_0" else 4e5)).astype(np.float32)
        small = (rng.uniform(-1, 1, 32) * 2e-4).astype(np.float32)  # fp16 d is subnormal
        tiny = (rng.uniform(-1, 1, 32) * 1e-9).astype(np.float32)  # fp16 d underflows to 0
        cases.append((name + "_mixed", t, np.concatenate([lone, negz, ints, odd, large, small,
                                                          tiny])))

    # Ties: with amax = 127, d = 1 exactly, so x = k + 0.5 lands halfway (rounds away from 0);
    # with amax = 63.5, d = 0.5 and x = k/2 + 0.25 does too.
    t1 = f32([127.0, -126.5, -0.5, 0.5, 1.5, 2.5, -2.5, 126.5] + [k + 0.5 for k in range(-12, 12)])
    t2 = f32([63.5, -0.25, 0.25, 0.75, -0.75, 31.75, -31.25] + [k * 2.5 + 0.25 for k in range(25)])
    cases.append(("q8_0_ties", "Q8_0", np.concatenate([t1, t2])))

    # Q4_0: max = -8 gives d = 1; x + 8.5 truncates, so x = k + 0.5 rounds up, x = k - 0.5 down.
    t3 = f32([-8.0, 0.5, -0.5, 1.5, -1.5, 7.5, -7.5, 6.5, 8.0, 7.99, -7.99, 0.0] +
             [k * 0.5 for k in range(-10, 10)])
    # The first element of largest magnitude sets the sign of d.
    first_pos = f32([3.0, -3.0] + [k * 0.1 for k in range(-15, 15)])
    first_neg = f32([-3.0, 3.0] + [k * 0.1 for k in range(-15, 15)])
    cases.append(("q4_0_ties", "Q4_0", np.concatenate([t3, first_pos, first_neg])))
    cases.append(("q8_0_first_max", "Q8_0", np.concatenate([first_pos, first_neg])))
    return cases


def hexwords(u):
    return " ".join("%08x" % int(v) for v in u)


def main():
    out = sys.stdout
    out.write("# SlimLLM quantization reference vectors: generated by tests/ref/quant_ref.py "
              "(numpy %s); do not edit by hand.\n" % np.__version__)
    for name, t, x in build_cases():
        data, y = ENCODERS[t](x)
        out.write("case %s %s %d\n" % (name, t, len(x)))
        out.write("x %s\n" % hexwords(bits32(x)))
        out.write("bytes %s\n" % data.hex())
        out.write("y %s\n" % hexwords(bits32(y)))
        out.write("end\n")


if __name__ == "__main__":
    main()
