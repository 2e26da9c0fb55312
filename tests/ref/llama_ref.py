#!/usr/bin/env python3
"""Independent numpy reference for the Llama-family forward pass (llama, qwen2).

Written from the published equations -- Hugging Face `LlamaForCausalLM` / `Qwen2ForCausalLM`
(modeling_llama.py, modeling_qwen2.py) and the GGUF / llama.cpp conventions -- not from the
C++ code. All arithmetic is float64 on the float32 weights that are written to the files.

  x_0        = token_embd[token]
  per layer  h = RMSNorm(x) * attn_norm,  RMSNorm(x) = x / sqrt(mean(x^2) + eps)
             q = h Wq^T (+ bq), k = h Wk^T (+ bk), v = h Wv^T (+ bv), split into heads
             RoPE on q and k (first rope_dims dims of every head, position p, base b):
               theta_i = p * b^(-2i / rope_dims), i < rope_dims / 2
               llama (GGUF "normal" mode): pairs (2i, 2i+1)
               qwen2 (GGUF "neox" mode, HF rotate_half): pairs (i, i + rope_dims/2)
               (x0, x1) -> (x0 cos - x1 sin, x0 sin + x1 cos)
             GQA: query head h reads kv head h // (n_head / n_head_kv) (HF repeat_kv)
             a = softmax(q k^T / sqrt(head_dim) + causal mask) v;  x += a Wo^T
             h = RMSNorm(x) * ffn_norm;  x += (silu(h Wg^T) * (h Wu^T)) Wd^T
  logits     = (RMSNorm(x) * output_norm) W_out^T,  W_out = output.weight or token_embd (tied)

GGUF conventions: a matrix that Hugging Face stores as [out, in] (row-major) is written
with shape ne = [in, out] (ne[0] contiguous) and the same bytes. For `llama`, llama.cpp's
converter permutes the rows of Wq / Wk of each head so that interleaved rotation of the
permuted weights equals HF's rotate_half of the original ones; this script builds the HF
weights, permutes them the same way, and checks that equivalence (and a few other
properties of the reference itself) before writing anything.

Usage: /usr/bin/python3 tests/ref/llama_ref.py tests/data/llama_ref

Writes, per variant: <variant>.gguf (F32 model, GGUF v3), <variant>.tokens (the token ids,
decimal, space separated, one line) and <variant>.logits (raw little-endian float32,
[n_tokens][n_vocab]: the logits after every position of the sequence).
"""

import os
import struct
import sys

import numpy as np

# ---------------------------------------------------------------- variants

VARIANTS = [
    # (a) llama: interleaved RoPE, GQA 4 / 2, separate output head.
    dict(name="llama", arch="llama", seed=1001, n_embd=32, n_head=4, n_head_kv=2, n_ff=96,
         n_layer=2, rope_dims=None, rope_base=10000.0, eps=1e-5, qkv_bias=False, tied=False),
    # (b) qwen2: NeoX RoPE, q/k/v biases, base 1e6, tied output head, GQA 4 / 2.
    dict(name="qwen2", arch="qwen2", seed=2002, n_embd=32, n_head=4, n_head_kv=2, n_ff=96,
         n_layer=2, rope_dims=None, rope_base=1000000.0, eps=1e-6, qkv_bias=True, tied=True),
    # (c) partial rotary, interleaved: head size 16, only the first 8 dims rotate; MQA (1 kv head).
    dict(name="llama_partial", arch="llama", seed=3003, n_embd=32, n_head=2, n_head_kv=1,
         n_ff=96, n_layer=2, rope_dims=8, rope_base=10000.0, eps=1e-5, qkv_bias=False,
         tied=False),
    # (d) partial rotary, NeoX: head size 16, first 10 dims rotate (pairs (i, i+5)); MHA; biases.
    dict(name="qwen2_partial", arch="qwen2", seed=4004, n_embd=32, n_head=2, n_head_kv=2,
         n_ff=96, n_layer=2, rope_dims=10, rope_base=1000000.0, eps=1e-6, qkv_bias=True,
         tied=True),
]

