#!/usr/bin/env python3
"""Independent reference for the BPE pre-tokenizer splits (src/tokenizer/pretokenizer.cpp).

Python's `re` cannot evaluate \\p{L} / \\p{N} / \\p{P}, so this file does not use a regex engine
at all. Each published pre-tokenizer regex (llama.cpp llama-vocab.cpp, llm_tokenizer_bpe, and
the Hugging Face tokenizer.json files it was taken from) is re-derived by hand as a scanner:
at every position the alternatives are tried in order, each written out with the backtracking
outcome the regex has (e.g. `\\s+(?!\\S)` = the whitespace run minus its last character when a
non-space follows). Splitting is Hugging Face's `Split(behavior = Isolated)`: matches and the
text between them become pieces; rules apply in order, each to every piece of the previous one.

Character classes come from `unicodedata` (Unicode 14 on Python 3.11, the version PCRE2 10.42
uses): \\p{L} = categories L*, \\p{N} = N*, \\p{P} = P*. \\s is Oniguruma's Unicode whitespace
(U+0009..U+000D, U+0085 and the Z categories; unlike PCRE2, not U+180E). (?i:...) folds case
with str.casefold (so "'ſ" matches "'s", as in Oniguruma and PCRE2 with UCP).

A set of hand-derived expectations is asserted first (see HAND_CHECKED), then every scanner
runs over the tricky strings and the results are written as the fixture:

  /usr/bin/python3 tests/ref/bpe_pretok_ref.py > tests/data/tokenizer/bpe_pretok_splits.txt

Fixture format: '#' comments; otherwise `pre-name <TAB> hex(input) <TAB> hex(piece),hex(piece)...`
(UTF-8 bytes in lowercase hex).
"""

import sys
import unicodedata

WS = set(range(0x09, 0x0E)) | {0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}
WS |= set(range(0x2000, 0x200B))


def is_s(c):
    return ord(c) in WS


def cat(c):
    return unicodedata.category(c)


def is_l(c):
    return cat(c).startswith("L")


def is_n(c):
    return cat(c).startswith("N")


def is_p(c):
    return cat(c).startswith("P")


def run(t, i, pred):
    """End of the run of characters satisfying pred starting at i."""
    j = i
    while j < len(t) and pred(t[j]):
        j += 1
    return j


# ---- building blocks: each returns the match end at i, or None -----------------------------

def contraction(t, i, caseless):
    if i >= len(t) or t[i] != "'":
        return None
    for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
        seg = t[i + 1:i + 1 + len(suf)]
        if len(seg) == len(suf):
            if (seg.casefold() == suf) if caseless else (seg == suf):
                # casefold may change length (e.g. 'ß' -> 'ss'); compare char by char too
                if all((a.casefold() if caseless else a) == b for a, b in zip(seg, suf)):
                    return i + 1 + len(suf)
    return None


def opt_prefix_run(t, i, prefix_pred, body_pred, min_body=1):
    """`P?B+`: optional one char of P, then a run of B (backtracks to no prefix)."""
    if i < len(t) and prefix_pred(t[i]):
        j = run(t, i + 1, body_pred)
        if j - (i + 1) >= min_body:
            return j
    j = run(t, i, body_pred)
    return j if j - i >= min_body else None


def space_opt(c):
    return c == " "


def ws_not_followed_by_nonspace(t, i):
    """`\\s+(?!\\S)`."""
    j = run(t, i, is_s)
    if j == i:
        return None
    if j == len(t):
        return j
    return j - 1 if j - 1 > i else None


def ws_run(t, i):
    """`\\s+`."""
    j = run(t, i, is_s)
    return j if j > i else None


def ws_then_newlines(t, i):
    """`\\s*[\\r\\n]+`: up to and including the last CR/LF of the whitespace run at i."""
    j = run(t, i, is_s)
    last = None
    for k in range(i, j):
        if t[k] in "\r\n":
            last = k
    return last + 1 if last is not None else None


def ws_to_line_end(t, i):
    """`\\s+$` with ^/$ as line anchors (Oniguruma's Ruby syntax; PCRE2_MULTILINE)."""
    j = run(t, i, is_s)
    for e in range(j, i, -1):
        if e == len(t) or t[e] == "\n":
            return e
    return None


