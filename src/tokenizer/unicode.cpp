#include "tokenizer/unicode.hpp"

#include <array>

#include "tokenizer/utf8.hpp"

namespace slim::tok {

namespace {

bool stands_for_itself(uint32_t b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<uint32_t, 256> cp{};
  std::array<int16_t, 0x144> byte{};  // code point -> byte; every mapped code point is < 0x144
  std::array<char, 256 * 2> utf8{};   // byte_to_unicode(b) at [2b, 2b + len[b])
  std::array<uint8_t, 256> len{};

  Tables() {
    byte.fill(-1);
    uint32_t next = 0x100;
    for (uint32_t b = 0; b < 256; ++b) {
      cp[b] = stands_for_itself(b) ? b : next++;
      byte[cp[b]] = static_cast<int16_t>(b);
      std::string s;
      append_utf8(cp[b], &s);
      len[b] = static_cast<uint8_t>(s.size());
      for (size_t i = 0; i < s.size(); ++i) utf8[2 * b + i] = s[i];
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

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
  return tables().cp[b];
}

int codepoint_to_byte(uint32_t cp) {
  const Tables& t = tables();
  return cp < t.byte.size() ? t.byte[cp] : -1;
}

std::string_view byte_to_unicode(uint8_t b) {
  const Tables& t = tables();
  return std::string_view(t.utf8.data() + 2 * b, t.len[b]);
}

void append_byte_level(std::string_view bytes, std::string* out) {
  const Tables& t = tables();
  for (const char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out->append(t.utf8.data() + 2 * b, t.len[b]);
  }
}

bool unicode_to_bytes(std::string_view text, std::string* out) {
  const size_t start = out->size();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  for (size_t i = 0; i < text.size();) {
    const utf8::SeqInfo info = utf8::inspect(p + i, text.size() - i);
    uint32_t cp = 0;
    if (!info.valid) {
      out->resize(start);
      return false;
    }
    if (info.len == 1) {
      cp = p[i];
    } else if (info.len == 2) {
      cp = (static_cast<uint32_t>(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
    } else {
      out->resize(start);  // 3- and 4-byte characters are all >= U+0800: not in the table
      return false;
    }
    const int b = codepoint_to_byte(cp);
    if (b < 0) {
      out->resize(start);
      return false;
    }
    out->push_back(static_cast<char>(b));
    i += info.len;
  }
  return true;
}

}  // namespace slim::tok