N_CTX_TRAIN = 64
N_SEQ = 12
N_WORDS = 41  # 3 specials + 256 bytes + 41 words = 300 tokens
BOS, EOS, UNK = 1, 2, 0

# ---------------------------------------------------------------- vocabulary

WORDS = [
    "the", "a", "of", "and", "to", "in", "is", "it", "that", "was", "for", "on", "are", "with",
    "as", "he", "she", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by",
    "hot", "word", "but", "what", "some", "we", "can", "out", "other", "were", "all", "there",
    "when", "up",
]
assert len(WORDS) == N_WORDS and len(set(WORDS)) == N_WORDS

TT_NORMAL, TT_UNKNOWN, TT_CONTROL, TT_BYTE = 1, 2, 3, 6


def vocabulary():
    toks, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [TT_UNKNOWN, TT_CONTROL, TT_CONTROL]
    for b in range(256):
        toks.append("<0x%02X>" % b)
        scores.append(0.0)
        types.append(TT_BYTE)
    for i, w in enumerate(WORDS):
        toks.append("\u2581" + w)
        scores.append(-float(i + 1))
        types.append(TT_NORMAL)
    return toks, scores, types


# ---------------------------------------------------------------- GGUF writer (v3)

GT_U32, GT_I32, GT_F32, GT_STRING, GT_ARRAY = 4, 5, 6, 8, 9
GGML_F32 = 0
ALIGN = 32


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _kv(key, gtype, value, elem_type=None):
    out = _str(key) + struct.pack("<I", gtype)
    if gtype == GT_U32:
        out += struct.pack("<I", value)
    elif gtype == GT_I32:
        out += struct.pack("<i", value)
    elif gtype == GT_F32:
        out += struct.pack("<f", value)
    elif gtype == GT_STRING:
        out += _str(value)
    elif gtype == GT_ARRAY:
        out += struct.pack("<IQ", elem_type, len(value))
        for v in value:
            if elem_type == GT_STRING:
                out += _str(v)
            elif elem_type == GT_F32:
                out += struct.pack("<f", v)
            elif elem_type == GT_I32:
                out += struct.pack("<i", v)
            else:
                raise ValueError(elem_type)
    else:
        raise ValueError(gtype)
    return out


def _pad(n):
    return (-n) % ALIGN


def write_gguf(path, kvs, tensors):
    """kvs: list of (key, type, value[, elem_type]); tensors: list of (name, float32 ndarray).

    A numpy array of shape (a, b) (row-major, b contiguous) is written as ne = [b, a]."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for kv in kvs:
        head += _kv(*kv)
    data = b""
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr, dtype="<f4")
        ne = list(reversed(arr.shape))
        data += b"\0" * _pad(len(data))
        head += _str(name) + struct.pack("<I", len(ne)) + struct.pack("<%dQ" % len(ne), *ne)
        head += struct.pack("<IQ", GGML_F32, len(data))
        data += arr.tobytes()
    head += b"\0" * _pad(len(head))
    with open(path, "wb") as f:
        f.write(head + data)


# ---------------------------------------------------------------- model

def f32(a):
    """Round to float32 (what is stored) and return float64 for the math."""
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def make_model(v, n_vocab):
    """Random weights in Hugging Face layout ([out, in] matrices, un-permuted Wq / Wk)."""
    rng = np.random.default_rng(v["seed"])
    D, H, Hkv, F = v["n_embd"], v["n_head"], v["n_head_kv"], v["n_ff"]
    hd = D // H
    kv = Hkv * hd

    def mat(rows, cols, gain=1.0):
        return f32(rng.standard_normal((rows, cols)) * gain / np.sqrt(cols))

    def norm(n):
        return f32(1.0 + 0.25 * rng.standard_normal(n))

    m = dict(embd=f32(rng.standard_normal((n_vocab, D))), layers=[])
    for _ in range(v["n_layer"]):
        L = dict(attn_norm=norm(D), ffn_norm=norm(D),
                 wq=mat(D, D, 2.5), wk=mat(kv, D, 2.5), wv=mat(kv, D), wo=mat(D, D),
                 wg=mat(F, D), wu=mat(F, D), wd=mat(D, F))
        if v["qkv_bias"]:
            L["bq"] = f32(0.5 * rng.standard_normal(D))
            L["bk"] = f32(0.5 * rng.standard_normal(kv))
            L["bv"] = f32(0.2 * rng.standard_normal(kv))
        m["layers"].append(L)
    m["out_norm"] = norm(D)
    m["out"] = m["embd"] if v["tied"] else mat(n_vocab, D, 4.0)
    return m


def permute_rows(w, n_heads, hd, rope_dims):
    """llama.cpp convert_hf_to_gguf.py LlamaModel.permute, per head, on the rotated dims:
    HF row (h, j, i) [j in {0, 1}, i < rope_dims/2] -> GGUF row (h, i, j)."""
    half = rope_dims // 2
    out = w.copy()
    for h in range(n_heads):
        base = h * hd
        for i in range(half):
            for j in range(2):
                out[base + 2 * i + j] = w[base + j * half + i]
    return out


def hf_permute_llama_cpp(w, n_head):
    """The converter's exact code (full rotary), for the full-rotary variant."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2)
            .reshape(w.shape))


