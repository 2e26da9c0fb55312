#!/usr/bin/env python3
"""Independent numpy reference for SlimLLM's W8A8 type (docs/formats.md, docs/adr/0004-w8a8.md).

Written from the format's published definition, not from the C++ code:

  weight row (n values, one output channel):
      d = max|w| / 127 (float32);  q = clip(rint(w / d), -127, 127) (0 if d == 0), rint = ties to
      even, w / d a float32 division;  row bytes = float32 d (little endian) then n int8 q.
      dequantized: q * d (float32).
  static int8 activation row with the matrix's calibrated scale s (float32, > 0):
      v = clip(x / s, -127, 127) (float32 division), q = rint(v); bytes = n int8 q then float32 s.
  product of a weight row and an activation row:
      isum = sum q_w * q_x (exact integer), result = float32(isum) * float32(d * s) with d * s
      rounded to float32 first.

Usage: /usr/bin/python3 tests/ref/w8a8_ref.py > tests/data/quant/w8a8_ref.txt

Output, one case after another:
  case <name> <rows> <cols>
  w <rows*cols float32 bit patterns, hex>          weights, row-major (row = output)
  s <float32 bit pattern of the activation scale>
  x <cols float32 bit patterns>                    one activation row
  wbytes <the encoded weight rows, hex>
  wdeq <rows*cols float32 bit patterns of the dequantized weights>
  xbytes <the encoded activation row, hex>
  y <rows float32 bit patterns of the products>
  end
"""

import sys

import numpy as np

F32 = np.float32


def hexf(a):
    return " ".join("%08x" % v for v in np.asarray(a, dtype=F32).view(np.uint32))


def quantize_weight_row(w):
    amax = F32(np.max(np.abs(w))) if w.size else F32(0)
    d = F32(amax / F32(127))
    if d == 0:
        q = np.zeros(w.shape, dtype=np.int8)
    else:
        q = np.clip(np.rint((w / d).astype(F32)), -127, 127).astype(np.int8)
    return d, q


def quantize_act(x, s):
    v = np.clip((x / s).astype(F32), F32(-127), F32(127))
    return np.rint(v).astype(np.int8)


def emit(name, w, s, x, out):
    rows, cols = w.shape
    w = w.astype(F32)
    x = x.astype(F32)
    s = F32(s)
    wbytes = bytearray()
    wdeq = np.zeros_like(w)
    ds, qs = [], []
    for r in range(rows):
        d, q = quantize_weight_row(w[r])
        wbytes += np.array([d], dtype="<f4").tobytes() + q.tobytes()
        wdeq[r] = (q.astype(F32) * d).astype(F32)
        ds.append(d)
        qs.append(q)
    qx = quantize_act(x, s)
    xbytes = qx.tobytes() + np.array([s], dtype="<f4").tobytes()
    y = []
    for r in range(rows):
        isum = int(np.dot(qs[r].astype(np.int64), qx.astype(np.int64)))
        y.append(F32(F32(isum) * F32(ds[r] * s)))
    out.write("case %s %d %d\n" % (name, rows, cols))
    out.write("w %s\n" % hexf(w.reshape(-1)))
    out.write("s %s\n" % hexf([s]))
    out.write("x %s\n" % hexf(x))
    out.write("wbytes %s\n" % wbytes.hex())
    out.write("wdeq %s\n" % hexf(wdeq.reshape(-1)))
    out.write("xbytes %s\n" % xbytes.hex())
    out.write("y %s\n" % hexf(y))
    out.write("end\n")


def main():
    rng = np.random.default_rng(20261126)
    out = sys.stdout
    for rows, cols in [(3, 32), (5, 96), (4, 256), (3, 1056)]:
        w = rng.standard_normal((rows, cols)).astype(F32) * F32(0.05)
        x = rng.standard_normal(cols).astype(F32) * F32(2.0)
        # scale chosen so that a few activations saturate (|x| > 127 s)
        s = F32(np.max(np.abs(x)) * F32(0.8) / F32(127))
        emit("random_%dx%d" % (rows, cols), w, s, x, out)
    # ties: x / s exactly k + 0.5 (rint rounds to even), weight rows with ties too, a zero row,
    # and activations far beyond the range (saturate at +-127).
    cols = 64
    s = F32(0.25)
    x = (np.arange(cols, dtype=F32) - F32(32) + F32(0.5)) * s
    x[0] = F32(1e6)
    x[1] = F32(-1e6)
    w = np.zeros((3, cols), dtype=F32)
    w[0] = (np.arange(cols, dtype=F32) - F32(31.5)) * F32(127.0 / 32.0)
    w[1] = np.linspace(-1, 1, cols, dtype=F32)
    emit("ties_saturation", w, s, x, out)
    # large magnitude sums: full-scale weights and activations, long row
    cols = 2048
    w = np.where(rng.random((2, cols)) < 0.5, F32(-1), F32(1)).astype(F32)
    x = (w[0] * F32(3.0)).astype(F32)
    emit("full_scale_%d" % cols, w, F32(3.0 / 127.0), x, out)


if __name__ == "__main__":
    main()
