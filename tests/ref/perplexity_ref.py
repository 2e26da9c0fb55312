#!/usr/bin/env python3
"""Independent numpy reference for `slim perplexity` and `slim imatrix`, written from the
definitions (not from the C++ code):

  log-softmax   l_j = z_j - log(sum_k exp(z_k))       (z: one position's logits, float64)
  NLL           -l_target;  PPL = exp(mean NLL)
  PPL error     PPL * sqrt((mean(nll^2) - mean(nll)^2) / (N - 1))  (standard error of the mean)
  KLD           KL(P_base || P) = sum_j p_base_j (l_base_j - l_j), per scored position
  top-1         argmax_j z_j of both runs agree (first index on ties)
  PPL ratio     exp(mean(nll - nll_base))
  median, p99   numpy.percentile (linear interpolation)
  imatrix       per matrix and input column: mean over all observed tokens of x_j^2; the legacy
                imatrix.dat stores mean * ncall (llama.cpp's layout: i32 n_entries, then per
                entry i32 len, name, i32 ncall, i32 nval, f32 values[nval]; optional trailer)

Raw logits dump (slim perplexity --dump-logits): i32 n_vocab, then per scored position
i32 target, f32 logits[n_vocab].
Activation dump (slim imatrix --dump-activations): per matmul call i32 name_len, name,
i32 n_tok, i32 cols, f32 x[n_tok * cols].
"""
import struct

import numpy as np


def read_logits_dump(path):
    data = open(path, "rb").read()
    (n_vocab,) = struct.unpack_from("<i", data, 0)
    rec = 4 + 4 * n_vocab
    n = (len(data) - 4) // rec
    assert 4 + n * rec == len(data), "dump size"
    raw = np.frombuffer(data, dtype=np.uint8, offset=4).reshape(n, rec)
    targets = raw[:, :4].copy().view("<i4").reshape(n)
    logits = raw[:, 4:].copy().view("<f4").reshape(n, n_vocab).astype(np.float64)
    return targets, logits


def log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    return z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))


def ppl_stats(targets, logits):
    ls = log_softmax(logits)
    nll = -ls[np.arange(len(targets)), targets]
    n = len(nll)
    mean = nll.mean()
    var = (nll * nll).mean() - mean * mean
    ppl = float(np.exp(mean))
    return {"nll": float(mean), "ppl": ppl, "ppl_err": ppl * float(np.sqrt(var / (n - 1))), "n": n,
            "nll_all": nll}


def kld_stats(base_targets, base_logits, targets, logits):
    assert np.array_equal(base_targets, targets)
    lb = log_softmax(base_logits)
    lq = log_softmax(logits)
    kl = (np.exp(lb) * (lb - lq)).sum(axis=1)
    nb = ppl_stats(base_targets, base_logits)["nll_all"]
    nq = ppl_stats(targets, logits)["nll_all"]
    d = nq - nb
    n = len(kl)
    ratio = float(np.exp(d.mean()))
    dvar = (d * d).mean() - d.mean() ** 2
    kvar = (kl * kl).mean() - kl.mean() ** 2
    return {
        "mean": float(kl.mean()),
        "mean_err": float(np.sqrt(kvar / (n - 1))),
        "median": float(np.percentile(kl, 50)),
        "p99": float(np.percentile(kl, 99)),
        "max": float(kl.max()),
        "top1_pct": 100.0 * float((base_logits.argmax(axis=1) == logits.argmax(axis=1)).mean()),
        "ppl_base": float(np.exp(nb.mean())),
        "ppl_ratio": ratio,
        "ppl_ratio_err": ratio * float(np.sqrt(dvar / (n - 1))),
    }


def imatrix_from_dump(path):
    """name -> (mean of x^2 per column, number of calls)."""
    data = open(path, "rb").read()
    off = 0
    sums, counts, calls = {}, {}, {}
    while off < len(data):
        (ln,) = struct.unpack_from("<i", data, off)
        off += 4
        name = data[off:off + ln].decode()
        off += ln
        n_tok, cols = struct.unpack_from("<ii", data, off)
        off += 8
        x = np.frombuffer(data, dtype="<f4", count=n_tok * cols, offset=off).reshape(n_tok, cols)
        off += 4 * n_tok * cols
        x = x.astype(np.float64)
        sums[name] = sums.get(name, 0.0) + (x * x).sum(axis=0)
        counts[name] = counts.get(name, 0) + n_tok
        calls[name] = calls.get(name, 0) + 1
    return {k: (sums[k] / counts[k], calls[k]) for k in sums}


def read_imatrix_dat(path):
    """name -> (stored values, ncall); plus the trailer (chunks, dataset) if present."""
    data = open(path, "rb").read()
    (n,) = struct.unpack_from("<i", data, 0)
    off = 4
    out = {}
    for _ in range(n):
        (ln,) = struct.unpack_from("<i", data, off)
        off += 4
        name = data[off:off + ln].decode()
        off += ln
        ncall, nval = struct.unpack_from("<ii", data, off)
        off += 8
        vals = np.frombuffer(data, dtype="<f4", count=nval, offset=off).astype(np.float64)
        off += 4 * nval
        out[name] = (vals, ncall)
    trailer = None
    if off + 8 <= len(data):
        chunks, dl = struct.unpack_from("<ii", data, off)
        trailer = (chunks, data[off + 8:off + 8 + dl].decode())
    return out, trailer