def to_gguf_weights(v, m):
    """Weights as the GGUF file holds them (llama: Wq / Wk rows permuted)."""
    g = dict(m)
    if v["arch"] != "llama":
        return g
    H, Hkv = v["n_head"], v["n_head_kv"]
    hd = v["n_embd"] // H
    rd = v["rope_dims"] or hd
    g["layers"] = []
    for L in m["layers"]:
        L2 = dict(L)
        L2["wq"] = permute_rows(L["wq"], H, hd, rd)
        L2["wk"] = permute_rows(L["wk"], Hkv, hd, rd)
        if rd == hd:
            assert np.array_equal(L2["wq"], hf_permute_llama_cpp(L["wq"], H))
            assert np.array_equal(L2["wk"], hf_permute_llama_cpp(L["wk"], Hkv))
        g["layers"].append(L2)
    return g


# ---------------------------------------------------------------- forward (float64)

def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_angles(n_pos, rope_dims, base):
    inv_freq = 1.0 / base ** (np.arange(0, rope_dims, 2, dtype=np.float64) / rope_dims)
    return np.outer(np.arange(n_pos, dtype=np.float64), inv_freq)  # [T, rope_dims/2]


def rope_interleaved(x, rope_dims, ang):
    """x: [T, heads, hd]; rotate pairs (2i, 2i+1) of the first rope_dims dims."""
    out = x.copy()
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    x0, x1 = x[..., 0:rope_dims:2], x[..., 1:rope_dims:2]
    out[..., 0:rope_dims:2] = x0 * c - x1 * s
    out[..., 1:rope_dims:2] = x0 * s + x1 * c
    return out


def rope_rotate_half(x, rope_dims, ang):
    """HF apply_rotary_pos_emb on the first rope_dims dims: x*cos + rotate_half(x)*sin,
    cos/sin = cat(freqs, freqs), rotate_half(x) = cat(-x2, x1)."""
    out = x.copy()
    half = rope_dims // 2
    emb = np.concatenate([ang, ang], axis=-1)
    c, s = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
    xr = x[..., :rope_dims]
    rot = np.concatenate([-xr[..., half:], xr[..., :half]], axis=-1)
    out[..., :rope_dims] = xr * c + rot * s
    return out


def softmax(s):
    s = s - np.max(s, axis=-1, keepdims=True)
    e = np.exp(s)
    return e / np.sum(e, axis=-1, keepdims=True)


