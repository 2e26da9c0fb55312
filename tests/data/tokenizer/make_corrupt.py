#!/usr/bin/python3
"""Writes tests/data/tokenizer/corrupt/: malformed and unsupported Hugging Face tokenizer files
(tokenizer.json, vocab.json + merges.txt directories, vocab.txt) and MANIFEST.txt listing, for
each entry, the status and a substring its error message must contain. Standard library only.

    /usr/bin/python3 tests/data/tokenizer/make_corrupt.py
"""
import copy
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corrupt")

BASE = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [{"id": 4, "content": "<s>", "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True}],
    "normalizer": None,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                      "use_regex": True},
    "post_processor": None,
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
              "vocab": {"a": 0, "b": 1, "ab": 2, "\u0120": 3}, "merges": [["a", "b"]]},
}

WORDPIECE = {
    "added_tokens": [{"id": 0, "content": "[UNK]", "special": True, "normalized": False}],
    "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                   "strip_accents": None, "lowercase": True},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": None,
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1, "##b": 2}},
}

VOCAB_JSON = {"a": 0, "b": 1, "ab": 2, "\u0120": 3, "<|endoftext|>": 4}

manifest = []


def expect(name, status, substring):
    assert "\t" not in substring
    manifest.append((name, status, substring))


def write(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def tj(name, status, substring, edit=None, base=BASE, raw=None):
    """A tokenizer.json: `edit` mutates a copy of `base`; `raw` replaces the text."""
    doc = copy.deepcopy(base)
    if edit:
        edit(doc)
    text = raw if raw is not None else json.dumps(doc, ensure_ascii=False, indent=1)
    write(name, text)
    expect(name, status, substring)


def setp(path, value):
    def edit(doc):
        d = doc
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return edit


def delp(path):
    def edit(doc):
        d = doc
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]
    return edit


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    valid = json.dumps(BASE, ensure_ascii=False, indent=1)

    # ---- JSON syntax and limits ----
    tj("empty.json", "corrupt_file", "empty input", raw="")
    tj("truncated.json", "corrupt_file", "invalid JSON at byte", raw=valid[: len(valid) // 2])
    tj("binary.json", "corrupt_file", "invalid JSON at byte 0", raw="\x00\x01\x02")
    tj("trailing_garbage.json", "corrupt_file", "expected end of input", raw=valid + "\n}")
    tj("comment.json", "corrupt_file", "invalid JSON", raw="// c\n" + valid)
    write("invalid_utf8_key.json", valid.replace('"ab"', '"a\xffb"').encode("utf-8")
          .replace(b"a\xc3\xbfb", b"a\xffb"))
    expect("invalid_utf8_key.json", "corrupt_file", "\\xff")
    tj("lone_surrogate.json", "corrupt_file", "surrogate",
       raw=valid.replace('"ab"', '"a\\ud800"'))
    tj("deep_nesting.json", "corrupt_file", "nesting deeper than 64 levels",
       raw='{"normalizer": ' + "[" * 100 + "]" * 100 + "}")
    tj("duplicate_vocab_key.json", "corrupt_file", "duplicate key 'a' in the object at model.vocab",
       raw=valid.replace('"b": 1', '"a": 1'))
    tj("duplicate_top_key.json", "corrupt_file", "duplicate key 'model'",
       raw=valid[:-2] + ', "model": {}\n}')

    # ---- structure and types ----
    tj("top_array.json", "corrupt_file", "is array, expected object", raw="[]")
    tj("no_model.json", "corrupt_file", "model is missing", delp(["model"]))
    tj("model_number.json", "corrupt_file", "model is number, expected an object", setp(["model"], 5))
    tj("model_type_missing.json", "corrupt_file", "model.type is missing", delp(["model", "type"]))
    tj("model_type_number.json", "corrupt_file", "model.type is number, expected a string",
       setp(["model", "type"], 1))
    tj("model_unigram.json", "unsupported", "model type 'Unigram' is not supported",
       setp(["model", "type"], "Unigram"))
    tj("vocab_missing.json", "corrupt_file", "model.vocab is missing", delp(["model", "vocab"]))
    tj("vocab_array.json", "corrupt_file", "model.vocab is array, expected an object",
       setp(["model", "vocab"], ["a", "b"]))
    tj("vocab_empty.json", "corrupt_file", "model.vocab is empty", setp(["model", "vocab"], {}))
    tj("vocab_id_string.json", "corrupt_file", "the id of token 'b' is a string",
       setp(["model", "vocab", "b"], "1"))
    tj("vocab_id_float.json", "corrupt_file", "the id of token 'b' is not an integer",
       setp(["model", "vocab", "b"], 1.5))
    tj("vocab_id_negative.json", "corrupt_file", "the id of token 'b' is out of range",
       setp(["model", "vocab", "b"], -1))
    tj("vocab_id_huge.json", "corrupt_file", "the id of token 'b' is out of range",
       setp(["model", "vocab", "b"], 2**63 + 5))
    tj("vocab_id_duplicate.json", "corrupt_file", "tokens 'a' and 'b' both have id 0",
       setp(["model", "vocab", "b"], 0))
    def gap(doc):
        doc["model"]["vocab"] = {"a": 0, "b": 1, "ab": 2, "\u0120": 4}
        doc["added_tokens"] = [{"id": 0, "content": "a", "special": False}]
    tj("vocab_id_gap.json", "corrupt_file", "no token has id 3 (ids must be contiguous", gap)
    tj("vocab_id_beyond.json", "corrupt_file", "model.vocab: token 'b' has id 100, but there are only 5",
       setp(["model", "vocab", "b"], 100))
    tj("vocab_empty_text.json", "corrupt_file", "has an empty text",
       setp(["model", "vocab", ""], 5))

    # ---- merges ----
    tj("merges_missing.json", "corrupt_file", "model.merges is missing", delp(["model", "merges"]))
    tj("merges_object.json", "corrupt_file", "model.merges is object, expected an array",
       setp(["model", "merges"], {}))
    tj("merges_unknown_part.json", "corrupt_file", "model.merges[1]: 'x' is not in model.vocab",
       setp(["model", "merges"], [["a", "b"], ["a", "x"]]))
    tj("merges_unknown_result.json", "corrupt_file",
       "model.merges[0]: the merged token 'ba' is not in model.vocab",
       setp(["model", "merges"], [["b", "a"]]))
    tj("merges_string_two_spaces.json", "corrupt_file",
       "model.merges[0]: 'a  b' is not two token texts separated by one space",
       setp(["model", "merges"], ["a  b"]))
    tj("merges_string_no_space.json", "corrupt_file", "is not two token texts",
       setp(["model", "merges"], ["ab"]))
    tj("merges_triple.json", "corrupt_file", "model.merges[0]: expected a pair of token texts",
       setp(["model", "merges"], [["a", "b", "c"]]))
    tj("merges_pair_of_numbers.json", "corrupt_file", "expected a pair of token texts",
       setp(["model", "merges"], [[1, 2]]))
    tj("merges_number.json", "corrupt_file", "model.merges[0] is number",
       setp(["model", "merges"], [7]))

    # ---- added tokens ----
    def added(**kw):
        t = {"id": 4, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
        t.update(kw)
        return t
    tj("added_not_array.json", "corrupt_file", "added_tokens is object, expected an array",
       setp(["added_tokens"], {}))
    tj("added_not_object.json", "corrupt_file", "added_tokens[0] is number, expected object",
       setp(["added_tokens"], [5]))
    tj("added_no_id.json", "corrupt_file", "added_tokens[0].id is missing",
       setp(["added_tokens"], [{"content": "<s>"}]))
    tj("added_content_empty.json", "corrupt_file", "added_tokens[0].content: is empty",
       setp(["added_tokens"], [added(content="")]))
    tj("added_special_string.json", "corrupt_file",
       "added_tokens[0].special is string, expected a boolean",
       setp(["added_tokens"], [added(special="yes")]))
    tj("added_id_taken.json", "corrupt_file", "added_tokens[0]: id 1 is 'b' in",
       setp(["added_tokens"], [added(id=1)]))
    tj("added_content_other_id.json", "corrupt_file",
       "added_tokens[0]: 'a' has id 4 here but id 0 in",
       setp(["added_tokens"], [added(content="a")]))
    tj("added_twice.json", "corrupt_file", "added_tokens[1]: '<s>' (id 4) is listed twice",
       setp(["added_tokens"], [added(), added()]))
    tj("added_id_out_of_range.json", "corrupt_file", "added_tokens[0]: id 999 of '<s>' is out of range",
       setp(["added_tokens"], [added(id=999)]))
    tj("added_id_gap.json", "corrupt_file", "id 6 of '</s>' is out of range: there are only 6 tokens",
       setp(["added_tokens"], [added(id=5), added(id=6, content="</s>")]))
    tj("added_single_word.json", "unsupported", "single_word added tokens ('<s>') are not supported",
       setp(["added_tokens"], [added(single_word=True)]))

    # ---- pipeline components ----
    tj("normalizer_precompiled.json", "unsupported",
       "normalizer 'Precompiled' is not supported with BPE models",
       setp(["normalizer"], {"type": "Precompiled", "precompiled_charsmap": "AAAA"}))
    tj("normalizer_string.json", "corrupt_file", "normalizer is string, expected an object",
       setp(["normalizer"], "NFC"))
    tj("pre_missing.json", "unsupported", "BPE without a ByteLevel pre-tokenizer",
       setp(["pre_tokenizer"], None))
    tj("pre_metaspace.json", "unsupported", "pre-tokenizer 'Metaspace' is not supported with BPE",
       setp(["pre_tokenizer"], {"type": "Metaspace", "replacement": "\u2581"}))
    tj("pre_bytelevel_no_prefix_flag.json", "corrupt_file", "pre_tokenizer.add_prefix_space is missing",
       setp(["pre_tokenizer"], {"type": "ByteLevel", "trim_offsets": True}))
    tj("pre_type_missing.json", "corrupt_file", "pre_tokenizer.type is missing",
       setp(["pre_tokenizer"], {"add_prefix_space": False}))
    tj("pre_split_after_bytelevel.json", "unsupported", "pre-tokenizer after ByteLevel",
       setp(["pre_tokenizer"], {"type": "Sequence", "pretokenizers": [
           {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False},
           {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated", "invert": False}]}))
    tj("pre_prefix_after_split.json", "unsupported", "add_prefix_space after other pre-tokenizers",
       setp(["pre_tokenizer"], {"type": "Sequence", "pretokenizers": [
           {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated", "invert": False},
           {"type": "ByteLevel", "add_prefix_space": True, "use_regex": False}]}))
    tj("pre_split_bad_behavior.json", "corrupt_file",
       "pre_tokenizer.pretokenizers[0].behavior: 'Sideways' is not a split behavior",
       setp(["pre_tokenizer"], {"type": "Sequence", "pretokenizers": [
           {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways", "invert": False},
           {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]}))
    tj("pre_split_two_patterns.json", "corrupt_file", "expected {\"Regex\": ...} or {\"String\": ...}",
       setp(["pre_tokenizer"], {"type": "Sequence", "pretokenizers": [
           {"type": "Split", "pattern": {"Regex": "a", "String": "b"}, "behavior": "Isolated"},
           {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]}))
    tj("pre_split_bad_regex.json", "invalid_argument", "pre_tokenizer.pretokenizers[0]:",
       setp(["pre_tokenizer"], {"type": "Sequence", "pretokenizers": [
           {"type": "Split", "pattern": {"Regex": "(a"}, "behavior": "Isolated", "invert": False},
           {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]}))
    tj("pre_sequence_not_array.json", "corrupt_file",
       "pre_tokenizer.pretokenizers is string, expected an array",
       setp(["pre_tokenizer"], {"type": "Sequence", "pretokenizers": "ByteLevel"}))
    tj("post_unknown.json", "unsupported", "post-processor 'Magic' is not supported",
       setp(["post_processor"], {"type": "Magic"}))
    template = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [4], "tokens": ["<s>"]}}}

    def tmpl(**kw):
        t = copy.deepcopy(template)
        t.update(kw)
        return t
    tj("post_template_undefined.json", "corrupt_file",
       "post_processor.single[0]: special token '<s>' is not defined in post_processor.special_tokens",
       setp(["post_processor"], tmpl(special_tokens={})))
    tj("post_template_two_before.json", "unsupported", "more than one special token before or after",
       setp(["post_processor"], tmpl(single=[template["single"][0]] + template["single"])))
    tj("post_template_no_a.json", "corrupt_file", "post_processor.single: the template has no $A",
       setp(["post_processor"], tmpl(single=[template["single"][0]])))
    tj("post_template_id_range.json", "corrupt_file",
       "post_processor.special_tokens.<s>.ids[0]: token id 99 is out of range",
       setp(["post_processor"], tmpl(special_tokens={"<s>": {"id": "<s>", "ids": [99]}})))
    tj("post_template_multi_id.json", "unsupported", "only single-token specials are supported",
       setp(["post_processor"], tmpl(special_tokens={"<s>": {"id": "<s>", "ids": [4, 4]}})))
    tj("post_bert_mismatch.json", "corrupt_file", "post_processor.cls: token 4 is '<s>', not '[CLS]'",
       setp(["post_processor"], {"type": "BertProcessing", "sep": ["<s>", 4], "cls": ["[CLS]", 4]}))
    tj("decoder_missing.json", "unsupported", "decoder is missing", setp(["decoder"], None))
    tj("decoder_metaspace.json", "unsupported", "decoder 'Metaspace' is not supported with BPE",
       setp(["decoder"], {"type": "Metaspace"}))
    tj("bpe_dropout.json", "unsupported", "model.dropout: BPE dropout is not supported",
       setp(["model", "dropout"], 0.1))
    tj("bpe_byte_fallback.json", "unsupported", "byte fallback", setp(["model", "byte_fallback"], True))
    tj("bpe_suffix.json", "unsupported", "model.end_of_word_suffix = '</w>' is not supported",
       setp(["model", "end_of_word_suffix"], "</w>"))

    # ---- WordPiece ----
    tj("wp_normalizer_nfd.json", "unsupported", "normalizer 'NFD' is not supported with WordPiece",
       setp(["normalizer"], {"type": "NFD"}), base=WORDPIECE)
    tj("wp_pre_whitespace.json", "unsupported", "pre-tokenizer 'Whitespace' is not supported with WordPiece",
       setp(["pre_tokenizer"], {"type": "Whitespace"}), base=WORDPIECE)
    tj("wp_max_chars_zero.json", "corrupt_file", "model.max_input_chars_per_word: value out of range",
       setp(["model", "max_input_chars_per_word"], 0), base=WORDPIECE)
    tj("wp_prefix_empty.json", "corrupt_file", "model.continuing_subword_prefix is empty",
       setp(["model", "continuing_subword_prefix"], ""), base=WORDPIECE)
    tj("wp_normalized_added.json", "unsupported", "is matched after normalization",
       setp(["added_tokens"], [{"id": 3, "content": "[X]", "special": False, "normalized": True}]),
       base=WORDPIECE)

    # ---- vocab.json + merges.txt directories ----
    def pair(name, status, substring, merges, vocab=None, config=None):
        write(name + "/vocab.json", vocab if vocab is not None
              else json.dumps(VOCAB_JSON, ensure_ascii=False))
        if merges is not None:
            write(name + "/merges.txt", merges)
        if config is not None:
            write(name + "/tokenizer_config.json", config)
        expect(name, status, substring)
    pair("pair_unknown_part", "corrupt_file", "merges.txt: line 2: 'x' is not a token of",
         "#version: 0.2\na x\n")
    pair("pair_unknown_result", "corrupt_file", "merges.txt: line 1: the merged token 'ba'", "b a\n")
    pair("pair_three_parts", "corrupt_file", "merges.txt: line 1: 'a b ab' is not two token texts",
         "a b ab\n")
    pair("pair_no_space", "corrupt_file", "merges.txt: line 1: 'ab' is not two token texts", "ab\n")
    pair("pair_empty_line", "corrupt_file", "merges.txt: line 2: '' is not two token texts",
         "a b\n\na b\n")
    pair("pair_invalid_utf8", "corrupt_file", "merges.txt: line 1: invalid UTF-8 at byte 2",
         b"a \xff\n")
    pair("pair_vocab_broken", "corrupt_file", "vocab.json: invalid JSON at byte", "a b\n",
         vocab='{"a": 0, "b"')
    pair("pair_vocab_array", "corrupt_file", "vocab.json is array, expected object", "a b\n",
         vocab='["a", "b"]')
    pair("pair_vocab_gap", "corrupt_file", "token 'b' has id 2, but there are only 2 tokens", "",
         vocab='{"a": 0, "b": 2}')
    pair("pair_missing_merges", "not_found", "has no tokenizer.json, vocab.json + merges.txt or vocab.txt",
         None)
    pair("pair_config_bad_type", "corrupt_file",
         "tokenizer_config.json: add_bos_token is string, expected a boolean", "a b\n",
         config='{"add_bos_token": "yes"}')
    pair("pair_config_broken", "corrupt_file", "tokenizer_config.json: invalid JSON", "a b\n",
         config='{"add_bos_token": tru}')
    pair("pair_config_added_bad_id", "corrupt_file",
         "added_tokens_decoder: key 'x1' is not a token id", "a b\n",
         config='{"added_tokens_decoder": {"x1": {"content": "<s>"}}}')
    pair("pair_config_added_conflict", "corrupt_file",
         "added_tokens_decoder.0: id 0 is 'a' in", "a b\n",
         config='{"added_tokens_decoder": {"0": {"content": "<pad>", "special": true}}}')

    # ---- vocab.txt ----
    def txt(name, status, substring, data):
        write(name, data)
        expect(name, status, substring)
    txt("vocab_empty.txt", "corrupt_file", "no tokens", "")
    txt("vocab_empty_line.txt", "corrupt_file", "line 2 is empty", "[UNK]\n\nb\n")
    txt("vocab_duplicate.txt", "corrupt_file", "duplicate token 'b' (ids 1 and 2)", "[UNK]\nb\nb\n")
    txt("vocab_invalid_utf8.txt", "corrupt_file", "line 2: invalid UTF-8 at byte 1", b"[UNK]\na\xc3\n")

    # A valid file next to the corpus: the base really loads.
    write("valid/tokenizer.json", valid)
    write("valid_wordpiece/tokenizer.json", json.dumps(WORDPIECE, indent=1))
    write("valid_pair/vocab.json", json.dumps(VOCAB_JSON, ensure_ascii=False))
    write("valid_pair/merges.txt", "#version: 0.2\na b\n")

    with open(os.path.join(OUT, "MANIFEST.txt"), "w", encoding="utf-8") as f:
        f.write("# Corrupt tokenizer corpus, generated by tests/data/tokenizer/make_corrupt.py "
                "(do not edit).\n# entry<TAB>expected status<TAB>substring of the error message\n")
        for name, status, sub in manifest:
            f.write(f"{name}\t{status}\t{sub}\n")


if __name__ == "__main__":
    main()
