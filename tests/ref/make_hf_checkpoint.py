#!/usr/bin/env python3
"""Writes a random, small Hugging Face checkpoint folder for one architecture.

Usage: /usr/bin/python3 tests/ref/make_hf_checkpoint.py ARCH OUTDIR [--seed S]
  ARCH: llama | qwen2 | gpt2 | opt | opt350

OUTDIR gets config.json (the keys transformers writes for that config class), model.safetensors
(written here by hand, Hugging Face tensor names and layouts: nn.Linear weights [out, in],
GPT-2's Conv1D weights [in, out]) and a tiny byte-level BPE tokenizer: vocab.json + merges.txt
(gpt2, opt) or tokenizer.json (llama, qwen2). Vocabulary = special tokens + the 256 byte symbols
+ merges learnt from a fixed text, so every byte string can be tokenized.

  llama  : GQA 4 / 2 heads, width 64, 2 layers, untied head
  qwen2  : GQA 4 / 2, q/k/v biases, tied head, rope_theta 1e6
  gpt2   : 4 heads, width 64, 3 layers, tied head (GPT2LMHeadModel)
  opt    : pre-LN (do_layer_norm_before), 4 heads, width 64, 2 layers, untied lm_head
  opt350 : post-LN, word_embed_proj_dim 32 != hidden_size 64 (project_in / project_out),
           no final LayerNorm, tied head -- the opt-350m layout
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_io import bytes_to_unicode, write_safetensors  # noqa: E402

TEXT = ("Once upon a time there was a little girl named Lily. She liked to play in the park "
        "with her friends. One day the sun was hot and the sky was blue, and they went to the "
        "water to swim. The end of the story is that everyone was happy.")

SPECIALS = {
    "gpt2": ["<|endoftext|>"],
    "opt": ["<s>", "<pad>", "</s>", "<unk>"],
    "llama": ["<unk>", "<s>", "</s>"],
    "qwen2": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
}

SHAPES = {
    "llama": dict(vocab=320, embd=64, layers=2, heads=4, kv_heads=2, ff=128, ctx=128),
    "qwen2": dict(vocab=320, embd=64, layers=2, heads=4, kv_heads=2, ff=128, ctx=128),
    "gpt2": dict(vocab=320, embd=64, layers=3, heads=4, ff=256, ctx=64),
    "opt": dict(vocab=320, embd=64, layers=2, heads=4, ff=128, ctx=64),
    "opt350": dict(vocab=320, embd=64, proj=32, layers=2, heads=4, ff=128, ctx=64),
}


# ---------------------------------------------------------------- tokenizer

def train_bpe(n_merges, specials):
    """Byte-level BPE on TEXT (GPT-2 style: words keep their leading space as 'Ġ')."""
    b2u = bytes_to_unicode()
    words = []
    for i, w in enumerate(TEXT.split(" ")):
        piece = (" " if i else "") + w
        words.append([b2u[b] for b in piece.encode("utf-8")])
    vocab = list(specials) + [b2u[b] for b in range(256)]
    merges = []
    while len(merges) < n_merges:
        counts = {}
        for w in words:
            for a, b in zip(w, w[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        vocab.append(best[0] + best[1])
        for w in words:
            i = 0
            while i + 1 < len(w):
                if (w[i], w[i + 1]) == best:
                    w[i:i + 2] = [best[0] + best[1]]
                i += 1
    assert len(set(vocab)) == len(vocab)
    return vocab, merges


def write_vocab_merges(out, vocab, merges):
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(a + " " + b + "\n")


def write_tokenizer_json(out, vocab, merges, n_special):
    tj = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": vocab[i], "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for i in range(n_special)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(vocab)},
                  "merges": [a + " " + b for a, b in merges]},
    }
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)


def write_tokenizer(out, family, n_vocab):
    specials = SPECIALS[family]
    vocab, merges = train_bpe(n_vocab - len(specials) - 256, specials)
    assert len(vocab) == n_vocab, (len(vocab), n_vocab)
    if family in ("gpt2", "opt"):
        write_vocab_merges(out, vocab, merges)
    else:
        write_tokenizer_json(out, vocab, merges, len(specials))
    return vocab


# ---------------------------------------------------------------- weights

class Gen:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def mat(self, rows, cols, gain=1.0):
        """[rows, cols] with rows of unit-ish norm: activations stay O(1) through the layers."""
        return (self.rng.standard_normal((rows, cols)) * gain / np.sqrt(cols)).astype(np.float32)

    def vec(self, n, scale=0.2, offset=0.0):
        return (offset + scale * self.rng.standard_normal(n)).astype(np.float32)


def llama_tensors(g, s, qwen):
    D, H, Hkv, F, V = s["embd"], s["heads"], s["kv_heads"], s["ff"], s["vocab"]
    kv = Hkv * (D // H)
    # A tied head reads the embedding back: small rows there, or the input token dominates.
    t = [("model.embed_tokens.weight", g.mat(V, D, 1.0 if qwen else 8.0))]
    for l in range(s["layers"]):
        p = "model.layers.%d." % l
        t += [(p + "input_layernorm.weight", g.vec(D, 0.25, 1.0)),
              (p + "self_attn.q_proj.weight", g.mat(D, D, 2.5)),
              (p + "self_attn.k_proj.weight", g.mat(kv, D, 2.5)),
              (p + "self_attn.v_proj.weight", g.mat(kv, D)),
              (p + "self_attn.o_proj.weight", g.mat(D, D))]
        if qwen:
            t += [(p + "self_attn.q_proj.bias", g.vec(D, 0.5)),
                  (p + "self_attn.k_proj.bias", g.vec(kv, 0.5)),
                  (p + "self_attn.v_proj.bias", g.vec(kv, 0.2))]
        t += [(p + "post_attention_layernorm.weight", g.vec(D, 0.25, 1.0)),
              (p + "mlp.gate_proj.weight", g.mat(F, D)),
              (p + "mlp.up_proj.weight", g.mat(F, D)),
              (p + "mlp.down_proj.weight", g.mat(D, F))]
    t.append(("model.norm.weight", g.vec(D, 0.25, 1.0)))
    if not qwen:
        t.append(("lm_head.weight", g.mat(V, D, 4.0)))
    return t


def gpt2_tensors(g, s):
    D, F, V, P = s["embd"], s["ff"], s["vocab"], s["ctx"]
    conv = lambda i, o, gain=1.0: g.mat(o, i, gain).T.copy()  # Conv1D stores [in, out]
    t = [("transformer.wte.weight", g.mat(V, D, 1.0)),
         ("transformer.wpe.weight", g.mat(P, D, 2.0))]
    for l in range(s["layers"]):
        p = "transformer.h.%d." % l
        t += [(p + "ln_1.weight", g.vec(D, 0.25, 1.0)), (p + "ln_1.bias", g.vec(D)),
              (p + "attn.c_attn.weight", conv(D, 3 * D, 2.0)), (p + "attn.c_attn.bias", g.vec(3 * D)),
              (p + "attn.c_proj.weight", conv(D, D)), (p + "attn.c_proj.bias", g.vec(D)),
              (p + "ln_2.weight", g.vec(D, 0.25, 1.0)), (p + "ln_2.bias", g.vec(D)),
              (p + "mlp.c_fc.weight", conv(D, F, 2.0)), (p + "mlp.c_fc.bias", g.vec(F)),
              (p + "mlp.c_proj.weight", conv(F, D)), (p + "mlp.c_proj.bias", g.vec(D))]
    t += [("transformer.ln_f.weight", g.vec(D, 0.25, 1.0)), ("transformer.ln_f.bias", g.vec(D))]
    return t  # lm_head.weight is tied to wte and not saved


def opt_tensors(g, s, pre_ln, tied):
    D, F, V, P = s["embd"], s["ff"], s["vocab"], s["ctx"]
    W = s.get("proj", D)
    d = "model.decoder."
    t = [(d + "embed_tokens.weight", g.mat(V, W, 8.0)),
         (d + "embed_positions.weight", g.mat(P + 2, D, 2.0))]
    if W != D:
        t += [(d + "project_out.weight", g.mat(W, D, 2.0)),
              (d + "project_in.weight", g.mat(D, W, 2.0))]
    if pre_ln:
        t += [(d + "final_layer_norm.weight", g.vec(D, 0.25, 1.0)),
              (d + "final_layer_norm.bias", g.vec(D))]
    for l in range(s["layers"]):
        p = d + "layers.%d." % l
        for name, gain in (("k_proj", 2.5), ("v_proj", 1.0), ("q_proj", 2.5), ("out_proj", 1.0)):
            t += [(p + "self_attn." + name + ".weight", g.mat(D, D, gain)),
                  (p + "self_attn." + name + ".bias", g.vec(D))]
        t += [(p + "self_attn_layer_norm.weight", g.vec(D, 0.25, 1.0)),
              (p + "self_attn_layer_norm.bias", g.vec(D)),
              (p + "fc1.weight", g.mat(F, D, 2.0)), (p + "fc1.bias", g.vec(F)),
              (p + "fc2.weight", g.mat(D, F)), (p + "fc2.bias", g.vec(D)),
              (p + "final_layer_norm.weight", g.vec(D, 0.25, 1.0)),
              (p + "final_layer_norm.bias", g.vec(D))]
    if not tied:
        t.append(("lm_head.weight", g.mat(V, W, 4.0)))
    return t


# ---------------------------------------------------------------- config.json

TRANSFORMERS_VERSION = "4.46.3"


def llama_config(s, vocab):
    return {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": vocab.index("<s>"), "eos_token_id": vocab.index("</s>"),
        "head_dim": s["embd"] // s["heads"], "hidden_act": "silu", "hidden_size": s["embd"],
        "initializer_range": 0.02, "intermediate_size": s["ff"],
        "max_position_embeddings": s["ctx"], "mlp_bias": False, "model_type": "llama",
        "num_attention_heads": s["heads"], "num_hidden_layers": s["layers"],
        "num_key_value_heads": s["kv_heads"], "pretraining_tp": 1, "rms_norm_eps": 1e-05,
        "rope_scaling": None, "rope_theta": 10000.0, "tie_word_embeddings": False,
        "torch_dtype": "float32", "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True, "vocab_size": s["vocab"]}


def qwen2_config(s, vocab):
    return {
        "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
        "bos_token_id": vocab.index("<|endoftext|>"), "eos_token_id": vocab.index("<|im_end|>"),
        "hidden_act": "silu", "hidden_size": s["embd"], "initializer_range": 0.02,
        "intermediate_size": s["ff"], "max_position_embeddings": s["ctx"],
        "max_window_layers": s["layers"], "model_type": "qwen2",
        "num_attention_heads": s["heads"], "num_hidden_layers": s["layers"],
        "num_key_value_heads": s["kv_heads"], "rms_norm_eps": 1e-06, "rope_scaling": None,
        "rope_theta": 1000000.0, "sliding_window": None, "tie_word_embeddings": True,
        "torch_dtype": "float32", "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True, "use_sliding_window": False, "vocab_size": s["vocab"]}


def gpt2_config(s, vocab):
    eot = vocab.index("<|endoftext|>")
    return {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1, "bos_token_id": eot, "embd_pdrop": 0.1, "eos_token_id": eot,
        "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
        "n_ctx": s["ctx"], "n_embd": s["embd"], "n_head": s["heads"], "n_inner": s["ff"],
        "n_layer": s["layers"], "n_positions": s["ctx"], "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True,
        "summary_activation": None, "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
        "summary_type": "cls_index", "summary_use_proj": True, "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION, "use_cache": True,
        "vocab_size": s["vocab"]}


def opt_config(s, vocab, pre_ln, tied):
    return {
        "_name_or_path": "", "_remove_final_layer_norm": False, "activation_dropout": 0.0,
        "activation_function": "relu", "architectures": ["OPTForCausalLM"],
        "attention_dropout": 0.0, "bos_token_id": vocab.index("</s>"),
        "do_layer_norm_before": pre_ln, "dropout": 0.1, "enable_bias": True,
        "eos_token_id": vocab.index("</s>"), "ffn_dim": s["ff"], "hidden_size": s["embd"],
        "init_std": 0.02, "layer_norm_elementwise_affine": True, "layerdrop": 0.0,
        "max_position_embeddings": s["ctx"], "model_type": "opt",
        "num_attention_heads": s["heads"], "num_hidden_layers": s["layers"],
        "pad_token_id": vocab.index("<pad>"), "prefix": "</s>", "tie_word_embeddings": tied,
        "torch_dtype": "float32", "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True, "vocab_size": s["vocab"],
        "word_embed_proj_dim": s.get("proj", s["embd"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("arch", choices=sorted(SHAPES))
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    s = SHAPES[a.arch]
    family = "opt" if a.arch.startswith("opt") else a.arch
    seed = a.seed if a.seed is not None else {"llama": 11, "qwen2": 12, "gpt2": 13, "opt": 14,
                                              "opt350": 15}[a.arch]
    os.makedirs(a.out, exist_ok=True)
    vocab = write_tokenizer(a.out, family, s["vocab"])
    g = Gen(seed)
    if a.arch == "llama":
        cfg, t = llama_config(s, vocab), llama_tensors(g, s, qwen=False)
    elif a.arch == "qwen2":
        cfg, t = qwen2_config(s, vocab), llama_tensors(g, s, qwen=True)
    elif a.arch == "gpt2":
        cfg, t = gpt2_config(s, vocab), gpt2_tensors(g, s)
    else:
        pre_ln, tied = (True, False) if a.arch == "opt" else (False, True)
        cfg, t = opt_config(s, vocab, pre_ln, tied), opt_tensors(g, s, pre_ln, tied)
    write_safetensors(os.path.join(a.out, "model.safetensors"), t)
    with open(os.path.join(a.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    tc = {"model_max_length": s["ctx"], "bos_token": vocab[cfg["bos_token_id"]],
          "eos_token": vocab[cfg["eos_token_id"]],
          "add_bos_token": family in ("llama", "opt")}
    with open(os.path.join(a.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tc, f, indent=2)


if __name__ == "__main__":
    main()