def forward(v, m, tokens, rope):
    """Logits [T, n_vocab] at every position; `rope` is rope_interleaved or rope_rotate_half."""
    D, H, Hkv = v["n_embd"], v["n_head"], v["n_head_kv"]
    hd = D // H
    rd = v["rope_dims"] or hd
    eps = float(np.float32(v["eps"]))  # the file stores it as f32
    base = float(np.float32(v["rope_base"]))
    T = len(tokens)
    ang = rope_angles(T, rd, base)
    mask = np.triu(np.full((T, T), -np.inf), 1)
    x = m["embd"][np.asarray(tokens)]
    for L in m["layers"]:
        h = rmsnorm(x, L["attn_norm"], eps)
        q = h @ L["wq"].T + L.get("bq", 0.0)
        k = h @ L["wk"].T + L.get("bk", 0.0)
        val = h @ L["wv"].T + L.get("bv", 0.0)
        q = rope(q.reshape(T, H, hd), rd, ang)
        k = rope(k.reshape(T, Hkv, hd), rd, ang)
        val = val.reshape(T, Hkv, hd)
        rep = H // Hkv
        k = np.repeat(k, rep, axis=1)  # HF repeat_kv: kv0, kv0, kv1, kv1, ...
        val = np.repeat(val, rep, axis=1)
        scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask
        att = np.einsum("hts,shd->thd", softmax(scores), val).reshape(T, D)
        x = x + att @ L["wo"].T
        h = rmsnorm(x, L["ffn_norm"], eps)
        g, u = h @ L["wg"].T, h @ L["wu"].T
        x = x + (g / (1.0 + np.exp(-g)) * u) @ L["wd"].T
    return rmsnorm(x, m["out_norm"], eps) @ m["out"].T


# ---------------------------------------------------------------- self-checks of the reference

def check_reference(v, m_hf, m_gguf, tokens, logits):
    hd = v["n_embd"] // v["n_head"]
    rd = v["rope_dims"] or hd
    base = float(np.float32(v["rope_base"]))
    # 1. llama: interleaved RoPE on the permuted (GGUF) weights == HF rotate_half on the
    #    original ones. (qwen2 files are not permuted: the GGUF forward *is* the HF one.)
    hf = forward(v, m_hf, tokens, rope_rotate_half)
    err = np.max(np.abs(hf - logits)) / max(1.0, np.max(np.abs(hf)))
    assert err < 1e-12, (v["name"], "HF vs GGUF-layout forward", err)
    if v["arch"] == "llama":
        # ... and the permutation matters (the check above is not vacuous).
        wrong = forward(v, m_hf, tokens, rope_interleaved)
        assert np.max(np.abs(wrong - logits)) > 1e-3, v["name"]
    # 2. Causality: the logits at position t depend only on tokens[:t+1].
    for t in range(len(tokens)):
        pre = forward(v, m_gguf, tokens[: t + 1], ROPE[v["arch"]])
        assert np.max(np.abs(pre[t] - logits[t])) < 1e-10, (v["name"], "causal", t)
    # 3. RoPE is a rotation whose dot products depend only on the relative position,
    #    and it leaves the dims past rope_dims alone.
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((1, 1, hd)), rng.standard_normal((1, 1, hd))
    for rope in (rope_interleaved, rope_rotate_half):
        ang = rope_angles(20, rd, base)

        def at(x, p):
            return rope(np.repeat(x, 20, axis=0), rd, ang)[p, 0]

        d1 = at(a, 9) @ at(b, 4)
        d2 = at(a, 15) @ at(b, 10)
        assert abs(d1 - d2) < 1e-10 * max(1.0, abs(d1)), (v["name"], rope.__name__)
        assert abs(np.linalg.norm(at(a, 7)) - np.linalg.norm(a)) < 1e-12
        assert np.array_equal(at(a, 7)[rd:], a[0, 0, rd:])
        assert np.allclose(at(a, 0), a[0, 0], rtol=0, atol=0)


