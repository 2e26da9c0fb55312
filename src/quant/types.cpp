#include "quant/types.hpp"

#include <array>
#include <cctype>

#include "core/checked.hpp"

namespace slim {

namespace {

struct Entry {
  uint32_t id;
  TypeTraits traits;
};

// Block sizes from the published GGUF/ggml layouts (see docs/formats.md).
constexpr std::array<Entry, 23> kTypes{{
    {0, {"F32", 1, 4}},         {1, {"F16", 1, 2}},
    {2, {"Q4_0", 32, 18}},  // fp16 d + 16 bytes of nibbles
    {3, {"Q4_1", 32, 20}},  // fp16 d, fp16 m + 16 bytes
    {6, {"Q5_0", 32, 22}},  // fp16 d + 4 bytes high bits + 16 bytes
    {7, {"Q5_1", 32, 24}},  // fp16 d, m + 4 + 16
    {8, {"Q8_0", 32, 34}},  // fp16 d + 32 int8
    {9, {"Q8_1", 32, 36}},  // fp16 d, s + 32 int8
    {10, {"Q2_K", 256, 84}},    {11, {"Q3_K", 256, 110}},
    {12, {"Q4_K", 256, 144}},   {13, {"Q5_K", 256, 176}},
    {14, {"Q6_K", 256, 210}},   {15, {"Q8_K", 256, 292}},
    {20, {"IQ4_NL", 32, 18}},   {23, {"IQ4_XS", 256, 136}},
    {24, {"I8", 1, 1}},         {25, {"I16", 1, 2}},
    {26, {"I32", 1, 4}},        {27, {"I64", 1, 8}},
    {28, {"F64", 1, 8}},        {30, {"BF16", 1, 2}},
    {0x5338, {"W8A8", 32, 32}},  // SlimLLM-specific: f32 row scale (row header) + int8 per element
}};

}  // namespace

const TypeTraits* type_traits(uint32_t id) {
  for (const Entry& e : kTypes) {
    if (e.id == id) return &e.traits;
  }
  return nullptr;
}

std::string_view type_name(TensorType t) {
  const TypeTraits* tr = type_traits(t);
  return tr ? tr->name : std::string_view("?");
}

bool parse_type_name(std::string_view name, TensorType* out) {
  for (const Entry& e : kTypes) {
    if (e.traits.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(name[i])) != e.traits.name[i]) same = false;
    }
    if (same) {
      *out = static_cast<TensorType>(e.id);
      return true;
    }
  }
  return false;
}

uint32_t row_header_bytes(TensorType t) {
  return t == TensorType::kW8A8 ? 4 : 0;
}

bool is_slim_specific(TensorType t) {
  return t == TensorType::kW8A8;
}

bool row_bytes(TensorType t, uint64_t n, uint64_t* bytes) {
  const TypeTraits* tr = type_traits(t);
  if (tr == nullptr || n % tr->block_elems != 0) return false;
  uint64_t blocks = 0;
  if (!checked_mul(n / tr->block_elems, tr->block_bytes, &blocks)) return false;
  return checked_add(blocks, uint64_t{row_header_bytes(t)}, bytes);
}

}  // namespace slim
