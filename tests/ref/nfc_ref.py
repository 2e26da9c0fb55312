#!/usr/bin/python3
"""Writes tests/data/tokenizer/nfc/nfc_ref.txt: Unicode normalization of tricky strings by
Python's unicodedata (independent of ICU, which libslim uses). Standard library only.

    /usr/bin/python3 tests/ref/nfc_ref.py

Each data line holds five tab-separated hex byte strings (UTF-8): the input, then its NFC,
NFD, NFKC and NFKD forms. Only characters assigned since long before Unicode 14 are used, so
the answers do not depend on the Unicode versions of Python and ICU (normalization stability).
"""
import os
import unicodedata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tokenizer", "nfc",
                   "nfc_ref.txt")

CASES = [
    "plain ASCII, unchanged",
    "e\u0301",                      # e + acute -> U+00E9
    "caf\u00e9 cafe\u0301",         # precomposed and decomposed side by side
    "A\u030a",                      # A + ring -> U+00C5
    "\u212b",                       # ANGSTROM SIGN: singleton -> U+00C5
    "\u2126",                       # OHM SIGN: singleton -> U+03A9
    "\u0344",                       # COMBINING GREEK DIALYTIKA TONOS -> 0308 0301
    "\u0958",                       # DEVANAGARI QA: composition exclusion, stays decomposed
    "\u0915\u093c",                 # ... and its decomposition does not compose
    "\ufb2c",                       # HEBREW SHIN WITH DAGESH AND SHIN DOT (excluded)
    "a\u0301\u0323",                # reordering: dot below (ccc 220) before acute (ccc 230)
    "a\u0323\u0301",
    "\u1e0b\u0323",                 # d-dot-above + dot-below -> d-dot-below + dot-above
    "\u1e9b\u0323",                 # UAX #15's example (long s with dot above + dot below)
    "e\u0302\u0301",                # e + circumflex + acute -> U+1EBF
    "o\u031b\u0323\u0303",          # Vietnamese: horn, dot below, tilde
    "\u03b1\u0313\u0301\u0345",     # Greek alpha with psili, oxia, ypogegrammeni -> U+1F84
    "a\u0308\u0308",                # second diaeresis is blocked
    "\u0301e",                      # leading combining mark
    "\u0627\u0653",                 # ARABIC ALEF + MADDA ABOVE -> U+0622
    "\u0cc6\u0cc2\u0cd5",           # Kannada two-part vowel sign -> U+0CCB
    "\u0b47\u0b3e",                 # Oriya -> U+0B4B
    "\u1112\u1161\u11ab",           # Hangul L V T -> U+D55C
    "\u1100\u1161",                 # Hangul L V -> U+AC00
    "\uac00\u11a8",                 # Hangul LV + T -> U+AC01
    "\uac00\u11a7",                 # U+11A7 is not a trailing consonant: no composition
    "\u1100\u1100\u1161\u1161",     # L L V V -> L LV V
    "\ud55c\uad6d\uc5b4",           # precomposed Hangul, decomposed by NFD
    "\ufb01",                       # LATIN SMALL LIGATURE FI (compatibility)
    "\u2460\u00bd\u2075",           # circled one, one half, superscript five
    "\uff21\uff41",                 # fullwidth A a
    "\u3300",                       # SQUARE APAATO (compatibility, with voiced marks)
    "\u1e9b",                       # long s with dot above
    "\u00c5\u0301",
    "\uf900",                       # CJK COMPATIBILITY IDEOGRAPH -> U+8C48
    "\U0001d15e",                   # MUSICAL SYMBOL HALF NOTE (excluded, supplementary)
    "\U0002f800",                   # CJK COMPATIBILITY IDEOGRAPH SUPPLEMENT -> U+4E3D
    "\U0001f44d\U0001f3fd",         # emoji with a skin tone modifier: unchanged
    "\u00a0\u2002\u3000",           # spaces (compatibility -> U+0020)
    "x\u0300\u0315\u0301",          # ccc 232 between two ccc 230 marks
    "\u00e9" * 3 + "e\u0301" * 3,
]


def hexs(s):
    return s.encode("utf-8").hex()


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        f.write("# Written by tests/ref/nfc_ref.py (Python unicodedata %s); do not edit.\n"
                % unicodedata.unidata_version)
        f.write("# input\tNFC\tNFD\tNFKC\tNFKD (UTF-8 bytes in hex)\n")
        for s in CASES:
            forms = [unicodedata.normalize(form, s) for form in ("NFC", "NFD", "NFKC", "NFKD")]
            f.write("\t".join([hexs(s)] + [hexs(x) for x in forms]) + "\n")


if __name__ == "__main__":
    main()
