#include "tokenizer/unicode.hpp"

#include <array>

#include "tokenizer/utf8.hpp"

namespace slim::tok {

namespace {

constexpr bool stands_for_itself(uint32_t b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<uint32_t, 256> cp{};
  std::array<int16_t, 0x144> byte{};  // code point -> byte; every mapped code point is < 0x144
  std::array<char, 256 * 2> utf8{};   // byte_to_unicode(b) at [2b, 2b + len[b])
  std::array<uint8_t, 256> len{};
};

constexpr Tables make_tables() {
  Tables t;
  for (int16_t& x : t.byte) x = -1;
  uint32_t next = 0x100;
  for (uint32_t b = 0; b < 256; ++b) {
    const uint32_t cp = stands_for_itself(b) ? b : next++;
    t.cp[b] = cp;
    t.byte[cp] = static_cast<int16_t>(b);
    if (cp < 0x80) {
      t.utf8[2 * b] = static_cast<char>(cp);
      t.len[b] = 1;
    } else {  // every code point in the table is < 0x800: two bytes
      t.utf8[2 * b] = static_cast<char>(0xC0 | (cp >> 6));
      t.utf8[2 * b + 1] = static_cast<char>(0x80 | (cp & 0x3F));
      t.len[b] = 2;
    }
  }
  return t;
}

// Built at compile time: no initialisation guard on the hot paths.
constexpr Tables kTables = make_tables();

}  // namespace

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint32_t byte_to_codepoint(uint8_t b) {
  return kTables.cp[b];
}

int codepoint_to_byte(uint32_t cp) {
  return cp < kTables.byte.size() ? kTables.byte[cp] : -1;
}

std::string_view byte_to_unicode(uint8_t b) {
  return std::string_view(kTables.utf8.data() + 2 * b, kTables.len[b]);
}

void append_byte_level(std::string_view bytes, std::string* out) {
  const Tables& t = kTables;
  for (const char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out->append(t.utf8.data() + 2 * b, t.len[b]);
  }
}

bool unicode_to_bytes(std::string_view text, char* out, size_t* n_out) {
  // Every table character is 1 or 2 UTF-8 bytes (U+0021 .. U+0143) and stands for one
  // byte. 3- and 4-byte characters are all >= U+0800, and invalid UTF-8 (including the
  // overlong C0 / C1 forms) is not in the table.
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  char* dst = out;
  for (size_t i = 0; i < n;) {
    const uint8_t c = p[i];
    uint32_t cp = 0;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
      cp = (static_cast<uint32_t>(c & 0x1F) << 6) | (p[i + 1] & 0x3F);
      i += 2;
    } else {
      return false;
    }
    const int b = cp < kTables.byte.size() ? kTables.byte[cp] : -1;
    if (b < 0) return false;
    *dst++ = static_cast<char>(b);
  }
  *n_out = static_cast<size_t>(dst - out);
  return true;
}

bool unicode_to_bytes(std::string_view text, std::string* out) {
  const size_t start = out->size();
  out->resize(start + text.size());
  size_t n = 0;
  if (!unicode_to_bytes(text, out->data() + start, &n)) {
    out->resize(start);
    return false;
  }
  out->resize(start + n);
  return true;
}

}  // namespace slim::tok