def count_run(t, i, pred, lo, hi):
    j = i
    while j < len(t) and j - i < hi and pred(t[j]):
        j += 1
    return j if j - i >= lo else None


# ---- the patterns -------------------------------------------------------------------------

def gpt2_alts(final_ws):
    alts = [
        lambda t, i: contraction(t, i, False),
        lambda t, i: opt_prefix_run(t, i, space_opt, is_l),
        lambda t, i: opt_prefix_run(t, i, space_opt, is_n),
        lambda t, i: opt_prefix_run(t, i, space_opt,
                                    lambda c: not (is_s(c) or is_l(c) or is_n(c))),
        ws_not_followed_by_nonspace,
    ]
    if final_ws:
        alts.append(ws_run)
    return alts


def not_crlf_l_n(c):
    return c not in "\r\n" and not is_l(c) and not is_n(c)


def symbol_then_newlines(t, i):
    """` ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*`."""
    e = opt_prefix_run(t, i, space_opt, lambda c: not (is_s(c) or is_l(c) or is_n(c)))
    if e is None:
        return None
    return run(t, e, lambda c: c in "\r\n")


def llama3_alts(max_digits):
    return [
        lambda t, i: contraction(t, i, True),
        lambda t, i: opt_prefix_run(t, i, not_crlf_l_n, is_l),
        lambda t, i: count_run(t, i, is_n, 1, max_digits),
        symbol_then_newlines,
        ws_then_newlines,
        ws_not_followed_by_nonspace,
        ws_run,
    ]


def char_class(*ranges):
    def pred(c):
        o = ord(c)
        return any(a <= o <= b for a, b in ranges)
    return pred


def plus(pred):
    return lambda t, i: (lambda j: j if j > i else None)(run(t, i, pred))


def single(pred):
    return lambda t, i: i + 1 if i < len(t) and pred(t[i]) else None


def ws_opt_run(pred):
    """`\\s?X+`."""
    return lambda t, i: opt_prefix_run(t, i, is_s, pred)


# Falcon / llama.cpp default: ASCII punctuation (as Rust's is_ascii_punctuation) or \p{P}.
def punct_falcon(c):
    return is_p(c) or c in "$+<=>^~|`"


def punct_default(c):
    return is_p(c) or c in "$+<=>^~|"


def digit09(c):
    return "0" <= c <= "9"


DEEPSEEK_LETTERS = [
    (0x41, 0x5A), (0x61, 0x7A), (0xB5, 0xB5), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x1BA),
    (0x1BC, 0x1BF), (0x1C4, 0x293), (0x295, 0x2AF), (0x370, 0x373), (0x376, 0x377),
    (0x37B, 0x37D), (0x37F, 0x37F), (0x386, 0x386), (0x388, 0x38A), (0x38C, 0x38C),
    (0x38E, 0x3A1), (0x3A3, 0x3F5), (0x3F7, 0x481), (0x48A, 0x52F), (0x531, 0x556),
    (0x10A0, 0x10C5), (0x13A0, 0x13F5), (0x13F8, 0x13FD), (0x1C90, 0x1CBA), (0x1CBD, 0x1CBF),
    (0x1D00, 0x1D2B), (0x1D6B, 0x1D77), (0x1D79, 0x1D9A), (0x1E00, 0x1F15), (0x1F18, 0x1F1D),
    (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59), (0x1F5B, 0x1F5B),
    (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE),
    (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC),
    (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFC), (0x2102, 0x2102), (0x2107, 0x2107), (0x210A, 0x2113),
    (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124), (0x2126, 0x2126), (0x2128, 0x2128),
    (0x212A, 0x212D), (0x212F, 0x2134), (0x2139, 0x2139), (0x213C, 0x213F), (0x2145, 0x2149),
    (0x214E, 0x214E), (0x2183, 0x2184), (0x2C00, 0x2C7B), (0x2C7E, 0x2CE4), (0x2CEB, 0x2CEE),
    (0x2CF2, 0x2CF3), (0xA640, 0xA66D), (0xA680, 0xA69B), (0xA722, 0xA76F), (0xA771, 0xA787),
    (0xA78B, 0xA78E), (0xAB70, 0xABBF), (0xFB00, 0xFB06), (0xFB13, 0xFB17), (0xFF21, 0xFF3A),
    (0xFF41, 0xFF5A), (0x10400, 0x1044F), (0x104B0, 0x104D3), (0x104D8, 0x104FB),
    (0x10C80, 0x10CB2), (0x10CC0, 0x10CF2), (0x118A0, 0x118DF), (0x1E900, 0x1E943),
]
DEEPSEEK_PUNCT = [(0x21, 0x2F), (0x3A, 0x7E), (0xFF01, 0xFF0F), (0xFF1A, 0xFF5E),
                  (0x2018, 0x201F), (0x3000, 0x3002)]
