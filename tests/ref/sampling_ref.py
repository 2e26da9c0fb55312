#!/usr/bin/env python3
"""Independent numpy reference for the sampling chain (src/sampling/).

Written from the published definitions, not from the C++ code:
  * repetition penalty (Keskar et al., CTRL, 2019, as applied by llama.cpp): for each distinct
    token in the last `repeat_last_n` tokens, a positive logit is divided by the penalty and a
    non-positive one multiplied by it;
  * frequency / presence penalties (OpenAI API reference):
    logit -= count * frequency_penalty + (count > 0) * presence_penalty;
  * top-k: keep the k largest logits;
  * top-p (Holtzman et al., 2019): the smallest set of most probable tokens whose cumulative
    probability reaches top_p (at least one);
  * min-p (Nguyen et al., 2024): drop tokens with p < min_p * p_max;
  * temperature, then softmax.
The filters work on probabilities at temperature 1 (llama.cpp's default chain order).
SlimLLM conventions: NaN logits count as -inf; ties are broken by lower token id; if any
logit is +inf the +inf tokens share the mass equally; if all are -inf the answer is token 0;
temperature <= 0 is greedy (argmax, lowest id). Parameters are float32 in the API, so they are
rounded to float32 here before use.

The expected draws use Philox4x32-10 (Salmon et al., SC'11), implemented here from the paper
and checked against the Random123 known-answer vectors: draw k with seed s uses
counter (k lo, k hi, 0, 0), key (s lo, s hi); u = (word0 >> 8) / 2^24; the token is the first
candidate, in (probability desc, id asc) order, whose cumulative probability exceeds u.

Regenerate the fixture:
  /usr/bin/python3 tests/ref/sampling_ref.py > tests/data/sampling/distributions.txt
"""

import sys

import numpy as np

MASK32 = 0xFFFFFFFF


def philox4x32_10(ctr, key):
    ctr = list(ctr)
    k0, k1 = key
    for r in range(10):
        if r:
            k0 = (k0 + 0x9E3779B9) & MASK32
            k1 = (k1 + 0xBB67AE85) & MASK32
        p0 = 0xD2511F53 * ctr[0]
        p1 = 0xCD9E8D57 * ctr[2]
        ctr = [((p1 >> 32) ^ ctr[1] ^ k0) & MASK32, p1 & MASK32,
               ((p0 >> 32) ^ ctr[3] ^ k1) & MASK32, p0 & MASK32]
    return ctr


# Random123 tests/kat_vectors, "philox4x32 10" lines: counter, key -> output.
KAT = [
    ([0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]),
    ([MASK32] * 4, [MASK32] * 2, [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]),
    ([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0],
     [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]),
]
for _c, _k, _want in KAT:
    assert philox4x32_10(_c, _k) == _want, "Philox reference fails its known-answer test"


def uniform(seed, k):
    word = philox4x32_10([k & MASK32, k >> 32, 0, 0], [seed & MASK32, seed >> 32])[0]
    return (word >> 8) / 16777216.0


def f32(x):
    return float(np.float32(x))


MARGIN = 1e-9  # thresholds closer than this would make the fixture fragile: refuse them


def distribution(logits, history, P):
    """Returns (ids, probs) of the final distribution, ordered by (prob desc, id asc)."""
    temperature, top_k, top_p, min_p = f32(P["temperature"]), P["top_k"], f32(P["top_p"]), f32(P["min_p"])
    rp, last_n = f32(P["repeat_penalty"]), P["repeat_last_n"]
    freq, pres = f32(P["frequency_penalty"]), f32(P["presence_penalty"])

    l = np.array(logits, dtype=np.float32).astype(np.float64)
    V = len(l)
    l[np.isnan(l)] = -np.inf

    # Penalties over the window.
    if last_n == -1:
        window = list(history)
    elif last_n == 0:
        window = []
    else:
        window = list(history)[max(0, len(history) - last_n):]
    counts = {}
    for t in window:
        if 0 <= t < V:
            counts[t] = counts.get(t, 0) + 1
    for t, c in counts.items():
        if rp != 1.0:
            l[t] = l[t] * rp if l[t] <= 0 else l[t] / rp
        l[t] -= c * freq + (1.0 if c > 0 else 0.0) * pres
        if np.isnan(l[t]):
            l[t] = -np.inf

    if temperature <= 0 or not np.any(l > -np.inf):
        return [int(np.argmax(l))], [1.0]  # np.argmax returns the first (lowest id) maximum

    if np.any(np.isposinf(l)):
        l = np.where(np.isposinf(l), 0.0, -np.inf)

    ids = [i for i in range(V) if l[i] > -np.inf]
    ids.sort(key=lambda i: (-l[i], i))
    if top_k > 0:
        ids = ids[:top_k]

    x = l[ids]
    p = np.exp(x - x.max())
    p /= p.sum()
    if top_p < 1.0:
        cum = np.cumsum(p)
        assert np.all(np.abs(cum - top_p) > MARGIN), "top_p too close to a cumulative sum"
        n = int(np.argmax(cum >= top_p)) + 1 if np.any(cum >= top_p) else len(ids)
        ids, x, p = ids[:n], x[:n], p[:n] / p[:n].sum()
    if min_p > 0.0:
        ratio = p / p.max()
        assert np.all(np.abs(ratio - min_p) > MARGIN), "min_p too close to a probability ratio"
        keep = p >= min_p * p.max()
        ids, x = [i for i, k in zip(ids, keep) if k], x[keep]

    q = np.exp(x / temperature - (x / temperature).max())
    q /= q.sum()
    order = sorted(range(len(ids)), key=lambda j: (-q[j], ids[j]))
    return [ids[j] for j in order], [float(q[j]) for j in order]