ROPE = {"llama": rope_interleaved, "qwen2": rope_rotate_half}


# ---------------------------------------------------------------- output

def gguf_tensors(v, m):
    t = [("token_embd.weight", m["embd"])]
    for i, L in enumerate(m["layers"]):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", L["attn_norm"]),
              (p + "attn_q.weight", L["wq"]), (p + "attn_k.weight", L["wk"]),
              (p + "attn_v.weight", L["wv"])]
        if v["qkv_bias"]:
            t += [(p + "attn_q.bias", L["bq"]), (p + "attn_k.bias", L["bk"]),
                  (p + "attn_v.bias", L["bv"])]
        t += [(p + "attn_output.weight", L["wo"]), (p + "ffn_norm.weight", L["ffn_norm"]),
              (p + "ffn_gate.weight", L["wg"]), (p + "ffn_up.weight", L["wu"]),
              (p + "ffn_down.weight", L["wd"])]
    t.append(("output_norm.weight", m["out_norm"]))
    if not v["tied"]:
        t.append(("output.weight", m["out"]))
    return t


def gguf_metadata(v, toks, scores, types):
    a = v["arch"]
    hd = v["n_embd"] // v["n_head"]
    return [
        ("general.architecture", GT_STRING, a),
        ("general.name", GT_STRING, "slim-ref-" + v["name"]),
        (a + ".context_length", GT_U32, N_CTX_TRAIN),
        (a + ".embedding_length", GT_U32, v["n_embd"]),
        (a + ".feed_forward_length", GT_U32, v["n_ff"]),
        (a + ".block_count", GT_U32, v["n_layer"]),
        (a + ".attention.head_count", GT_U32, v["n_head"]),
        (a + ".attention.head_count_kv", GT_U32, v["n_head_kv"]),
        (a + ".rope.freq_base", GT_F32, v["rope_base"]),
        (a + ".rope.dimension_count", GT_U32, v["rope_dims"] or hd),
        (a + ".attention.layer_norm_rms_epsilon", GT_F32, v["eps"]),
        ("tokenizer.ggml.model", GT_STRING, "llama"),
        ("tokenizer.ggml.tokens", GT_ARRAY, toks, GT_STRING),
        ("tokenizer.ggml.scores", GT_ARRAY, scores, GT_F32),
        ("tokenizer.ggml.token_type", GT_ARRAY, types, GT_I32),
        ("tokenizer.ggml.bos_token_id", GT_U32, BOS),
        ("tokenizer.ggml.eos_token_id", GT_U32, EOS),
        ("tokenizer.ggml.unknown_token_id", GT_U32, UNK),
    ]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: llama_ref.py OUTDIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    toks, scores, types = vocabulary()
    n_vocab = len(toks)
    for v in VARIANTS:
        m_hf = make_model(v, n_vocab)
        m = to_gguf_weights(v, m_hf)
        rng = np.random.default_rng(v["seed"] + 1)
        # BOS, then ids from the whole vocabulary (bytes and words), including the last row.
        tokens = [BOS] + [int(t) for t in rng.integers(3, n_vocab, N_SEQ - 2)] + [n_vocab - 1]
        logits = forward(v, m, tokens, ROPE[v["arch"]])
        check_reference(v, m_hf, m, tokens, logits)
        base = os.path.join(out_dir, v["name"])
        write_gguf(base + ".gguf", gguf_metadata(v, toks, scores, types), gguf_tensors(v, m))
        with open(base + ".tokens", "w") as f:
            f.write(" ".join(str(t) for t in tokens) + "\n")
        with open(base + ".logits", "wb") as f:
            f.write(logits.astype("<f4").tobytes())
        print("%-14s %d tokens, n_vocab %d, max|logit| %.3f, %d bytes" %
              (v["name"], len(tokens), n_vocab, np.max(np.abs(logits)),
               os.path.getsize(base + ".gguf")))


if __name__ == "__main__":
    main()
