#!/usr/bin/env python3
"""Converts a (test) Hugging Face folder to an F32 GGUF v3 file, independently of the engine.

Usage: /usr/bin/python3 tests/ref/make_gguf.py HF_DIR OUT.gguf [--drop TENSOR]...
           [--set KEY=TYPE:VALUE]... [--rows TENSOR=N]

Reads config.json, model.safetensors and the tokenizer (vocab.json + merges.txt or
tokenizer.json) and writes GGUF with the names of docs/formats.md (llama.cpp's for llama,
qwen2, gpt2; SlimLLM's for opt):
  llama : Wq / Wk rows permuted per head to GGUF's interleaved-RoPE order exactly as llama.cpp's
          convert_hf_to_gguf.py LlamaModel.permute does (reshape(n_head, 2, hd/2, in),
          swapaxes(1, 2)); qwen2 keeps HF's order (NeoX RoPE) and has q/k/v biases
  gpt2  : Conv1D weights ([in, out]) transposed to rows of `in`; fused attn_qkv kept fused
  opt   : position table kept whole (max_position_embeddings + 2 rows), project_in/out
GGUF orientation: a matrix with numpy shape (rows, cols) is written with ne = [cols, rows].
The --drop / --set / --rows options make corrupt variants for the loader's error tests:
--set KEY=u32:N | i32:N | f32:X | bool:0|1 | str:S | del: (remove the key); --rows keeps only
the first N rows of a 2-D tensor.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_io import load_folder  # noqa: E402

# GGUF value types (ggml gguf.h)
U32, I32, F32, BOOL, STR, ARR = 4, 5, 6, 7, 8, 9
GGML_TYPE_F32 = 0
ALIGNMENT = 32


class GgufWriter:
    def __init__(self):
        self.kv = {}  # key -> (type, value[, elem type])
        self.tensors = []  # (name, float32 array)

    def set(self, key, vtype, value, elem=None):
        self.kv[key] = (vtype, value, elem)

    @staticmethod
    def _string(s):
        raw = s.encode("utf-8")
        return struct.pack("<Q", len(raw)) + raw

    def _scalar(self, vtype, v):
        if vtype == STR:
            return self._string(v)
        return struct.pack({U32: "<I", I32: "<i", F32: "<f", BOOL: "<?"}[vtype], v)

    def write(self, path):
        out = bytearray(b"GGUF")
        out += struct.pack("<IQQ", 3, len(self.tensors), len(self.kv))
        for key, (vtype, value, elem) in self.kv.items():
            out += self._string(key) + struct.pack("<I", vtype)
            if vtype == ARR:
                out += struct.pack("<IQ", elem, len(value))
                for v in value:
                    out += self._scalar(elem, v)
            else:
                out += self._scalar(vtype, value)
        offset, blobs = 0, []
        for name, arr in self.tensors:
            a = np.ascontiguousarray(arr, dtype="<f4")
            pad = (-offset) % ALIGNMENT
            blobs.append(b"\0" * pad)
            offset += pad
            ne = a.shape[::-1]
            out += self._string(name) + struct.pack("<I", len(ne))
            out += struct.pack("<%dQ" % len(ne), *ne) + struct.pack("<IQ", GGML_TYPE_F32, offset)
            blobs.append(a.tobytes())
            offset += a.nbytes
        out += b"\0" * ((-len(out)) % ALIGNMENT)
        with open(path, "wb") as f:
            f.write(bytes(out) + b"".join(blobs))


# ---------------------------------------------------------------- tokenizer

def read_tokenizer(folder):
    """-> (tokens by id, merges as 'a b', set of special ids)."""
    tj = os.path.join(folder, "tokenizer.json")
    if os.path.exists(tj):
        with open(tj, encoding="utf-8") as f:
            t = json.load(f)
        vocab = dict(t["model"]["vocab"])
        special = set()
        for a in t.get("added_tokens", []):
            vocab[a["content"]] = a["id"]
            if a.get("special"):
                special.add(a["id"])
        merges = [m if isinstance(m, str) else " ".join(m) for m in t["model"]["merges"]]
    else:
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            merges = [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#version")]
        special = {i for tok, i in vocab.items() if tok.startswith("<") and tok.endswith(">")}
    tokens = [None] * len(vocab)
    for tok, i in vocab.items():
        tokens[i] = tok
    assert None not in tokens, "token ids must be 0..N-1"
    return tokens, merges, special


def add_tokenizer(w, folder, config, add_bos):
    tokens, merges, special = read_tokenizer(folder)
    w.set("tokenizer.ggml.model", STR, "gpt2")
    w.set("tokenizer.ggml.pre", STR, "gpt-2")
    w.set("tokenizer.ggml.tokens", ARR, tokens, STR)
    w.set("tokenizer.ggml.token_type", ARR, [3 if i in special else 1 for i in range(len(tokens))],
          I32)
    w.set("tokenizer.ggml.merges", ARR, merges, STR)
    w.set("tokenizer.ggml.bos_token_id", U32, config["bos_token_id"])
    w.set("tokenizer.ggml.eos_token_id", U32, config["eos_token_id"])
    w.set("tokenizer.ggml.add_bos_token", BOOL, add_bos)


# ---------------------------------------------------------------- architectures

def llama_permute(w, n_head):
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(
        w.shape)


def convert_llama(c, W, w):
    arch = c["model_type"]
    H, Hkv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    D = c["hidden_size"]
    a = arch + "."
    w.set(a + "context_length", U32, c["max_position_embeddings"])
    w.set(a + "embedding_length", U32, D)
    w.set(a + "feed_forward_length", U32, c["intermediate_size"])
    w.set(a + "block_count", U32, c["num_hidden_layers"])
    w.set(a + "attention.head_count", U32, H)
    w.set(a + "attention.head_count_kv", U32, Hkv)
    w.set(a + "rope.freq_base", F32, c.get("rope_theta", 10000.0))
    w.set(a + "rope.dimension_count", U32, D // H)
    w.set(a + "attention.layer_norm_rms_epsilon", F32, c["rms_norm_eps"])
    t = w.tensors
    t.append(("token_embd.weight", W["model.embed_tokens.weight"]))
    for l in range(c["num_hidden_layers"]):
        p, b = "model.layers.%d." % l, "blk.%d." % l
        q, k = W[p + "self_attn.q_proj.weight"], W[p + "self_attn.k_proj.weight"]
        if arch == "llama":
            q, k = llama_permute(q, H), llama_permute(k, Hkv)
        t += [(b + "attn_norm.weight", W[p + "input_layernorm.weight"]),
              (b + "attn_q.weight", q), (b + "attn_k.weight", k),
              (b + "attn_v.weight", W[p + "self_attn.v_proj.weight"]),
              (b + "attn_output.weight", W[p + "self_attn.o_proj.weight"]),
              (b + "ffn_norm.weight", W[p + "post_attention_layernorm.weight"]),
              (b + "ffn_gate.weight", W[p + "mlp.gate_proj.weight"]),
              (b + "ffn_up.weight", W[p + "mlp.up_proj.weight"]),
              (b + "ffn_down.weight", W[p + "mlp.down_proj.weight"])]
        for x in "qkv":
            if p + "self_attn.%s_proj.bias" % x in W:
                t.append((b + "attn_%s.bias" % x, W[p + "self_attn.%s_proj.bias" % x]))
    t.append(("output_norm.weight", W["model.norm.weight"]))
    if "lm_head.weight" in W:
        t.append(("output.weight", W["lm_head.weight"]))


def convert_gpt2(c, W, w):
    pre = "transformer." if "transformer.wte.weight" in W else ""
    w.set("gpt2.context_length", U32, c["n_positions"])
    w.set("gpt2.embedding_length", U32, c["n_embd"])
    w.set("gpt2.feed_forward_length", U32, c.get("n_inner") or 4 * c["n_embd"])
    w.set("gpt2.block_count", U32, c["n_layer"])
    w.set("gpt2.attention.head_count", U32, c["n_head"])
    w.set("gpt2.attention.layer_norm_epsilon", F32, c["layer_norm_epsilon"])
    t = w.tensors
    t += [("token_embd.weight", W[pre + "wte.weight"]),
          ("position_embd.weight", W[pre + "wpe.weight"])]
    for l in range(c["n_layer"]):
        p, b = pre + "h.%d." % l, "blk.%d." % l
        for hf, gg in (("ln_1", "attn_norm"), ("attn.c_attn", "attn_qkv"),
                       ("attn.c_proj", "attn_output"), ("ln_2", "ffn_norm"),
                       ("mlp.c_fc", "ffn_up"), ("mlp.c_proj", "ffn_down")):
            weight = W[p + hf + ".weight"]
            t += [(b + gg + ".weight", weight.T if weight.ndim == 2 else weight),
                  (b + gg + ".bias", W[p + hf + ".bias"])]
    t += [("output_norm.weight", W[pre + "ln_f.weight"]),
          ("output_norm.bias", W[pre + "ln_f.bias"])]
    if "lm_head.weight" in W and not c.get("tie_word_embeddings", True):
        t.append(("output.weight", W["lm_head.weight"]))


def convert_opt(c, W, w):
    d = "model.decoder."
    D = c["hidden_size"]
    w.set("opt.context_length", U32, c["max_position_embeddings"])
    w.set("opt.embedding_length", U32, D)
    w.set("opt.feed_forward_length", U32, c["ffn_dim"])
    w.set("opt.block_count", U32, c["num_hidden_layers"])
    w.set("opt.attention.head_count", U32, c["num_attention_heads"])
    w.set("opt.attention.layer_norm_epsilon", F32, 1e-5)
    w.set("opt.do_layer_norm_before", BOOL, bool(c.get("do_layer_norm_before", True)))
    w.set("opt.word_embed_proj_dim", U32, c.get("word_embed_proj_dim", D))
    t = w.tensors
    t += [("token_embd.weight", W[d + "embed_tokens.weight"]),
          ("position_embd.weight", W[d + "embed_positions.weight"])]
    for name in ("project_in", "project_out"):
        if d + name + ".weight" in W:
            t.append((name + ".weight", W[d + name + ".weight"]))
    if d + "final_layer_norm.weight" in W:
        t += [("output_norm.weight", W[d + "final_layer_norm.weight"]),
              ("output_norm.bias", W[d + "final_layer_norm.bias"])]
    for l in range(c["num_hidden_layers"]):
        p, b = d + "layers.%d." % l, "blk.%d." % l
        for hf, gg in (("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"),
                       ("self_attn.v_proj", "attn_v"), ("self_attn.out_proj", "attn_output"),
                       ("self_attn_layer_norm", "attn_norm"), ("fc1", "ffn_up"),
                       ("fc2", "ffn_down"), ("final_layer_norm", "ffn_norm")):
            t += [(b + gg + ".weight", W[p + hf + ".weight"]), (b + gg + ".bias", W[p + hf + ".bias"])]
    if "lm_head.weight" in W and not c.get("tie_word_embeddings", True):
        t.append(("output.weight", W["lm_head.weight"]))


def apply_edits(w, a):
    drop = set(a.drop)
    w.tensors = [(n, t) for n, t in w.tensors if n not in drop]
    for spec in a.rows:
        name, n = spec.split("=")
        w.tensors = [(m, t[:int(n)] if m == name else t) for m, t in w.tensors]
    for spec in a.set:
        key, tv = spec.split("=", 1)
        vtype, value = tv.split(":", 1)
        if vtype == "del":
            del w.kv[key]
            continue
        conv = {"u32": (U32, int), "i32": (I32, int), "f32": (F32, float),
                "bool": (BOOL, lambda s: s == "1"), "str": (STR, str)}[vtype]
        w.set(key, conv[0], conv[1](value))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("out")
    ap.add_argument("--drop", action="append", default=[])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--rows", action="append", default=[])
    a = ap.parse_args()
    config, weights = load_folder(a.dir)
    weights = {k: v.astype(np.float32) for k, v in weights.items()}
    arch = config["model_type"]
    w = GgufWriter()
    w.set("general.architecture", STR, arch)
    w.set("general.name", STR, "random %s (tests/ref/make_hf_checkpoint.py)" % arch)
    w.set("general.file_type", U32, 0)  # ALL_F32
    {"llama": convert_llama, "qwen2": convert_llama, "gpt2": convert_gpt2,
     "opt": convert_opt}[arch](config, weights, w)
    add_tokenizer(w, a.dir, config, add_bos=arch in ("llama", "opt"))
    apply_edits(w, a)
    w.write(a.out)


if __name__ == "__main__":
    main()