CJK = [(0x4E00, 0x9FA5), (0x800, 0x4E00), (0xAC00, 0xD7FF)]
BLOOM_EXCLUDED = set("(|.,!?)\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C")


def bloom_word(t, i):
    """` ?[^(\\s|.,!?…。，、।۔،)]+`."""
    return opt_prefix_run(t, i, space_opt, lambda c: not is_s(c) and c not in BLOOM_EXCLUDED)


GPT2 = [gpt2_alts(True)]
STARCODER = [[single(is_n)], gpt2_alts(True)]

PRE = {
    "gpt-2": GPT2,
    "llama-bpe": [llama3_alts(3)],
    "qwen2": [llama3_alts(1)],
    "starcoder": STARCODER,
    "deepseek-coder": [
        [single(lambda c: c in "\r\n")],
        [ws_opt_run(is_l)],
        [ws_opt_run(is_p)],
        [plus(char_class(*CJK))],
        [single(is_n)],
    ],
    "deepseek-llm": [
        [single(lambda c: c in "\r\n")],
        [ws_opt_run(char_class(*DEEPSEEK_LETTERS))],
        [ws_opt_run(char_class(*DEEPSEEK_PUNCT))],
        [ws_to_line_end],
        [plus(char_class(*CJK))],
        [plus(is_n)],
    ],
    "falcon": [[plus(punct_falcon)], gpt2_alts(False), [lambda t, i: count_run(t, i, digit09, 3, 3)]],
    "default": [[plus(punct_default)], gpt2_alts(False), [plus(is_n)],
                [lambda t, i: count_run(t, i, digit09, 3, 3)]],
    "bloom": [[bloom_word]],
}
# Names that share a definition with one above (checked too, so each table entry is covered).
ALIASES = {
    "gpt-2": ["mpt", "gpt-neox", "phi-2", "olmo"],
    "llama-bpe": ["llama3"],
    "starcoder": ["refact", "command-r", "smollm"],
    "bloom": ["poro-chat"],
}


def split_rule(t, alts):
    """Isolated split of t by the alternation `alts` (leftmost match, first alternative)."""
    pieces, prev, i = [], 0, 0
    while i < len(t):
        end = None
        for alt in alts:
            end = alt(t, i)
            if end is not None and end > i:
                break
            end = None
        if end is None:
            i += 1
            continue
        if prev < i:
            pieces.append(t[prev:i])
        pieces.append(t[i:end])
        prev = i = end
    if prev < len(t):
        pieces.append(t[prev:])
    return pieces


def pretokenize(name, text):
    pieces = [text]
    for alts in PRE[name]:
        pieces = [p for piece in pieces for p in split_rule(piece, alts)]
    return pieces