def draws(ids, probs, seed, count):
    cum = np.cumsum(probs)
    out = []
    for k in range(count):
        u = uniform(seed, k)
        assert np.all(np.abs(cum - u) > MARGIN), "a draw lands too close to a bucket edge"
        j = int(np.argmax(u < cum)) if np.any(u < cum) else len(ids) - 1
        out.append(ids[j])
    return out


DEFAULT = dict(temperature=0.8, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0,
               repeat_last_n=64, frequency_penalty=0.0, presence_penalty=0.0)
NEUTRAL = dict(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
               repeat_last_n=64, frequency_penalty=0.0, presence_penalty=0.0)


def with_(base, **kw):
    d = dict(base)
    d.update(kw)
    return d


def cases():
    rng = np.random.default_rng(20240611)
    small = [2.0, 1.5, 0.3, -0.7, 1.1, 0.0, -2.5, 0.9]
    wide = list(np.round(rng.normal(0.0, 2.0, 64), 3))
    big = list(rng.normal(0.0, 3.0, 400).astype(np.float32))
    hist = [3, 1, 1, 7, 0, 3, 3, 5, 2, 1]
    yield "defaults_small", small, [], DEFAULT
    yield "neutral_small", small, [], NEUTRAL
    yield "top_k_only", small, [], with_(NEUTRAL, top_k=3)
    yield "top_p_only", small, [], with_(NEUTRAL, top_p=0.7)
    yield "min_p_only", small, [], with_(NEUTRAL, min_p=0.2)
    yield "top_p_zero_keeps_one", small, [], with_(NEUTRAL, top_p=0.0)
    yield "low_temperature", small, [], with_(DEFAULT, temperature=0.25)
    yield "tiny_temperature_underflows", small, [], with_(DEFAULT, temperature=1e-6)
    yield "high_temperature", small, [], with_(DEFAULT, temperature=2.0, min_p=0.0)
    yield "greedy", small, [], with_(DEFAULT, temperature=0.0)
    yield "repeat_penalty_window", small, hist, with_(NEUTRAL, repeat_penalty=1.3, repeat_last_n=4)
    yield "repeat_penalty_all", small, hist, with_(NEUTRAL, repeat_penalty=1.3, repeat_last_n=-1)
    yield "frequency_presence", small, hist, with_(NEUTRAL, frequency_penalty=0.5, presence_penalty=0.3)
    yield "all_penalties_defaults", small, hist + [99, -4], with_(
        DEFAULT, repeat_penalty=1.1, frequency_penalty=0.2, presence_penalty=0.1)
    yield "penalties_disabled_by_last_n_0", small, hist, with_(
        NEUTRAL, repeat_penalty=2.0, repeat_last_n=0, frequency_penalty=1.0)
    yield "ties_top_k", [1.0, 2.0, 2.0, 2.0, 0.0, 2.0], [], with_(NEUTRAL, top_k=2)
    yield "ties_all_equal", [0.5] * 6, [], with_(DEFAULT, top_k=4)
    yield "nan_and_inf", [float("nan"), 1.0, float("-inf"), 2.0, 0.5, float("nan")], [], NEUTRAL
    yield "pos_inf_wins", [1.0, float("inf"), 3.0, float("inf"), float("nan")], [], DEFAULT
    yield "all_neg_inf", [float("-inf"), float("nan"), float("-inf")], [], DEFAULT
    yield "wide_defaults", wide, [5, 9, 5, 33], DEFAULT
    yield "wide_top_p_min_p", wide, [], with_(NEUTRAL, top_p=0.8, min_p=0.01, temperature=0.7)
    yield "big_defaults", big, [], DEFAULT
    yield "big_no_top_k", big, [], with_(DEFAULT, top_k=0)
    yield "big_no_top_k_no_min_p", big, [], with_(DEFAULT, top_k=0, min_p=0.0, top_p=0.5)
    yield "big_top_k_only", big, [], with_(NEUTRAL, top_k=50, temperature=1.5)


def fmt32(x):
    x = float(np.float32(x))
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "%.9g" % x


def main():
    out = sys.stdout
    out.write("# Generated by tests/ref/sampling_ref.py; regenerate with\n")
    out.write("#   /usr/bin/python3 tests/ref/sampling_ref.py > tests/data/sampling/distributions.txt\n")
    out.write("# case NAME / params temperature top_k top_p min_p repeat_penalty repeat_last_n"
              " frequency_penalty presence_penalty / logits N v... / history N t... /\n")
    out.write("# expect N (id prob)... / draws SEED N token... / end\n")
    for name, logits, history, P in cases():
        ids, probs = distribution(logits, history, P)
        out.write("case %s\n" % name)
        out.write("params %s %d %s %s %s %d %s %s\n" % (
            fmt32(P["temperature"]), P["top_k"], fmt32(P["top_p"]), fmt32(P["min_p"]),
            fmt32(P["repeat_penalty"]), P["repeat_last_n"], fmt32(P["frequency_penalty"]),
            fmt32(P["presence_penalty"])))
        out.write("logits %d %s\n" % (len(logits), " ".join(fmt32(v) for v in logits)))
        out.write("history %d%s\n" % (len(history), "".join(" %d" % t for t in history)))
        out.write("expect %d%s\n" % (len(ids), "".join(" %d %.17g" % (i, p) for i, p in zip(ids, probs))))
        for seed in (0, 42, 0xDEADBEEFCAFEF00D):
            toks = draws(ids, probs, seed, 16)
            out.write("draws %d %d %s\n" % (seed, len(toks), " ".join(str(t) for t in toks)))
        out.write("end\n")


if __name__ == "__main__":
    main()
