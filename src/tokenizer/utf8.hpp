// UTF-8 helpers shared by the tokenizers and the stream decoder.
#pragma once

#include <cstddef>
#include <cstdint>

namespace slim::utf8 {

// Result of looking at the bytes at the start of a buffer.
struct SeqInfo {
  size_t len = 1;           // bytes to consume: the whole sequence, or 1 for an invalid byte
  bool valid = false;       // a complete, well-formed sequence of `len` bytes
  bool incomplete = false;  // a well-formed prefix cut short by the end of the buffer
};

// Classifies the sequence starting at p[0] (n >= 1 bytes available) by RFC 3629 / Unicode
// Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF. A byte that cannot start a
// well-formed sequence is reported as invalid with len 1 (callers treat it as one character).
inline SeqInfo inspect(const uint8_t* p, size_t n) {
  SeqInfo r;
  const uint8_t b0 = p[0];
  if (b0 < 0x80) {
    r.valid = true;
    return r;
  }
  size_t need = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return r;  // continuation byte, C0/C1 or F5..FF
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= n) {
      r.incomplete = true;
      return r;
    }
    const uint8_t b = p[i];
    const uint8_t l = i == 1 ? lo : 0x80;
    const uint8_t h = i == 1 ? hi : 0xBF;
    if (b < l || b > h) return r;
  }
  r.len = need;
  r.valid = true;
  return r;
}

}  // namespace slim::utf8
