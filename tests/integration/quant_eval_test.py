#!/usr/bin/env python3
"""CLI tests of the quality tools (slim perplexity, imatrix, quantize --imatrix/--gate-ppl,
compare-quants), one case per ctest entry: quant_eval_test.py CASE --slim BIN --shared DIR.

Numbers are checked against tests/ref/perplexity_ref.py (numpy, from the definitions) on the
real stories260K model, never against earlier output of slim itself.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref"))
import perplexity_ref as ref  # noqa: E402

import numpy as np  # noqa: E402

A = None


def run(*args, check=True, timeout=600):
    p = subprocess.run([A.slim, *args], capture_output=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"slim {' '.join(args)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def close(a, b, rel, what):
    expect(abs(a - b) <= rel * max(abs(b), 1e-300), f"{what}: slim {a!r} vs reference {b!r} (rel tol {rel})")


def model():
    return os.path.join(A.shared, "models/stories260K/stories260K.gguf")


def story():
    return os.path.join(A.shared, "eval/tinystories/sample.txt")


def one_error_line(p, must_contain):
    expect(p.returncode != 0, "expected a non-zero exit")
    err = p.stderr.decode("utf-8", errors="replace").strip().splitlines()
    err = [line for line in err if not line.startswith(("perplexity (", "imatrix (", "quantizing"))]
    expect(len(err) == 1, f"expected one error line on stderr, got: {err}")
    expect(must_contain.lower() in err[0].lower(), f"stderr should mention '{must_contain}': {err[0]}")


def ppl_json(m, *extra):
    return json.loads(run("perplexity", "-m", m, "-f", story(), "--json", *extra).stdout)


def case_perplexity_ref():
    ctx = 128
    with tempfile.TemporaryDirectory() as d:
        base, rawb = os.path.join(d, "base.logp"), os.path.join(d, "base.raw")
        jb = ppl_json(model(), "--ctx", str(ctx), "--save-logits", base, "--dump-logits", rawb)
        tb, lb = ref.read_logits_dump(rawb)
        n_text = len(run("tokenize", "-m", model(), "-f", story(), "--ids").stdout.split())
        expect(jb["text_tokens"] == n_text, f"text tokens {jb['text_tokens']} vs slim tokenize {n_text}")
        expect(jb["chunks"] == n_text // ctx, "chunk count = floor(tokens / ctx)")
        expect(jb["scored_tokens"] == jb["chunks"] * (ctx - 1 - ctx // 2) == len(tb), "scored count")
        rb = ref.ppl_stats(tb, lb)
        for k in ("nll", "ppl", "ppl_err"):
            close(jb[k], rb[k], 1e-9, "F32 " + k)
        # The saved base is compact: 16 bits per vocabulary entry plus a 16-byte row header.
        n_vocab = lb.shape[1]
        expect(os.path.getsize(base) == 32 + jb["chunks"] * (4 * ctx + (ctx - 1 - ctx // 2) * (16 + 2 * n_vocab)),
               "base file size")
        for t in ("Q8_0", "Q4_0"):
            q, rawq = os.path.join(d, t + ".gguf"), os.path.join(d, t + ".raw")
            run("quantize", model(), q, t)
            jq = ppl_json(q, "--ctx", str(ctx), "--kl-base", base, "--dump-logits", rawq)
            tq, lq = ref.read_logits_dump(rawq)
            rq = ref.ppl_stats(tq, lq)
            for k in ("nll", "ppl", "ppl_err"):
                close(jq[k], rq[k], 1e-9, t + " " + k)
            exact = ref.kld_stats(tb, lb, tq, lq)
            kj = jq["kld"]
            print(f"{t}: KLD mean slim(16-bit base) {kj['mean']:.6g} exact {exact['mean']:.6g}; "
                  f"median {kj['median']:.6g}/{exact['median']:.6g}; p99 {kj['p99']:.6g}/{exact['p99']:.6g}")
            # The stored base costs little: mean KLD within 1% of the exact float computation.
            close(kj["mean"], exact["mean"], 0.01, t + " KLD mean (16-bit base vs exact)")
            close(kj["median"], exact["median"], 0.03, t + " KLD median")
            close(kj["p99"], exact["p99"], 0.03, t + " KLD p99")
            close(kj["max"], exact["max"], 0.03, t + " KLD max")
            close(kj["mean_err"], exact["mean_err"], 0.03, t + " KLD error bar")
            close(kj["top1_pct"], exact["top1_pct"], 1e-12, t + " top-1 agreement")
            close(kj["ppl_base"], exact["ppl_base"], 1e-6, t + " base PPL")
            close(kj["ppl_ratio"], exact["ppl_ratio"], 1e-6, t + " PPL ratio")
            close(kj["ppl_ratio_err"], exact["ppl_ratio_err"], 1e-3, t + " PPL ratio error")
        # The model against its own base: zero divergence, full agreement.
        js = ppl_json(model(), "--ctx", str(ctx), "--kl-base", base)
        expect(js["kld"]["mean"] < 1e-7 and js["kld"]["top1_pct"] == 100.0, f"self KLD {js['kld']}")


def case_perplexity_errors():
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "base.logp")
        run("perplexity", "-m", model(), "-f", story(), "--ctx", "64", "--chunks", "2", "--save-logits", base)
        one_error_line(run("perplexity", "-m", model(), "-f", story(), "--ctx", "128", "--kl-base", base,
                           check=False), "ctx 64")
        one_error_line(run("perplexity", "-m", model(), "-f", story(), "--ctx", "64", "--chunks", "3",
                           "--kl-base", base, check=False), "has 2 chunks")
        other = os.path.join(d, "other.txt")
        with open(other, "w") as f:
            f.write(open(os.path.join(A.shared, "eval/wikitext-2/wiki.test.raw")).read()[:20000])
        one_error_line(run("perplexity", "-m", model(), "-f", other, "--ctx", "64", "--chunks", "2",
                           "--kl-base", base, check=False), "other tokens")
        bad = os.path.join(d, "bad.logp")
        with open(bad, "wb") as f:
            f.write(open(base, "rb").read()[:-3])
        one_error_line(run("perplexity", "-m", model(), "-f", story(), "--ctx", "64", "--kl-base", bad,
                           check=False), "truncated or wrong file")
        short = os.path.join(d, "short.txt")
        with open(short, "w") as f:
            f.write("Once upon a time.")
        one_error_line(run("perplexity", "-m", model(), "-f", short, check=False), "fewer than one chunk")
        one_error_line(run("perplexity", "-m", model(), "-f", story(), "--ctx", "2", check=False), "--ctx")
        one_error_line(run("perplexity", "-m", model(), "-f", os.path.join(d, "missing.txt"), check=False),
                       "missing.txt")
        expect(run("perplexity", "-m", model(), check=False).returncode == 2, "usage error exits 2")


def case_imatrix_ref():
    with tempfile.TemporaryDirectory() as d:
        out, dump = os.path.join(d, "m.imatrix"), os.path.join(d, "act.raw")
        run("imatrix", "-m", model(), "-f", story(), "-o", out, "--ctx", "96", "--chunks", "3",
            "--dump-activations", dump)
        got, trailer = ref.read_imatrix_dat(out)
        want = ref.imatrix_from_dump(dump)
        expect(trailer is not None and trailer[0] == 3, f"trailer {trailer}")
        expect(set(got) == set(want), f"entries differ: {sorted(set(got) ^ set(want))}")
        expect(len(got) == 5 * 7, f"5 layers x 7 matrices, got {len(got)}")
        expect("output.weight" not in got and "token_embd.weight" not in got, "only blk.* matrices")
        shapes = {"attn_q": 64, "attn_k": 64, "attn_v": 64, "attn_output": 64, "ffn_gate": 64,
                  "ffn_up": 64, "ffn_down": 172}
        for name, (vals, ncall) in got.items():
            mean, calls = want[name]
            expect(ncall == calls, f"{name}: ncall {ncall} vs {calls} calls")
            expect(len(vals) == shapes[name.split(".")[2]], f"{name}: nval {len(vals)}")
            np.testing.assert_allclose(vals / ncall, mean, rtol=1e-5, atol=1e-12, err_msg=name)
            expect(np.all(mean > 0), f"{name}: every column saw activity")
        one_error_line(run("imatrix", "-m", model(), "-f", story(), "-o", out, "--ctx", "4096", check=False),
                       "fewer than one chunk")


def gguf_tensor_types(path):
    """name -> GGUF type id, read with the standard library (GGUF v3 header and tensor infos)."""
    import struct
    data = open(path, "rb").read()
    off = 4
    version, n_t, n_kv = struct.unpack_from("<IQQ", data, off)
    off += 20

    def rd_str(o):
        (n,) = struct.unpack_from("<Q", data, o)
        return data[o + 8:o + 8 + n].decode(), o + 8 + n

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def skip_val(t, o):
        if t == 8:
            return rd_str(o)[1]
        if t == 9:
            et, n = struct.unpack_from("<IQ", data, o)
            o += 12
            for _ in range(n):
                o = skip_val(et, o)
            return o
        return o + sizes[t]

    for _ in range(n_kv):
        _, off = rd_str(off)
        (t,) = struct.unpack_from("<I", data, off)
        off = skip_val(t, off + 4)
    out = {}
    for _ in range(n_t):
        name, off = rd_str(off)
        (nd,) = struct.unpack_from("<I", data, off)
        off += 4 + 8 * nd
        (t,) = struct.unpack_from("<I", data, off)
        out[name] = t
        off += 4 + 8
    return out


def kld_of(m, base, ctx):
    return ppl_json(m, "--ctx", str(ctx), "--kl-base", base)["kld"]["mean"]


def case_quantize_imatrix():
    ctx = 128
    with tempfile.TemporaryDirectory() as d:
        im = os.path.join(d, "story.imatrix")
        run("imatrix", "-m", model(), "-f", story(), "-o", im, "--ctx", str(ctx))
        base = os.path.join(d, "base.logp")
        run("perplexity", "-m", model(), "-f", story(), "--ctx", str(ctx), "--save-logits", base)
        for t in ("Q4_1", "Q5_0", "Q5_1", "Q4_K_M"):
            plain, weighted = os.path.join(d, t + ".gguf"), os.path.join(d, t + ".im.gguf")
            run("quantize", model(), plain, t)
            p = run("quantize", model(), weighted, t, "--imatrix", im)
            expect(b"importance weights" in p.stderr, "note about the imatrix")
            expect(open(plain, "rb").read() != open(weighted, "rb").read(), t + ": imatrix changed nothing")
            k0, k1 = kld_of(plain, base, ctx), kld_of(weighted, base, ctx)
            print(f"{t}: mean KLD without imatrix {k0:.5f}, with {k1:.5f}")
            expect(k1 < k0, f"{t}: imatrix should lower the mean KLD ({k0} -> {k1})")
        # Thread count never changes the bytes (weighted and plain).
        one, three = os.path.join(d, "t1.gguf"), os.path.join(d, "t3.gguf")
        for extra in ([], ["--imatrix", im]):
            run("quantize", model(), one, "Q4_1", "--threads", "1", *extra)
            run("quantize", model(), three, "Q4_1", "--threads", "3", *extra)
            expect(open(one, "rb").read() == open(three, "rb").read(), f"threads changed output {extra}")
        # Type overrides for the head and the embedding.
        o = os.path.join(d, "over.gguf")
        run("quantize", model(), o, "Q4_0", "--output-type", "F16", "--embedding-type", "q8_0")
        types = gguf_tensor_types(o)
        expect(types["output.weight"] == 1 and types["token_embd.weight"] == 8, f"override types {types}")
        expect(types["blk.0.attn_q.weight"] == 2, "other tensors keep the recipe (Q4_0)")
        one_error_line(run("quantize", model(), o, "Q4_0", "--output-type", "Q4_K", check=False),
                       "cannot store 'output.weight'")
        one_error_line(run("quantize", model(), o, "Q4_0", "--output-type", "Q9", check=False),
                       "unknown tensor type")
        # A corrupt or mismatched imatrix fails cleanly.
        bad = os.path.join(d, "bad.imatrix")
        with open(bad, "wb") as f:
            f.write(open(im, "rb").read()[:50])
        one_error_line(run("quantize", model(), o, "Q4_0", "--imatrix", bad, check=False), "imatrix")
        import struct
        name = b"blk.0.attn_q.weight"
        with open(bad, "wb") as f:
            f.write(struct.pack("<ii", 1, len(name)) + name + struct.pack("<ii", 1, 10) + b"\0" * 40)
        one_error_line(run("quantize", model(), o, "Q4_0", "--imatrix", bad, check=False), "has 10 values")


def case_quantize_gate():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "q.gguf")
        # Passing side: Q8_0 barely moves PPL; a 5% limit holds.
        p = run("quantize", model(), out, "Q8_0", "--gate-ppl", "5", "-f", story(), "--gate-ctx", "128",
                check=False)
        expect(p.returncode == 0, f"Q8_0 gate should pass: {p.stdout} {p.stderr}")
        line = p.stdout.decode()
        expect("passed" in line, line)
        # The printed numbers are slim perplexity's.
        jb = ppl_json(model(), "--ctx", "128")
        jq = ppl_json(out, "--ctx", "128")
        rise = 100.0 * (jq["ppl"] / jb["ppl"] - 1.0)
        expect(f"{rise:+.3f}%" in line, f"gate line {line!r} should show the rise {rise:+.3f}%")
        # Failing side: Q4_0 raises PPL by a few percent; a 0.5% limit must fail with exit 3, and
        # the file stays for inspection.
        p = run("quantize", model(), out, "Q4_0", "--gate-ppl", "0.5%", "-f", story(), "--gate-ctx", "128",
                check=False)
        expect(p.returncode == 3, f"Q4_0 gate should fail with 3, got {p.returncode}: {p.stdout}")
        expect("FAILED" in p.stdout.decode() and os.path.exists(out), "failed gate output")
        expect(not os.path.exists(out + ".gate-base.tmp"), "temporary base removed")
        # Errors are not gate failures.
        p = run("quantize", model(), out, "Q4_0", "--gate-ppl", "two", "-f", story(), check=False)
        one_error_line(p, "expects a percentage")
        expect(p.returncode == 1, "bad percentage is an error (1)")
        p = run("quantize", model(), out, "Q4_0", "--gate-ppl", "2", check=False)
        one_error_line(p, "needs a percentage")
        expect(p.returncode == 1, "missing text is an error (1)")
        p = run("quantize", model(), out, "Q4_0", "--gate-ppl", "2", "-f", os.path.join(d, "none.txt"),
                check=False)
        expect(p.returncode == 1, "unreadable text is an error (1)")


def case_compare_quants():
    import xml.etree.ElementTree as ET
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "report")
        p = run("compare-quants", "-m", model(), "-f", story(), "-o", out, "--types", "Q8_0,Q4_0,Q6_K",
                "--ctx", "128", "--chunks", "4", "-n", "8")
        md = open(os.path.join(out, "README.md"), encoding="utf-8").read()
        expect(p.stdout.decode("utf-8") == md, "stdout is the README")
        rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| type")]
        cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows]
        expect([c[0].rstrip(" *") for c in cells] == ["F32 (base)", "Q8_0", "Q4_0", "Q6_K"],
               f"rows {[c[0] for c in cells]}")
        expect(all(len(c) == 8 for c in cells), "8 columns")
        # Each row's PPL and KLD are what slim perplexity reports for that file type.
        base = os.path.join(d, "base.logp")
        jb = ppl_json(model(), "--ctx", "128", "--chunks", "4", "--save-logits", base)
        expect(cells[0][3].startswith(f"{jb['ppl']:.4f} ± {jb['ppl_err']:.4f}"), f"base PPL cell {cells[0][3]}")
        q = os.path.join(d, "q.gguf")
        run("quantize", model(), q, "Q4_0")
        jq = ppl_json(q, "--ctx", "128", "--chunks", "4", "--kl-base", base)
        expect(cells[2][3].startswith(f"{jq['ppl']:.4f}"), f"Q4_0 PPL cell {cells[2][3]} vs {jq['ppl']:.4f}")
        expect(cells[2][5] == f"{jq['kld']['mean']:.6f}", f"Q4_0 KLD cell {cells[2][5]}")
        expect(cells[2][6] == f"{jq['kld']['top1_pct']:.2f}", f"Q4_0 top-1 cell {cells[2][6]}")
        dppl = 100.0 * (jq["ppl"] / jb["ppl"] - 1.0)
        expect(cells[2][4] == f"{dppl:+.3f}", f"Q4_0 dPPL cell {cells[2][4]} vs {dppl:+.3f}")
        size = os.path.getsize(q) / (1024.0 * 1024.0)
        expect(cells[2][1] == f"{size:.3f} MiB", f"Q4_0 size cell {cells[2][1]} vs {size:.3f}")
        expect(not os.path.exists(os.path.join(out, "Q4_0.gguf")), "models removed without --keep")
        # The plot: well-formed SVG with labelled axes, one point per distinct (size, KLD), the
        # Pareto front drawn as a polyline.
        root = ET.parse(os.path.join(out, "size_vs_kld.svg")).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        expect(root.tag == ns + "svg", root.tag)
        texts = [t.text or "" for t in root.iter(ns + "text")]
        expect(any("file size" in t for t in texts) and any("KLD" in t for t in texts), "axis titles")
        labels = [t for t in texts if "Q" in t and "KL" not in t]
        expect(any("Q8_0" in t and "Q6_K" in t for t in labels), f"Q6_K = Q8_0 share a point: {labels}")
        expect(any(t == "Q4_0" for t in labels), f"Q4_0 labelled: {labels}")
        circles = [c for c in root.iter(ns + "circle")]
        expect(len(circles) == 2 + 1, f"2 points + legend marker, got {len(circles)}")
        expect(len(list(root.iter(ns + "polyline"))) == 1, "Pareto front line")
        one_error_line(run("compare-quants", "-m", model(), "-f", story(), "-o", out, "--types", "Q8_0,W8A8",
                           check=False), "W8A8 is not implemented")
        one_error_line(run("compare-quants", "-m", model(), "-f", story(), "-o", out, "--types", "Q7",
                           check=False), "unknown type 'Q7'")


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--slim", required=True)
    p.add_argument("--shared", required=True)
    A = p.parse_args()
    CASES[A.case]()
    print("ok", A.case)


if __name__ == "__main__":
    main()
