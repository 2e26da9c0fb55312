#!/usr/bin/env python3
"""CLI tests for `slim`, one case per ctest entry: cli_test.py CASE --slim BIN --shared DIR.

References are independent of SlimLLM: the 64 greedy ids published in ../shared/README.md
(produced by llama2.c / llama.cpp) and the real model files. Standard library only.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

A = None  # parsed arguments


def run(*args, check=True, timeout=240):
    p = subprocess.run([A.slim, *args], capture_output=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"slim {' '.join(args)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def gguf_model():
    return os.path.join(A.shared, "models/stories260K/stories260K.gguf")


def llama2c_model():
    return os.path.join(A.shared, "models/llama2c-stories260K/stories260K.bin")


def reference_ids():
    """The 64 ids listed in ../shared/README.md under 'Reference behaviour'."""
    text = open(os.path.join(A.shared, "README.md"), encoding="utf-8").read()
    m = re.search(r"first 64 generated ids:\s*```\s*([0-9 \n]+?)\s*```", text)
    expect(m, "reference ids not found in shared README")
    ids = [int(x) for x in m.group(1).split()]
    expect(len(ids) == 64, f"expected 64 reference ids, found {len(ids)}")
    return ids


def run_json(model, *extra):
    p = run("run", "-m", model, "--json", *extra)
    return json.loads(p.stdout.decode("utf-8"))


def one_error_line(p, must_contain):
    expect(p.returncode != 0, "expected a non-zero exit")
    err = p.stderr.decode("utf-8", errors="replace").strip()
    expect(err.count("\n") == 0, f"expected one line on stderr, got:\n{err}")
    expect(must_contain.lower() in err.lower(), f"stderr should mention '{must_contain}': {err}")
    expect("terminate" not in err and "Aborted" not in err, f"crash-like message: {err}")


def write_gguf(path, kvs, tensors=()):
    """Tiny GGUF v3 writer (strings and u32 values only) for crafted inputs."""
    def s(x):
        b = x.encode()
        return struct.pack("<Q", len(b)) + b
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for k, v in kvs:
        out += s(k) + (struct.pack("<I", 8) + s(v) if isinstance(v, str) else struct.pack("<II", 4, v))
    with open(path, "wb") as f:
        f.write(out)


# ---- cases -------------------------------------------------------------------------------

def case_gguf_reference_ids():
    r = run_json(gguf_model(), "--temp", "0", "-n", "64")
    expect(r["tokens"] == reference_ids(), f"ids differ from the reference:\n{r['tokens']}")
    expect(r["text"].startswith("Once upon a time, there was a little girl named Lily."), r["text"][:80])


def case_llama2c_reference_ids():
    r = run_json(llama2c_model(), "--temp", "0", "-n", "64")
    expect(r["tokens"] == reference_ids(), f"ids differ from the reference:\n{r['tokens']}")
    expect(r["text"].startswith("Once upon a time, there was a little girl named Lily."), r["text"][:80])


def case_seeded_threads_identical():
    common = ["--temp", "0.9", "--top-k", "0", "--top-p", "0.95", "--seed", "1234", "-n", "48", "-p", "Once upon"]
    a = run_json(gguf_model(), *common, "-t", "1")
    b = run_json(gguf_model(), *common, "-t", "2")
    c = run_json(gguf_model(), *common, "-t", "2")
    expect(a["tokens"] == b["tokens"] == c["tokens"], f"seeded runs differ:\n{a['tokens']}\n{b['tokens']}")
    d = run_json(gguf_model(), *[x if x != "1234" else "999" for x in common], "-t", "2")
    expect(d["tokens"] != a["tokens"], "a different seed gave the same tokens")
    e = run_json(llama2c_model(), *common, "-t", "2")
    expect(e["tokens"] == a["tokens"], "llama2.c and GGUF files of the same model disagree")


def case_streaming_text_matches_json():
    p = run("run", "-m", gguf_model(), "--temp", "0", "-n", "40", "-p", "Lily")
    streamed = p.stdout.decode("utf-8")
    r = run_json(gguf_model(), "--temp", "0", "-n", "40", "-p", "Lily")
    expect(streamed == "Lily" + r["text"] + "\n", f"streamed:\n{streamed!r}\njson:\n{r['text']!r}")
    err = p.stderr.decode()
    expect("tokens/s" in err and "load" in err, f"timings missing from stderr: {err}")


def case_prompt_continuation_spacing():
    # The generated text continues the prompt with its spaces: "Once upon a" + " time, ..."
    p = run("run", "-m", gguf_model(), "--temp", "0", "-n", "8", "-p", "Once upon a")
    out = p.stdout.decode("utf-8")
    expect(out.startswith("Once upon a time,"), repr(out))


def case_missing_model():
    one_error_line(run("run", "-m", "/nonexistent/model.gguf", check=False), "/nonexistent/model.gguf")
    one_error_line(run("run", check=False), "-m")


def case_bad_model_file():
    one_error_line(run("run", "-m", os.path.join(A.shared, "README.md"), check=False), "llama2.c")
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "trunc.gguf")
        with open(gguf_model(), "rb") as f:
            data = f.read(5000)
        with open(bad, "wb") as f:
            f.write(data)
        one_error_line(run("run", "-m", bad, check=False), "trunc.gguf")


def case_unknown_architecture():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "arch.gguf")
        write_gguf(path, [("general.architecture", "gpt9000")])
        one_error_line(run("run", "-m", path, check=False), "gpt9000")


def case_prompt_longer_than_context():
    one_error_line(run("run", "-m", gguf_model(), "-c", "8", "-p", "Once upon a time there was a big dog",
                       check=False), "context")


def case_context_stops_cleanly():
    r = run_json(gguf_model(), "--temp", "0", "-c", "20", "-n", "100", "--ignore-eos")
    expect(r["stop_reason"] == "context_full", r["stop_reason"])
    expect(len(r["tokens"]) == 20, f"expected 20 tokens (19 evaluated + 1 sampled) in a 20-token context, got {len(r['tokens'])}")
    expect(r["tokens"] == reference_ids()[:20], "greedy tokens should still match the reference")


def case_bad_options():
    one_error_line(run("run", "-m", gguf_model(), "--temp", "hot", check=False), "--temp")
    one_error_line(run("run", "-m", gguf_model(), "--bogus", check=False), "--bogus")
    one_error_line(run("run", "-m", gguf_model(), "--top-p", "1.5", check=False), "top_p")


def case_info_text():
    out = run("info", "-m", gguf_model()).stdout.decode()
    for needle in ["llama", "n_embd 64", "n_layer 5", "n_head 8", "n_head_kv 4", "512 tokens", "F32"]:
        expect(needle in out, f"'{needle}' missing from slim info:\n{out}")


def case_info_json():
    g = json.loads(run("info", "-m", gguf_model(), "--json").stdout)
    l = json.loads(run("info", "-m", llama2c_model(), "--json").stdout)
    for k in ["n_vocab", "n_embd", "n_ff", "n_layer", "n_head", "n_head_kv"]:
        expect(g[k] == l[k], f"{k}: gguf {g[k]} vs llama2c {l[k]}")
    # Header of the llama2.c file, read independently: dim, hidden, layers, heads, kv heads, vocab, seq.
    with open(llama2c_model(), "rb") as f:
        dim, hidden, layers, heads, kv, vocab, seq = struct.unpack("<7i", f.read(28))
    expect((g["n_embd"], g["n_ff"], g["n_layer"], g["n_head"], g["n_head_kv"], g["n_vocab"]) ==
           (dim, hidden, layers, heads, kv, abs(vocab)), "shape differs from the llama2.c header")
    expect(g["file_bytes"] == os.path.getsize(gguf_model()), "file size")


def case_tokenize_ids():
    out = run("tokenize", "-m", gguf_model(), "-p", "Hello world", "--ids", "--no-bos").stdout.decode().split()
    ids = [int(x) for x in out]
    expect(len(ids) > 0, "no ids")
    back = run("tokenize", "-m", gguf_model(), "-p", "Hello world", "--ids").stdout.decode().split()
    expect([int(x) for x in back] == [1] + ids, "BOS should be added by default")


def vocab_vectors(name, limit=None):
    """(text, ids) pairs of ../shared/tokenizer-vectors/ggml-vocab-NAME.gguf.{inp,out}."""
    base = os.path.join(A.shared, "tokenizer-vectors", f"ggml-vocab-{name}.gguf")
    with open(base + ".inp", "rb") as f:
        texts = f.read().split(b"\n__ggml_vocab_test__\n")
    if texts and texts[-1] == b"":
        texts.pop()
    with open(base + ".out", encoding="utf-8") as f:
        ids = [[int(x) for x in line.split()] for line in f.read().split("\n")[: len(texts)]]
    expect(len(texts) == len(ids) and texts, f"bad vectors for {name}")
    return base, list(zip(texts, ids))[:limit]


def check_vectors(model, vectors):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "text.txt")
        for i, (text, want) in enumerate(vectors):
            with open(path, "wb") as f:
                f.write(text)
            got = [int(x) for x in run("tokenize", "-m", model, "-f", path, "--ids", "--no-bos").stdout.split()]
            expect(got == want, f"vector {i} {text[:40]!r}: got {got}, want {want}")


def case_tokenize_vocab_only_gguf():
    # Vocab-only GGUFs (no tensors) tokenize on their own; ids are the published vectors.
    for name in ["gpt-2", "llama-spm"]:
        base, vectors = vocab_vectors(name, 16)
        check_vectors(base, vectors)
    # SentencePiece adds BOS by default, GPT-2 does not.
    spm = os.path.join(A.shared, "tokenizer-vectors", "ggml-vocab-llama-spm.gguf")
    ids = run("tokenize", "-m", spm, "-p", "Hello", "--ids").stdout.decode().split()
    expect(ids[0] == "1", f"llama-spm should start with BOS 1: {ids}")
    gpt2 = os.path.join(A.shared, "tokenizer-vectors", "ggml-vocab-gpt-2.gguf")
    expect(run("tokenize", "-m", gpt2, "-p", "Hello", "--ids").stdout.decode().split() == ["15496"], "gpt-2 Hello")


def case_tokenize_hf_files():
    # The GPT-2 vocab.json + merges.txt directory gives the gpt-2 vector ids.
    gpt2_dir = os.path.join(A.shared, "tokenizers", "gpt2")
    _, vectors = vocab_vectors("gpt-2")
    check_vectors(gpt2_dir, vectors)
    check_vectors(os.path.join(gpt2_dir, "vocab.json"), vectors[:3])
    # Id/piece listing.
    out = run("tokenize", "-m", gpt2_dir, "-p", "Hello world").stdout.decode()
    expect(re.search(r"15496 -> 'Hello'", out) and re.search(r"995 -> ' world'", out), out)
    # A corrupt tokenizer.json: one clean line naming the file and the field.
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "tokenizer.json")
        with open(bad, "w") as f:
            f.write('{"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, '
                    '"decoder": {"type": "ByteLevel"}, '
                    '"model": {"type": "BPE", "vocab": {"a": 0, "b": 7}, "merges": []}}')
        p = run("tokenize", "-m", d, "-p", "ab", check=False)
        one_error_line(p, "tokenizer.json: model.vocab: token 'b' has id 7")
        with open(bad, "w") as f:
            f.write('{"model": {"type": "Unigram"}}')
        one_error_line(run("tokenize", "-m", bad, "-p", "ab", check=False), "Unigram")


def case_quantize_roundtrip():
    with tempfile.TemporaryDirectory() as d:
        for t in ["F16", "Q8_0", "Q4_0"]:
            out = os.path.join(d, f"m-{t}.gguf")
            p = run("quantize", gguf_model(), out, t)
            expect(os.path.getsize(out) > 0, "no output")
            info = json.loads(run("info", "-m", out, "--json").stdout)
            types = {x["type"] for x in info["tensors"] if len(x["shape"]) == 2}
            expect(t in types, f"{t} not among tensor types {types}")
            r = run_json(out, "--temp", "0", "-n", "16")
            expect(len(r["tokens"]) == 16, "generation from the quantized model")
            if t == "F16":
                expect(r["tokens"] == reference_ids()[:16], "F16 greedy output should match F32 here")
        one_error_line(run("quantize", gguf_model(), os.path.join(d, "x.gguf"), "Q9_9", check=False), "Q9_9")


def read_gguf(path):
    """Metadata (scalars and strings; arrays as None) and [(name, dims, type id)] of a GGUF file."""
    data = open(path, "rb").read()
    expect(data[:4] == b"GGUF", f"{path}: not a GGUF file")
    pos = 4
    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]
    def string():
        nonlocal pos
        n = take("Q")
        pos += n
        return data[pos - n:pos].decode("utf-8", errors="replace")
    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("IQ")
            for _ in range(n):
                value(et)
            return None
        return take(scalar[t])
    _, n_tensors, n_kv = take("IQQ")
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("I"))
    tensors = []
    for _ in range(n_tensors):
        name = string()
        nd = take("I")
        dims = [take("Q") for _ in range(nd)]
        t = take("I")
        take("Q")
        tensors.append((name, dims, t))
    return meta, tensors


# GGUF tensor type ids and llama.cpp file type numbers (ggml.h / llama.h).
GGML_TYPE = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8,
             "Q2_K": 10, "Q3_K": 11, "Q4_K": 12, "Q5_K": 13, "Q6_K": 14, "BF16": 30}
FILE_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9,
              "Q2_K": 10, "Q3_K_S": 11, "Q3_K_M": 12, "Q3_K_L": 13, "Q4_K_S": 14, "Q4_K_M": 15,
              "Q5_K_S": 16, "Q5_K_M": 17, "Q6_K": 18, "BF16": 32}


def case_quantize_types():
    """Every type name: a parseable file with general.file_type set, 1-D tensors F32, and one
    stderr note per fallback tensor; Q4_K_M and --pure checked tensor by tensor."""
    with tempfile.TemporaryDirectory() as d:
        for name, number in FILE_TYPES.items():
            out = os.path.join(d, f"m-{name}.gguf")
            p = run("quantize", gguf_model(), out, name.lower() if number % 2 else name)
            meta, tensors = read_gguf(out)
            expect(meta.get("general.file_type") == number, f"{name}: general.file_type {meta.get('general.file_type')}")
            expect(len(tensors) == 48, f"{name}: {len(tensors)} tensors")
            for tname, dims, t in tensors:
                if len(dims) == 1:
                    expect(t == 0, f"{name}: 1-D {tname} is type {t}")
            err = p.stderr.decode()
            noted = re.findall(r"^note: tensor '([^']+)'", err, re.M)
            expect(len(noted) == len(set(noted)), f"{name}: duplicate notes\n{err}")
            if name in ("F32", "F16", "BF16"):
                expect(not noted, f"{name}: unexpected notes\n{err}")
            else:
                # ffn_down rows are 172 wide: not a multiple of 32 -> F16 for every block type.
                for l in range(5):
                    expect(f"blk.{l}.ffn_down.weight" in noted, f"{name}: no note for blk.{l}.ffn_down\n{err}")
            if name == "Q4_K_M":
                # Rows are 64 wide: every K-quant falls back (Q4_K -> Q5_0, Q6_K -> Q8_0); the
                # output head is Q8_0 (64 % 256 != 0); attn_v gets Q6_K in the "more bits"
                # layers {2, 4} of 5 (llama.cpp use_more_bits); ffn_down F16.
                types = {tname: t for tname, _, t in tensors}
                expect(types["output.weight"] == GGML_TYPE["Q8_0"], "Q4_K_M output.weight")
                expect(types["token_embd.weight"] == GGML_TYPE["Q5_0"], "Q4_K_M token_embd")
                for l in range(5):
                    v = GGML_TYPE["Q8_0"] if l in (2, 4) else GGML_TYPE["Q5_0"]
                    expect(types[f"blk.{l}.attn_v.weight"] == v, f"Q4_K_M blk.{l}.attn_v")
                    expect(types[f"blk.{l}.attn_q.weight"] == GGML_TYPE["Q5_0"], f"Q4_K_M blk.{l}.attn_q")
                    expect(types[f"blk.{l}.ffn_down.weight"] == GGML_TYPE["F16"], f"Q4_K_M blk.{l}.ffn_down")
                matrices = [tname for tname, dims, _ in tensors if len(dims) == 2]
                expect(sorted(noted) == sorted(matrices), f"Q4_K_M: every matrix is a fallback\n{err}")
        # --pure: no bigger output head.
        out = os.path.join(d, "pure.gguf")
        run("quantize", gguf_model(), out, "Q4_0", "--pure")
        types = {tname: t for tname, _, t in read_gguf(out)[1]}
        expect(types["output.weight"] == GGML_TYPE["Q4_0"], "--pure output.weight")
        p = run("quantize", gguf_model(), os.path.join(d, "x.gguf"), "Q4_K", check=False)
        one_error_line(p, "Q4_K")
        for listed in FILE_TYPES:
            expect(listed in p.stderr.decode(), f"error should list {listed}: {p.stderr.decode()}")
        usage = run("quantize", "--help").stdout.decode()
        expect("Q4_K_M" in usage and "Q3_K_S" in usage, usage)


def make_hf(kind, d):
    """A random Hugging Face folder (tests/ref/make_hf_checkpoint.py, numpy) in d/kind."""
    ref = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref")
    out = os.path.join(d, kind)
    subprocess.run(["/usr/bin/python3", os.path.join(ref, "make_hf_checkpoint.py"), kind, out],
                   check=True, capture_output=True)
    return out


def case_convert_hf():
    with tempfile.TemporaryDirectory() as d:
        for kind, arch in [("gpt2", "gpt2"), ("opt350", "opt"), ("llama", "llama")]:
            hf = make_hf(kind, d)
            # Runs directly from the folder, and `slim info` describes it.
            info = json.loads(run("info", "-m", hf, "--json").stdout)
            expect(info["architecture"] == arch, f"{kind}: info architecture {info['architecture']}")
            expect(info["format"] == "hf-safetensors", f"{kind}: format {info['format']}")
            direct = run_json(hf, "-p", "Once upon a time", "--temp", "0", "-n", "12")
            for t in ["F32", "Q8_0"]:
                out = os.path.join(d, f"{kind}-{t}.gguf")
                p = run("convert", hf, out, "--type", t)
                err = p.stderr.decode()
                expect("100%" in err and f"wrote {out}" in err, f"{kind}: progress/summary on stderr:\n{err}")
                meta, tensors = read_gguf(out)
                expect(meta["general.architecture"] == arch, f"{kind}: general.architecture")
                if t == "Q8_0":
                    expect(GGML_TYPE["Q8_0"] in {ty for _, dims, ty in tensors if len(dims) == 2},
                           f"{kind}: no Q8_0 matrix")
                r = run_json(out, "-p", "Once upon a time", "--temp", "0", "-n", "12")
                if t == "F32":
                    expect(r["tokens"] == direct["tokens"], f"{kind}: converted F32 vs folder greedy tokens")
                    expect(r["text"] == direct["text"], f"{kind}: converted F32 vs folder text")
                else:
                    expect(len(r["tokens"]) == 12, f"{kind}: Q8_0 generation")
        one_error_line(run("convert", os.path.join(d, "nope"), os.path.join(d, "x.gguf"), check=False),
                       "config.json")
        one_error_line(run("convert", make_hf("gpt2", os.path.join(d, "g2")), os.path.join(d, "x.gguf"),
                           "--type", "Q9", check=False), "Q9")
        expect(not os.path.exists(os.path.join(d, "x.gguf.hf.tmp")), "temporary file left behind")
        usage = run("convert", "--help").stdout.decode()
        expect("HF_DIR" in usage and "--type" in usage, usage)
def chat(stdin_text, *extra, check=True):
    p = subprocess.run([A.slim, "chat", "-m", gguf_model(), *extra], input=stdin_text.encode("utf-8"),
                       capture_output=True, timeout=240)
    if check and p.returncode != 0:
        raise AssertionError(f"slim chat exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p


def chat_turns(stderr):
    """(prompt tokens, reused, evaluated) of each 'slim chat: turn N:' line."""
    return [tuple(int(x) for x in m.groups()) for m in re.finditer(
        r"turn \d+: (\d+) prompt tokens, (\d+) reused from the context, (\d+) evaluated", stderr)]


def chat_prompts(stderr):
    return re.findall(r"--- prompt ---\n(.*?)\n--------------\n", stderr, re.S)


def case_chat_reuses_prefix_and_matches_run():
    """Piped turns: later turns evaluate only the new tokens, and the answers are exactly what
    `slim run` gives when it processes the whole rendered conversation from scratch."""
    p = chat("Hello there\nTell me a story\n/reset\nOnce upon a time\n", "--chat-template", "chatml",
             "--temp", "0", "-n", "16", "--verbose")
    err = p.stderr.decode("utf-8")
    turns = chat_turns(err)
    expect(len(turns) == 3, f"expected 3 turns:\n{err}")
    prompts = chat_prompts(err)
    expect(len(prompts) == 3, f"expected 3 rendered prompts:\n{err}")
    # ChatML, written out from its published format (not from our template engine).
    expect(prompts[0] == "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n", repr(prompts[0]))
    expect(prompts[2] == "<|im_start|>user\nOnce upon a time<|im_end|>\n<|im_start|>assistant\n", repr(prompts[2]))
    first_answer = prompts[1].split("<|im_start|>assistant\n", 1)[1].split("<|im_end|>", 1)[0]
    expect(prompts[1] == prompts[0] + first_answer + "<|im_end|>\n<|im_start|>user\nTell me a story<|im_end|>\n"
           "<|im_start|>assistant\n", repr(prompts[1]))
    total1, reused1, fresh1 = turns[0]
    total2, reused2, fresh2 = turns[1]
    total3, reused3, fresh3 = turns[2]
    expect(reused1 == 0 and fresh1 == total1, f"turn 1: {turns[0]}")
    expect(reused2 >= total1 and reused2 + fresh2 == total2, f"turn 2 must reuse turn 1's context: {turns}")
    expect(fresh2 < total2 // 2 + 20, f"turn 2 re-evaluated too much: {turns}")
    expect(reused3 == 0 and fresh3 == total3, f"after /reset nothing is reused: {turns}")
    # Same answers as a from-scratch greedy run over each rendered prompt.
    out = p.stdout.decode("utf-8")
    for prompt in prompts:
        ref = run_json(gguf_model(), "--temp", "0", "-n", "16", "-p", prompt)["text"]
        expect(ref + "\n" in out, f"answer for {prompt!r} should be {ref!r}; chat printed:\n{out}")


def case_chat_errors():
    p = chat("hi\n", check=False)
    one_error_line(p, "--chat-template")
    p = chat("hi\n", "--chat-template", "nope", check=False)
    one_error_line(p, "unknown chat template 'nope'")
    expect("chatml" in p.stderr.decode(), p.stderr.decode())
    p = chat("", "--chat-template", "chatml", "-n", "0", check=False)
    one_error_line(p, "-n must be >= 1")
    usage = run("chat", "--help").stdout.decode()
    expect("/reset" in usage and "--chat-template" in usage and "--system" in usage, usage)
    # A template that refuses the conversation (gemma: no system role) reports it and goes on.
    p = chat("hello\n", "--chat-template", "gemma", "--system", "be brief", "-n", "4", "--temp", "0")
    expect("System role not supported" in p.stderr.decode(), p.stderr.decode())
    # End of input and /exit both end the chat cleanly.
    p = chat("/exit\nnot read\n", "--chat-template", "chatml", "-n", "4")
    expect(p.stdout.decode() == "" and "turn" not in p.stderr.decode(), p.stderr.decode())
def case_quantize_w8a8():
    """SlimLLM's static int8: calibrated quantization, `slim info` says it is SlimLLM-specific,
    greedy generation keeps the reference story's opening, missing --calib is a usage error."""
    calib = os.path.join(A.shared, "eval/tinystories/sample.txt")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "m-w8a8.gguf")
        p = run("quantize", gguf_model(), out, "W8A8", "--calib", calib)
        err = p.stderr.decode()
        expect("calibrated 30 W8A8 matrices" in err, f"calibration summary missing: {err}")
        expect("other GGUF engines cannot load it" in err, err)
        text = run("info", "-m", out).stdout.decode()
        expect("W8A8 (SlimLLM-specific)" in text, f"slim info should flag W8A8: {text}")
        info = json.loads(run("info", "-m", out, "--json").stdout)
        expect(info["slim_specific_tensors"] == 30, info["slim_specific_tensors"])
        types = {x["name"]: x["type"] for x in info["tensors"]}
        expect(types["blk.0.attn_q.weight"] == "W8A8" and types["token_embd.weight"] == "Q8_0", types)
        expect(types["blk.0.attn_q.weight.act_scale"] == "F32", types)
        r = run_json(out, "--temp", "0", "-n", "16")
        expect(r["tokens"][:8] == reference_ids()[:8], f"W8A8 greedy start {r['tokens'][:8]}")
        p = run("quantize", gguf_model(), os.path.join(d, "x.gguf"), "W8A8", check=False)
        expect(p.returncode == 2 and b"--calib" in p.stderr, "W8A8 without --calib: usage")
        one_error_line(run("quantize", out, os.path.join(d, "y.gguf"), "W8A8", "--calib", calib,
                           check=False), "full-precision")


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--slim", required=True)
    ap.add_argument("--shared", required=True)
    A = ap.parse_args()
    fn = globals().get("case_" + A.case)
    if fn is None:
        print(f"unknown case {A.case}", file=sys.stderr)
        return 2
    fn()
    print(f"ok {A.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
