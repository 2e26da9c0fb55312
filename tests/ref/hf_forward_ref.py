#!/usr/bin/env python3
"""Independent numpy reference of the Hugging Face forward passes, read from an HF folder.

Usage: /usr/bin/python3 tests/ref/hf_forward_ref.py DIR --tokens 1,2,3 [--greedy N] [--out PREFIX]

Computes, in float64 on the stored float32 weights, the logits after every position of the
token sequence (extended by N greedy argmax tokens with --greedy), following the equations of
transformers' modeling_llama.py, modeling_qwen2.py, modeling_gpt2.py and modeling_opt.py. It
reads config.json and model.safetensors directly (never a GGUF file) and shares no code with
the engine. With --out, writes PREFIX.tokens (ids, space separated) and PREFIX.logits (raw
little-endian float32 [n_tokens][vocab_size]); otherwise prints JSON {"tokens", "logits"}.

  LayerNorm(x)  = (x - mean) / sqrt(var + eps) * w + b           (biased variance)
  RMSNorm(x)    = x / sqrt(mean(x^2) + eps) * w
  attention     = softmax(q k^T * head_dim^-0.5 + causal mask) v, per head
  llama / qwen2 : x = E[t]; per layer x += o(attn(RoPE(q), RoPE(k), v)) on RMSNorm(x),
                  x += down(silu(gate(h)) * up(h)) on h = RMSNorm(x); rotate_half RoPE with
                  inv_freq_i = theta^(-2i / head_dim); GQA repeat_kv; qwen2 q/k/v biases;
                  logits = RMSNorm(x) W_out^T (W_out = lm_head or tied embed_tokens)
  gpt2          : x = wte[t] + wpe[p]; pre-LN blocks; Conv1D y = x W + b (W [in, out]);
                  c_attn -> q | k | v; gelu_new(x) = 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)));
                  logits = ln_f(x) wte^T
  opt           : x = project_in(embed_tokens[t]) + embed_positions[p + 2]; q scaled by
                  head_dim^-0.5 after q_proj; ReLU FFN; do_layer_norm_before: LN before each
                  block, final_layer_norm at the end; else LN after each residual add and no
                  final LN; logits = project_out(x) W_out^T
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_io import load_folder  # noqa: E402


def layer_norm(x, w, b, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * w


def softmax(s):
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def attention(q, k, v, n_head, n_head_kv, scale=True):
    """q [T, H*hd], k/v [T, Hkv*hd] -> [T, H*hd], causal."""
    T = q.shape[0]
    hd = q.shape[1] // n_head
    q = q.reshape(T, n_head, hd).transpose(1, 0, 2)
    k = k.reshape(T, n_head_kv, hd).transpose(1, 0, 2)
    v = v.reshape(T, n_head_kv, hd).transpose(1, 0, 2)
    rep = n_head // n_head_kv  # repeat_kv: query head h reads kv head h // rep
    k = np.repeat(k, rep, axis=0)
    v = np.repeat(v, rep, axis=0)
    s = q @ k.transpose(0, 2, 1)
    if scale:
        s = s / np.sqrt(hd)
    s = s + np.triu(np.full((T, T), -np.inf), 1)
    return (softmax(s) @ v).transpose(1, 0, 2).reshape(T, n_head * hd)


def rope_rotate_half(x, n_head, theta, pos):
    T = x.shape[0]
    hd = x.shape[1] // n_head
    inv_freq = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)
    ang = np.outer(pos, inv_freq)
    emb = np.concatenate([ang, ang], axis=-1)  # [T, hd]
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
    x = x.reshape(T, n_head, hd)
    rot = np.concatenate([-x[..., hd // 2:], x[..., :hd // 2]], axis=-1)
    return (x * cos + rot * sin).reshape(T, n_head * hd)


def forward_llama(c, W, toks):
    H, Hkv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    eps, theta = c["rms_norm_eps"], c.get("rope_theta", 10000.0)
    pos = np.arange(len(toks))
    x = W["model.embed_tokens.weight"][toks]
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        lin = lambda name, h: h @ W[p + name + ".weight"].T + W.get(p + name + ".bias", 0.0)
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = rope_rotate_half(lin("self_attn.q_proj", h), H, theta, pos)
        k = rope_rotate_half(lin("self_attn.k_proj", h), Hkv, theta, pos)
        x = x + lin("self_attn.o_proj", attention(q, k, lin("self_attn.v_proj", h), H, Hkv))
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = lin("mlp.gate_proj", h)
        x = x + lin("mlp.down_proj", g / (1.0 + np.exp(-g)) * lin("mlp.up_proj", h))
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W.get("lm_head.weight", W["model.embed_tokens.weight"])
    return x @ head.T


def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def forward_gpt2(c, W, toks):
    pre = "transformer." if "transformer.wte.weight" in W else ""
    H, eps = c["n_head"], c["layer_norm_epsilon"]
    D = c["n_embd"]
    x = W[pre + "wte.weight"][toks] + W[pre + "wpe.weight"][np.arange(len(toks))]
    for l in range(c["n_layer"]):
        p = pre + "h.%d." % l
        conv = lambda name, h: h @ W[p + name + ".weight"] + W[p + name + ".bias"]
        ln = lambda name, h: layer_norm(h, W[p + name + ".weight"], W[p + name + ".bias"], eps)
        qkv = conv("attn.c_attn", ln("ln_1", x))
        a = attention(qkv[:, :D], qkv[:, D:2 * D], qkv[:, 2 * D:], H, H)
        x = x + conv("attn.c_proj", a)
        x = x + conv("mlp.c_proj", gelu_new(conv("mlp.c_fc", ln("ln_2", x))))
    x = layer_norm(x, W[pre + "ln_f.weight"], W[pre + "ln_f.bias"], eps)
    head = W.get("lm_head.weight", W[pre + "wte.weight"])
    return x @ head.T


def forward_opt(c, W, toks):
    d = "model.decoder."
    H, D = c["num_attention_heads"], c["hidden_size"]
    pre_ln = c.get("do_layer_norm_before", True)
    eps = 1e-5  # nn.LayerNorm default, as OPT builds its norms
    x = W[d + "embed_tokens.weight"][toks]
    if d + "project_in.weight" in W:
        x = x @ W[d + "project_in.weight"].T
    x = x + W[d + "embed_positions.weight"][np.arange(len(toks)) + 2]
    for l in range(c["num_hidden_layers"]):
        p = d + "layers.%d." % l
        lin = lambda name, h: h @ W[p + name + ".weight"].T + W[p + name + ".bias"]
        ln = lambda name, h: layer_norm(h, W[p + name + ".weight"], W[p + name + ".bias"], eps)
        h = ln("self_attn_layer_norm", x) if pre_ln else x
        q = lin("self_attn.q_proj", h) * (D // H) ** -0.5
        a = attention(q, lin("self_attn.k_proj", h), lin("self_attn.v_proj", h), H, H, scale=False)
        x = x + lin("self_attn.out_proj", a)
        if not pre_ln:
            x = ln("self_attn_layer_norm", x)
        h = ln("final_layer_norm", x) if pre_ln else x
        x = x + lin("fc2", np.maximum(lin("fc1", h), 0.0))
        if not pre_ln:
            x = ln("final_layer_norm", x)
    if d + "final_layer_norm.weight" in W:
        x = layer_norm(x, W[d + "final_layer_norm.weight"], W[d + "final_layer_norm.bias"], eps)
    if d + "project_out.weight" in W:
        x = x @ W[d + "project_out.weight"].T
    head = W.get("lm_head.weight", W[d + "embed_tokens.weight"])
    return x @ head.T


FORWARD = {"llama": forward_llama, "qwen2": forward_llama, "gpt2": forward_gpt2,
           "opt": forward_opt}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--greedy", type=int, default=0)
    ap.add_argument("--out")
    a = ap.parse_args()
    config, weights = load_folder(a.dir)
    forward = FORWARD[config["model_type"]]
    toks = [int(t) for t in a.tokens.split(",")]
    for _ in range(a.greedy):
        toks.append(int(np.argmax(forward(config, weights, np.array(toks))[-1])))
    logits = forward(config, weights, np.array(toks))
    if a.out:
        with open(a.out + ".tokens", "w") as f:
            f.write(" ".join(str(t) for t in toks) + "\n")
        logits.astype("<f4").tofile(a.out + ".logits")
    else:
        json.dump({"tokens": toks, "logits": logits.tolist()}, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
