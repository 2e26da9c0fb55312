// Arrays in a GGUF file are views of its bytes: parsing a file whose metadata is one huge
// array must not allocate much more memory than the file holds (hostile-input rule).
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstring>
#include <string>
#include <vector>

#include "format/gguf.hpp"

namespace slim::gguf {
namespace {

template <typename T>
void put(std::vector<uint8_t>& b, T v) {
  const size_t at = b.size();
  b.resize(at + sizeof(T));
  std::memcpy(b.data() + at, &v, sizeof(T));
}
void put_u32(std::vector<uint8_t>& b, uint32_t v) {
  put(b, v);
}
void put_u64(std::vector<uint8_t>& b, uint64_t v) {
  put(b, v);
}
void put_str(std::vector<uint8_t>& b, const std::string& s) {
  put_u64(b, s.size());
  for (char c : s) b.push_back(static_cast<uint8_t>(c));
}

// GGUF v3 with two arrays: n u8 values (i % 251) and m strings "s<i>".
std::vector<uint8_t> make_file(uint64_t n, uint64_t m) {
  std::vector<uint8_t> b;
  put_u32(b, kMagic);
  put_u32(b, 3);
  put_u64(b, 0);
  put_u64(b, 2);
  put_str(b, "big.u8");
  put_u32(b, static_cast<uint32_t>(ValueType::kArray));
  put_u32(b, static_cast<uint32_t>(ValueType::kU8));
  put_u64(b, n);
  for (uint64_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i % 251));
  put_str(b, "big.str");
  put_u32(b, static_cast<uint32_t>(ValueType::kArray));
  put_u32(b, static_cast<uint32_t>(ValueType::kString));
  put_u64(b, m);
  for (uint64_t i = 0; i < m; ++i) put_str(b, "s" + std::to_string(i));
  return b;
}

size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

TEST(GgufArrayMemory, HugeArraysAreViewsNotCopies) {
  const uint64_t n = 16u << 20, m = 1u << 20;
  const std::vector<uint8_t> file = make_file(n, m);
  const size_t before = heap_in_use();
  auto f = GgufFile::from_memory(file.data(), file.size());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  const size_t grown = heap_in_use() - std::min(before, heap_in_use());
  // 8 bytes of offset per string is allowed; 64-byte Values per element (the old layout)
  // would need over 1 GiB here.
  EXPECT_LT(grown, file.size()) << "parsing a " << file.size() << "-byte file grew the heap by "
                                << grown;

  const Value* u8 = f->find("big.u8");
  ASSERT_NE(u8, nullptr);
  ASSERT_EQ(u8->items.size(), n);
  for (uint64_t i : {uint64_t{0}, uint64_t{250}, uint64_t{251}, n - 1}) {
    EXPECT_EQ(u8->items[i].type, ValueType::kU8);
    EXPECT_EQ(u8->items[i].num.u, i % 251) << i;
  }
  const Value* str = f->find("big.str");
  ASSERT_NE(str, nullptr);
  ASSERT_EQ(str->items.size(), m);
  EXPECT_EQ(str->items[0].str, "s0");
  EXPECT_EQ(str->items[m - 1].str, "s" + std::to_string(m - 1));
  size_t count = 0;
  for (const Value& v : str->items) count += v.str.empty() ? 0 : 1;
  EXPECT_EQ(count, m);
}

}  // namespace
}  // namespace slim::gguf
