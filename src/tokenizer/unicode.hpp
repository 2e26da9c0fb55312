// Byte-level helpers for the BPE tokenizer: GPT-2's byte <-> unicode table (every byte gets
// a printable character, so byte strings become ordinary token texts) and UTF-8 encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace slim::tok {

// GPT-2 bytes_to_unicode (openai/gpt-2 encoder.py): the printable bytes '!'..'~', 0xA1..0xAC
// and 0xAE..0xFF stand for themselves (as code points); the other 68 bytes, in increasing
// order, take U+0100, U+0101, ... U+0143. So ' ' (0x20) is 'Ġ' (U+0120) and '\n' is 'Ċ'.
uint32_t byte_to_codepoint(uint8_t b);
// Inverse: the byte a code point stands for, or -1 if it stands for none.
int codepoint_to_byte(uint32_t cp);

// The UTF-8 text of byte_to_codepoint(b) (1 or 2 bytes).
std::string_view byte_to_unicode(uint8_t b);
// Appends the byte-level spelling of `bytes` to *out.
void append_byte_level(std::string_view bytes, std::string* out);
// Decodes a byte-level spelling: true and the bytes appended to *out if `text` is valid
// UTF-8 made only of table characters; false (and *out unchanged) otherwise.
bool unicode_to_bytes(std::string_view text, std::string* out);
// The same into a buffer of at least text.size() bytes (the decoding is never longer):
// true and the decoded length in *n_out, or false.
bool unicode_to_bytes(std::string_view text, char* out, size_t* n_out);

// Appends the UTF-8 encoding of code point `cp` (< 0x110000, not a surrogate) to *out.
void append_utf8(uint32_t cp, std::string* out);

}  // namespace slim::tok
