// Unicode properties behind BERT's normalizer and pre-tokenizer (Hugging Face BertNormalizer /
// BertPreTokenizer, BERT's tokenization.py). The tables in wordpiece_unicode.cpp are generated
// by wordpiece_unicode_gen.py from Python's unicodedata; the small fixed sets are here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace slim::tok::wp {

// The Unicode version the generated tables come from ("14.0.0").
const char* unicode_version();

// General category C* (control, format, surrogate, private use, unassigned).
bool is_other(uint32_t cp);
// General category P*.
bool is_unicode_punctuation(uint32_t cp);
// General category Mn (what accent stripping removes after NFD).
bool is_nonspacing_mark(uint32_t cp);

// The Unicode White_Space property plus \t \n \r (Rust's char::is_whitespace, which
// Hugging Face's BERT normalizer and pre-tokenizer use).
inline bool is_whitespace(uint32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// BERT's _is_control: C* except \t \n \r (those are whitespace).
inline bool is_control(uint32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  return is_other(cp);
}

// BERT's _is_punctuation: every non-alphanumeric printable ASCII character ($, +, ^ ... count
// although Unicode calls them symbols) or general category P*.
inline bool is_punctuation(uint32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  return cp >= 0x80 && is_unicode_punctuation(cp);
}

// BERT's _is_chinese_char: the CJK Unified Ideographs blocks (not Hangul, Hiragana, Katakana).
inline bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Lowercase of one character (Python's str.lower / Rust's char::to_lowercase: U+0130 gives
// two characters). Writes 1..2 code points to out, returns the count.
size_t to_lower(uint32_t cp, uint32_t out[3]);

// The canonical decomposition (NFD) of one character with the nonspacing marks (Mn) removed:
// BERT's accent stripping. Writes 0..3 code points to out, returns the count.
size_t strip_accents(uint32_t cp, uint32_t out[3]);

}  // namespace slim::tok::wp