# Derived by hand from the regexes (not from the scanners above), to check the scanners.
HAND_CHECKED = [
    ("gpt-2", "Hello world", ["Hello", " world"]),
    ("gpt-2", "I've 12345 apples!!", ["I", "'ve", " 12345", " apples", "!!"]),
    ("gpt-2", "a  b", ["a", " ", " b"]),
    ("gpt-2", "a\n\nb", ["a", "\n", "\n", "b"]),
    ("gpt-2", "\t\tb", ["\t", "\t", "b"]),
    ("gpt-2", "I'LL", ["I", "'", "LL"]),  # case-sensitive contractions
    ("gpt-2", "我想在apple工作", ["我想在apple工作"]),  # CJK are \p{Lo}
    ("gpt-2", " 🦙🦙 ok", [" 🦙🦙", " ok"]),
    ("gpt-2", "x\u180ey", ["x", "\u180e", "y"]),  # U+180E is Cf, not whitespace
    ("gpt-2", "   ", ["   "]),
    ("llama-bpe", "a\n\nb", ["a", "\n\n", "b"]),
    ("llama-bpe", "12345", ["123", "45"]),
    ("llama-bpe", "I'LL", ["I", "'LL"]),  # (?i:...)
    ("llama-bpe", " 'Hello", [" '", "Hello"]),
    ("llama-bpe", "!!\n\nx", ["!!\n\n", "x"]),
    ("llama-bpe", ",hello", [",hello"]),  # [^\r\n\p{L}\p{N}]?\p{L}+
    ("qwen2", "12345", ["1", "2", "3", "4", "5"]),
    ("starcoder", " 42", [" ", "4", "2"]),
    ("starcoder", "a1b", ["a", "1", "b"]),
    ("deepseek-coder", " 123", [" ", "1", "2", "3"]),
    ("deepseek-coder", "a, b", ["a", ",", " b"]),
    ("deepseek-llm", "a, b", ["a", ",", " b"]),
    ("deepseek-llm", "x  ", ["x", "  "]),
    ("falcon", "a+=1234", ["a", "+=", "123", "4"]),
    ("default", "a+=1234", ["a", "+=", "123", "4"]),
    ("bloom", "Hello, world. (x|y)", ["Hello", ",", " world", ". (", "x", "|", "y", ")"]),  # gaps merge
]


def main():
    for name, text, expected in HAND_CHECKED:
        got = pretokenize(name, text)
        if got != expected:
            sys.exit(f"scanner disagrees with the hand derivation: {name} {text!r}: "
                     f"{got!r} != {expected!r}")

    strings = [
        # contractions
        "I'm here", "you're", "it's", "I'LL", "'S", "don't", "We'Ve a'lL", "'\u017f", "''", " 's",
        "'Re you sure? 'M not", "ain't'nt",
        # digits
        "1", "12", "123", "1234", "1234567", "3.14", "3..3", "\u0967\u0968\u0969", "\u00bd",
        "\u216b", " 42", "w048 7tuijk", "1,000,000", "x2y22z222",
        # CJK / other scripts
        "我想在apple工作1314151天～", "日本語のテキスト。", "한국어 텍스트", "нещо на Български",
        "\u1780\u17b6\u1793\u17cb\u178f\u17c2", "Cửa Việt", "Äpfel", "ΑΒΓ αβγ Ωm", "\u212a\u2126",
        # emoji
        "🦙.cpp", " 😁 ?", "😶\u200d🌫️", "✅ ok", " 🚀 (normal)",
        # whitespace runs
        "a  b", "a   b", "   ", " ", "\t", "\t\t", "a \t b", "x \n y", "\u00a0x", "\u3000x",
        "a\u2028b", "x\u180ey", "a\u0085b", "  Hello\n    Hello", "end  ",
        # newlines
        "\n", "\n\n", "a\n", "a\n\nb", "\r\n", "a\r\n\r\nb", " \n \n", "!!\n\n", "\n \n\n \t\t\n",
        # punctuation
        "Hello, world!", "...", "!!!!!!", "(a)", "foo.bar()", "x+=1;", "$100", "<|endoftext|>",
        "a--b", "\u2014dash\u2014", "\u00abquote\u00bb", "\u00bfQu\u00e9?", "'' era", "```",
        "x|y", "Hello, y'all! How are you 😁 ?",
    ]
    print("# Expected pre-tokenizer splits; generated by tests/ref/bpe_pretok_ref.py (see there).")
    names = list(PRE)
    for name in names:
        for alias in [name] + ALIASES.get(name, []):
            for s in strings:
                pieces = pretokenize(name, s)
                assert "".join(pieces) == s
                print(f"{alias}\t{s.encode().hex()}\t" + ",".join(p.encode().hex() for p in pieces))


if __name__ == "__main__":
    main()
