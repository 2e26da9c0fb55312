// convert_gguf_types / slim quantize and the per-tensor type mixes of llama.cpp's file types
// (toolkit/quant_mix.hpp). Expected types are hand-derived from llama.cpp's rules
// (src/llama-quant.cpp, llama_tensor_get_type; cited where used), not from the code under test;
// value tolerances come from the published block formats.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "convert_types.hpp"
#include "format/gguf.hpp"
#include "quant/quantize.hpp"
#include "quant_mix.hpp"
#include "synth.hpp"

#include "test_util.hpp"

namespace slim {
namespace {

namespace fs = std::filesystem;
using gguf::GgufFile;
using gguf::ValueType;
using toolkit::FileType;
using TT = TensorType;

// A fresh directory per test, removed afterwards.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("slim_convert_") {}
};

std::string model_path() {
  return std::string(SLIM_SHARED_DIR) + "/models/stories260K/stories260K.gguf";
}

using test::read_bytes;
bool is_block_type(TT t) {
  return type_traits(t)->block_elems > 1;
}

// ---------------------------------------------------------------- names and numbers

TEST(ConvertTypes, ParseConvertTypeAndFileTypeNumbers) {
  // llama.cpp's llama_ftype values (include/llama.h).
  const std::map<std::string, uint32_t> want = {
      {"F32", 0},     {"F16", 1},     {"Q4_0", 2},    {"Q4_1", 3},    {"Q8_0", 7},
      {"Q5_0", 8},    {"Q5_1", 9},    {"Q2_K", 10},   {"Q3_K_S", 11}, {"Q3_K_M", 12},
      {"Q3_K_L", 13}, {"Q4_K_S", 14}, {"Q4_K_M", 15}, {"Q5_K_S", 16}, {"Q5_K_M", 17},
      {"Q6_K", 18},   {"BF16", 32}};
  for (const auto& [name, number] : want) {
    auto ft = toolkit::parse_convert_type(name);
    ASSERT_TRUE(ft.is_ok()) << name;
    EXPECT_EQ(toolkit::llama_file_type(*ft), number) << name;
    EXPECT_EQ(toolkit::file_type_info(*ft).name, name);
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(*toolkit::parse_convert_type(lower), *ft) << lower;
  }
  EXPECT_EQ(toolkit::file_types().size(), want.size());
  EXPECT_EQ(toolkit::file_type_info(FileType::kQ4_K_M).base, TT::kQ4_K);
  EXPECT_EQ(toolkit::file_type_info(FileType::kQ3_K_S).base, TT::kQ3_K);
  for (std::string_view bad : {"", "q4_k", "Q4_K_L", "i32", "q8", "f16 ", "IQ4_NL", "Q8_K"}) {
    auto r = toolkit::parse_convert_type(bad);
    ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    // The message lists the valid names.
    for (const char* listed : {"F32", "BF16", "Q2_K", "Q4_K_M", "Q6_K"}) {
      EXPECT_NE(r.status().message().find(listed), std::string::npos) << r.status().message();
    }
  }
}

TEST(ConvertTypes, RejectsBadArguments) {
  TempDir dir;
  EXPECT_EQ(toolkit::convert_gguf_types(model_path(), dir.file("x.gguf"), static_cast<FileType>(4))
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      toolkit::convert_gguf_types(dir.file("missing.gguf"), dir.file("x.gguf"), FileType::kF16)
          .code(),
      StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir.file("x.gguf")));
}

// ---------------------------------------------------------------- the mix rules, unit level

// llama.cpp's use_more_bits(i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2, written out
// for n = 16: n/8 = 2, 7n/8 = 14 -> {0, 1} + {14, 15} + {4, 7, 10, 13}.
const std::set<int> kMoreBits16 = {0, 1, 4, 7, 10, 13, 14, 15};
std::set<int> all16() {
  std::set<int> s;
  for (int i = 0; i < 16; ++i) s.insert(i);
  return s;
}

// A dense 16-layer llama-like model whose rows are all 256 wide (no fallbacks).
std::vector<toolkit::MixTensor> dense_model(bool tied) {
  std::vector<toolkit::MixTensor> t;
  t.push_back({"token_embd.weight", 2, 256, TT::kF32});
  t.push_back({"output_norm.weight", 1, 256, TT::kF32});
  if (!tied) t.push_back({"output.weight", 2, 256, TT::kF32});
  for (int l = 0; l < 16; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    for (const char* n : {"attn_norm.weight", "ffn_norm.weight"}) t.push_back({p + n, 1, 256});
    for (const char* n : {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
                          "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"})
      t.push_back({p + n, 2, 256, TT::kF32});
  }
  return t;
}

struct LayerRule {
  const char* tensor;  // "attn_v"
  std::set<int> more;  // layers that get `in`
  TT in, out;          // type in those layers / in the others
};
struct MixCase {
  FileType ft;
  uint32_t n_head_kv;  // of 8 heads
  TT head;             // output.weight (or the tied token_embd)
  TT other;            // every other matrix, token_embd included when untied
  std::vector<LayerRule> rules;
};

// Each case cites the llama_tensor_get_type branch it comes from.
const std::vector<MixCase>& mix_cases() {
  static const std::vector<MixCase> cases = {
      // Output head: "else if (new_type != GGML_TYPE_Q8_0) new_type = GGML_TYPE_Q6_K".
      // attn_v / ffn_down: "(Q4_K_M || Q5_K_M) && use_more_bits(...) -> Q6_K".
      {FileType::kQ4_K_M,
       8,
       TT::kQ6_K,
       TT::kQ4_K,
       {{"attn_v", kMoreBits16, TT::kQ6_K, TT::kQ4_K},
        {"ffn_down", kMoreBits16, TT::kQ6_K, TT::kQ4_K}}},
      {FileType::kQ5_K_M,
       8,
       TT::kQ6_K,
       TT::kQ5_K,
       {{"attn_v", kMoreBits16, TT::kQ6_K, TT::kQ5_K},
        {"ffn_down", kMoreBits16, TT::kQ6_K, TT::kQ5_K}}},
      // "Q4_K_S && i_attention_wv < 4 -> Q5_K"; "Q4_K_S && i_layer < n_layer/8 -> Q5_K".
      {FileType::kQ4_K_S,
       8,
       TT::kQ6_K,
       TT::kQ4_K,
       {{"attn_v", {0, 1, 2, 3}, TT::kQ5_K, TT::kQ4_K},
        {"ffn_down", {0, 1}, TT::kQ5_K, TT::kQ4_K}}},
      // attn_v "i_attention_wv < 2 ? Q5_K : Q4_K"; ffn_down "i_layer < n_layer/16 ? Q5_K : Q4_K"
      // (non-Falcon); attn_output "Q3_K_M -> Q4_K".
      {FileType::kQ3_K_M,
       8,
       TT::kQ6_K,
       TT::kQ3_K,
       {{"attn_v", {0, 1}, TT::kQ5_K, TT::kQ4_K},
        {"ffn_down", {0}, TT::kQ5_K, TT::kQ4_K},
        {"attn_output", all16(), TT::kQ4_K, TT::kQ4_K}}},
      // Q3_K_L: attn_v, ffn_down (non-Falcon), attn_output -> Q5_K.
      {FileType::kQ3_K_L,
       8,
       TT::kQ6_K,
       TT::kQ3_K,
       {{"attn_v", all16(), TT::kQ5_K, TT::kQ5_K},
        {"ffn_down", all16(), TT::kQ5_K, TT::kQ5_K},
        {"attn_output", all16(), TT::kQ5_K, TT::kQ5_K}}},
      // Q2_K: attn_v "n_gqa() >= 4 ? Q4_K : Q3_K"; ffn_down and attn_output -> Q3_K.
      {FileType::kQ2_K,
       8,
       TT::kQ6_K,
       TT::kQ2_K,
       {{"attn_v", all16(), TT::kQ3_K, TT::kQ3_K},
        {"ffn_down", all16(), TT::kQ3_K, TT::kQ3_K},
        {"attn_output", all16(), TT::kQ3_K, TT::kQ3_K}}},
      {FileType::kQ2_K,
       2,
       TT::kQ6_K,
       TT::kQ2_K,
       {{"attn_v", all16(), TT::kQ4_K, TT::kQ4_K},
        {"ffn_down", all16(), TT::kQ3_K, TT::kQ3_K},
        {"attn_output", all16(), TT::kQ3_K, TT::kQ3_K}}},
      // No per-tensor rule besides the output head.
      {FileType::kQ3_K_S, 8, TT::kQ6_K, TT::kQ3_K, {}},
      {FileType::kQ5_K_S, 8, TT::kQ6_K, TT::kQ5_K, {}},
      {FileType::kQ6_K, 8, TT::kQ6_K, TT::kQ6_K, {}},
      {FileType::kQ4_0, 8, TT::kQ6_K, TT::kQ4_0, {}},
      {FileType::kQ4_1, 8, TT::kQ6_K, TT::kQ4_1, {}},
      {FileType::kQ5_0, 8, TT::kQ6_K, TT::kQ5_0, {}},
      {FileType::kQ5_1, 8, TT::kQ6_K, TT::kQ5_1, {}},
      {FileType::kQ8_0, 8, TT::kQ8_0, TT::kQ8_0, {}},  // "new_type != Q8_0": the head stays Q8_0
      // Not quantized types: llama_tensor_get_type is not called.
      {FileType::kF16, 8, TT::kF16, TT::kF16, {}},
      {FileType::kBF16, 8, TT::kBF16, TT::kBF16, {}},
      {FileType::kAllF32, 8, TT::kF32, TT::kF32, {}},
  };
  return cases;
}

TT expected_type(const MixCase& c, const std::string& name, bool tied) {
  if (name == "output.weight" || (tied && name == "token_embd.weight")) return c.head;
  for (const LayerRule& r : c.rules) {
    if (name.find(std::string(".") + r.tensor + ".weight") == std::string::npos) continue;
    const int layer = std::stoi(name.substr(4));
    return r.more.count(layer) ? r.in : r.out;
  }
  return c.other;
}

TEST(QuantMix, RecipesOnA16LayerModel) {
  for (bool tied : {false, true}) {
    for (bool reversed : {false, true}) {
      for (const MixCase& c : mix_cases()) {
        SCOPED_TRACE(std::string(toolkit::file_type_info(c.ft).name) + " kv heads " +
                     std::to_string(c.n_head_kv) + (tied ? " tied" : "") +
                     (reversed ? " reversed" : ""));
        std::vector<toolkit::MixTensor> model = dense_model(tied);
        // llama.cpp counts layers in its own (layer, name) order, not the file's.
        if (reversed) std::reverse(model.begin(), model.end());
        std::vector<std::string> notes;
        const auto types =
            toolkit::choose_tensor_types(c.ft, {16, 8, c.n_head_kv}, model, false, &notes);
        ASSERT_EQ(types.size(), model.size());
        EXPECT_TRUE(notes.empty());
        for (size_t i = 0; i < model.size(); ++i) {
          const TT want = model[i].n_dims == 1 ? TT::kF32 : expected_type(c, model[i].name, tied);
          EXPECT_EQ(type_name(types[i]), type_name(want)) << model[i].name;
        }
        // --pure: the base type everywhere.
        const auto pure =
            toolkit::choose_tensor_types(c.ft, {16, 8, c.n_head_kv}, model, true, nullptr);
        for (size_t i = 0; i < model.size(); ++i) {
          const TT want = model[i].n_dims == 1 ? TT::kF32 : toolkit::file_type_info(c.ft).base;
          EXPECT_EQ(type_name(pure[i]), type_name(want)) << model[i].name;
        }
      }
    }
  }
}

// Fallbacks (llama.cpp's convert_incompatible_tensor switch, with Q4_0 for IQ4_NL), the
// output head's own Q8_0 rule, tensors that are never quantized, and block counts taken from the
// names when the metadata has none.
TEST(QuantMix, FallbacksAndUntouchedTensors) {
  // No block count given: 2 layers from the names. use_more_bits(i, 2): 2/8 = 0, 7*2/8 = 1 ->
  // layer 1 only (for attn_v, n = the 2 attn_v tensors).
  const std::vector<toolkit::MixTensor> model = {
      {"output.weight", 2, 96, TT::kF32},               // 96 % 256 != 0 -> Q8_0 ("nx % qk_k")
      {"token_embd.weight", 2, 96, TT::kF16},           // Q4_K -> Q5_0
      {"blk.0.attn_v.weight", 2, 96, TT::kF32},         // Q4_K -> Q5_0
      {"blk.1.attn_v.weight", 2, 40, TT::kF32},         // Q6_K -> Q8_0 -> F16 (40 % 32 != 0)
      {"blk.0.ffn_down.weight", 2, 512, TT::kF32},      // fits: Q4_K
      {"blk.1.ffn_down.weight", 2, 512, TT::kF32},      // more bits: Q6_K
      {"blk.0.attn_norm.weight", 1, 96, TT::kF16},      // 1-D -> F32
      {"blk.0.ffn_gate_inp.weight", 2, 256, TT::kF32},  // MoE router: kept
      {"blk.0.post_norm.weight", 2, 256, TT::kF16},     // "_norm.weight": kept
      {"position_embd.weight", 2, 256, TT::kF32},       // kept
      {"blk.0.attn_q.bias", 1, 256, TT::kF32},          // 1-D -> F32
      {"rope_freqs", 1, 32, TT::kI32},                  // integer: kept
      {"blk.0.ffn_up.weight", 3, 256, TT::kF32},        // 3-D: quantized as rows
  };
  std::vector<std::string> notes;
  const auto types = toolkit::choose_tensor_types(FileType::kQ4_K_M, {}, model, false, &notes);
  const std::vector<TT> want = {TT::kQ8_0, TT::kQ5_0, TT::kQ5_0, TT::kF16, TT::kQ4_K,
                                TT::kQ6_K, TT::kF32,  TT::kF32,  TT::kF16, TT::kF32,
                                TT::kF32,  TT::kI32,  TT::kQ4_K};
  ASSERT_EQ(types.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(type_name(types[i]), type_name(want[i])) << model[i].name;
  // One note per fallback, naming the tensor, the wanted type and the stored one, in file order.
  ASSERT_EQ(notes.size(), 4u);
  const char* noted[][3] = {{"'output.weight'", "Q4_K", "Q8_0"},
                            {"'token_embd.weight'", "Q4_K", "Q5_0"},
                            {"'blk.0.attn_v.weight'", "Q4_K", "Q5_0"},
                            {"'blk.1.attn_v.weight'", "Q6_K", "F16"}};
  for (size_t i = 0; i < notes.size(); ++i) {
    for (const char* part : noted[i]) EXPECT_NE(notes[i].find(part), std::string::npos) << notes[i];
  }
  // Q2_K and Q3_K fall back to Q4_0; Q5_K to Q5_1; legacy types to F16.
  const std::vector<toolkit::MixTensor> one = {{"blk.0.attn_q.weight", 2, 64, TT::kF32},
                                               {"blk.0.attn_k.weight", 2, 48, TT::kF32}};
  EXPECT_EQ(toolkit::choose_tensor_types(FileType::kQ2_K, {}, one, false, nullptr)[0], TT::kQ4_0);
  EXPECT_EQ(toolkit::choose_tensor_types(FileType::kQ3_K_S, {}, one, false, nullptr)[0], TT::kQ4_0);
  EXPECT_EQ(toolkit::choose_tensor_types(FileType::kQ5_K_S, {}, one, false, nullptr)[0], TT::kQ5_1);
  EXPECT_EQ(toolkit::choose_tensor_types(FileType::kQ4_1, {}, one, false, nullptr)[1], TT::kF16);
  EXPECT_EQ(toolkit::choose_tensor_types(FileType::kQ8_0, {}, one, true, nullptr)[1], TT::kF16);
}

// ---------------------------------------------------------------- stories260K, every type

// stories260K: 5 layers, rows 64 wide except ffn_down (172), untied output.weight, 8 heads /
// 4 KV heads (n_gqa 2). No row is a multiple of 256, so every K-quant falls back; 172 is not a
// multiple of 32, so ffn_down is F16 for every block type.
struct StoriesCase {
  FileType ft;
  TT head;       // output.weight
  TT attn_v[5];  // by layer
  TT attn_output;
  TT other;          // token_embd, attn_q, attn_k, ffn_gate, ffn_up
  bool head_note;    // output.weight is a fallback
  bool others_note;  // every 64-wide matrix is a fallback (the K-quants)
};

// use_more_bits(i, 5): 5/8 = 0, 7*5/8 = 4 -> layers 4 and (i - 0) % 3 == 2 -> 2: {2, 4}.
const StoriesCase kStories[] = {
    {FileType::kAllF32,
     TT::kF32,
     {TT::kF32, TT::kF32, TT::kF32, TT::kF32, TT::kF32},
     TT::kF32,
     TT::kF32,
     false,
     false},
    {FileType::kF16,
     TT::kF16,
     {TT::kF16, TT::kF16, TT::kF16, TT::kF16, TT::kF16},
     TT::kF16,
     TT::kF16,
     false,
     false},
    {FileType::kBF16,
     TT::kBF16,
     {TT::kBF16, TT::kBF16, TT::kBF16, TT::kBF16, TT::kBF16},
     TT::kBF16,
     TT::kBF16,
     false,
     false},
    {FileType::kQ8_0,
     TT::kQ8_0,
     {TT::kQ8_0, TT::kQ8_0, TT::kQ8_0, TT::kQ8_0, TT::kQ8_0},
     TT::kQ8_0,
     TT::kQ8_0,
     false,
     false},
    // Legacy types: head Q6_K -> Q8_0 (fallback).
    {FileType::kQ4_0,
     TT::kQ8_0,
     {TT::kQ4_0, TT::kQ4_0, TT::kQ4_0, TT::kQ4_0, TT::kQ4_0},
     TT::kQ4_0,
     TT::kQ4_0,
     true,
     false},
    {FileType::kQ4_1,
     TT::kQ8_0,
     {TT::kQ4_1, TT::kQ4_1, TT::kQ4_1, TT::kQ4_1, TT::kQ4_1},
     TT::kQ4_1,
     TT::kQ4_1,
     true,
     false},
    {FileType::kQ5_0,
     TT::kQ8_0,
     {TT::kQ5_0, TT::kQ5_0, TT::kQ5_0, TT::kQ5_0, TT::kQ5_0},
     TT::kQ5_0,
     TT::kQ5_0,
     true,
     false},
    {FileType::kQ5_1,
     TT::kQ8_0,
     {TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_1},
     TT::kQ5_1,
     TT::kQ5_1,
     true,
     false},
    // K-quants: head 64 % 256 -> Q8_0; Q2_K/Q3_K -> Q4_0, Q4_K -> Q5_0, Q5_K -> Q5_1,
    // Q6_K -> Q8_0.
    // Q2_K: attn_v Q3_K (n_gqa 2 < 4), attn_output Q3_K.
    {FileType::kQ2_K,
     TT::kQ8_0,
     {TT::kQ4_0, TT::kQ4_0, TT::kQ4_0, TT::kQ4_0, TT::kQ4_0},
     TT::kQ4_0,
     TT::kQ4_0,
     true,
     true},
    {FileType::kQ3_K_S,
     TT::kQ8_0,
     {TT::kQ4_0, TT::kQ4_0, TT::kQ4_0, TT::kQ4_0, TT::kQ4_0},
     TT::kQ4_0,
     TT::kQ4_0,
     true,
     true},
    // Q3_K_M: attn_v Q5_K in the first two, else Q4_K; attn_output Q4_K.
    {FileType::kQ3_K_M,
     TT::kQ8_0,
     {TT::kQ5_1, TT::kQ5_1, TT::kQ5_0, TT::kQ5_0, TT::kQ5_0},
     TT::kQ5_0,
     TT::kQ4_0,
     true,
     true},
    {FileType::kQ3_K_L,
     TT::kQ8_0,
     {TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_1},
     TT::kQ5_1,
     TT::kQ4_0,
     true,
     true},
    // Q4_K_S: attn_v Q5_K in the first four.
    {FileType::kQ4_K_S,
     TT::kQ8_0,
     {TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_0},
     TT::kQ5_0,
     TT::kQ5_0,
     true,
     true},
    // Q4_K_M / Q5_K_M: attn_v Q6_K in layers {2, 4}.
    {FileType::kQ4_K_M,
     TT::kQ8_0,
     {TT::kQ5_0, TT::kQ5_0, TT::kQ8_0, TT::kQ5_0, TT::kQ8_0},
     TT::kQ5_0,
     TT::kQ5_0,
     true,
     true},
    {FileType::kQ5_K_S,
     TT::kQ8_0,
     {TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_1, TT::kQ5_1},
     TT::kQ5_1,
     TT::kQ5_1,
     true,
     true},
    {FileType::kQ5_K_M,
     TT::kQ8_0,
     {TT::kQ5_1, TT::kQ5_1, TT::kQ8_0, TT::kQ5_1, TT::kQ8_0},
     TT::kQ5_1,
     TT::kQ5_1,
     true,
     true},
    {FileType::kQ6_K,
     TT::kQ8_0,
     {TT::kQ8_0, TT::kQ8_0, TT::kQ8_0, TT::kQ8_0, TT::kQ8_0},
     TT::kQ8_0,
     TT::kQ8_0,
     true,
     true},
};

// Largest allowed |converted - original| for one element of a block with the given range.
double tolerance(TT t, float x, double bmin, double bmax) {
  const double amax = std::max(std::fabs(bmin), std::fabs(bmax));
  const double h = std::ldexp(1.0, -11);  // fp16 relative rounding of the stored d and m
  const double slack = amax * 1e-6 + 1e-7;
  switch (t) {
    case TT::kF32:
      return 0.0;
    // Round to nearest: half an ulp (relative 2^-11 / 2^-8) or half the smallest subnormal.
    case TT::kF16:
      return std::fabs(x) * std::ldexp(1.0, -11) + std::ldexp(1.0, -25);
    case TT::kBF16:
      return std::fabs(x) * std::ldexp(1.0, -8) + 1e-40;
    // Half a step of d = amax/127, plus fp16 rounding of d over |q| <= 127.
    case TT::kQ8_0:
      return amax / 127.0 * (0.5 + 127.0 * h) + slack;
    // d = max/-8 (-16): the opposite sign can clamp at q = 15 (31): one step, plus fp16 of d.
    case TT::kQ4_0:
      return amax / 8.0 * (1.0 + 8.0 * h) + slack;
    case TT::kQ5_0:
      return amax / 16.0 * (1.0 + 16.0 * h) + slack;
    // d = (max - min)/15 (31), m = min: half a step, plus fp16 of d over q <= 15 (31) and of m.
    case TT::kQ4_1:
      return (bmax - bmin) / 15.0 * (0.5 + 15.0 * h) + std::fabs(bmin) * h + slack;
    case TT::kQ5_1:
      return (bmax - bmin) / 31.0 * (0.5 + 31.0 * h) + std::fabs(bmin) * h + slack;
    default:
      return -1.0;  // no per-element bound for this type here
  }
}

void check_stories(const StoriesCase& c) {
  const std::string name(toolkit::file_type_info(c.ft).name);
  SCOPED_TRACE(name);
  TempDir dir;
  const std::string out_path = dir.file("out.gguf");
  std::vector<std::pair<size_t, size_t>> calls;
  std::vector<std::string> notes;
  Status st = toolkit::convert_gguf_types(
      model_path(), out_path, c.ft,
      [&](size_t done, size_t total) {
        calls.push_back({done, total});
      },
      &notes);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_FALSE(fs::exists(out_path + ".tmp"));

  auto in = GgufFile::open(model_path());
  ASSERT_TRUE(in.is_ok()) << in.status().to_string();
  auto out = GgufFile::open(out_path);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();

  // Progress: once per tensor, in order, ending at total.
  ASSERT_EQ(calls.size(), in->tensors().size());
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].first, i + 1);
    EXPECT_EQ(calls[i].second, in->tensors().size());
  }

  // Metadata: every input key with an equal value, plus the file type (and quantization version).
  const bool block_file = is_block_type(toolkit::file_type_info(c.ft).base);
  std::set<std::string> want_keys, got_keys;
  for (const auto& kv : in->metadata()) want_keys.insert(std::string(kv.key));
  want_keys.insert("general.file_type");
  if (block_file) want_keys.insert("general.quantization_version");
  for (const auto& kv : out->metadata()) got_keys.insert(std::string(kv.key));
  EXPECT_EQ(got_keys, want_keys);
  EXPECT_EQ(*out->get_uint("general.file_type", 1000), static_cast<uint32_t>(c.ft));
  if (block_file) {
    EXPECT_EQ(*out->get_uint("general.quantization_version", 100), 2u);
  }
  EXPECT_EQ(*out->get_string("general.architecture"), "llama");
  EXPECT_EQ(*out->get_uint("llama.feed_forward_length", 100000), 172u);
  auto in_tokens = in->get_array("tokenizer.ggml.tokens", ValueType::kString);
  auto out_tokens = out->get_array("tokenizer.ggml.tokens", ValueType::kString);
  ASSERT_TRUE(in_tokens.is_ok() && out_tokens.is_ok());
  ASSERT_EQ((*out_tokens)->items.size(), (*in_tokens)->items.size());
  for (size_t i = 0; i < (*in_tokens)->items.size(); ++i) {
    ASSERT_EQ((*out_tokens)->items[i].str, (*in_tokens)->items[i].str) << i;
  }
  EXPECT_EQ(*out->get_float("llama.attention.layer_norm_rms_epsilon"),
            *in->get_float("llama.attention.layer_norm_rms_epsilon"));

  // Tensors: same names, order and shapes; types and values as specified.
  ASSERT_EQ(out->tensors().size(), in->tensors().size());
  size_t want_notes = 0;
  for (size_t i = 0; i < in->tensors().size(); ++i) {
    const gguf::TensorInfo& a = in->tensors()[i];
    const gguf::TensorInfo& b = out->tensors()[i];
    const std::string tname(a.name);
    SCOPED_TRACE(tname);
    ASSERT_EQ(a.name, b.name);
    ASSERT_EQ(a.n_dims, b.n_dims);
    for (uint32_t d = 0; d < a.n_dims; ++d) EXPECT_EQ(a.ne[d], b.ne[d]);
    ASSERT_EQ(a.type, TT::kF32);  // stories260K is all F32

    TT want = TT::kF32;
    bool noted = false;
    if (a.n_dims == 2) {
      if (tname == "output.weight") {
        want = c.head;
        noted = c.head_note;
      } else if (tname.find("ffn_down") != std::string::npos) {
        EXPECT_EQ(a.ne[0], 172u);
        want = block_file ? TT::kF16 : c.other;
        noted = block_file;
      } else if (tname.find("attn_v") != std::string::npos) {
        want = c.attn_v[std::stoi(tname.substr(4))];
        noted = c.others_note;
      } else if (tname.find("attn_output") != std::string::npos) {
        want = c.attn_output;
        noted = c.others_note;
      } else {
        want = c.other;
        noted = c.others_note;
      }
    }
    EXPECT_EQ(type_name(b.type), type_name(want));
    if (noted) {
      ++want_notes;
      const bool found = std::any_of(notes.begin(), notes.end(), [&](const std::string& n) {
        return n.find("'" + tname + "'") != std::string::npos &&
               n.find("stored as " + std::string(type_name(want))) != std::string::npos;
      });
      EXPECT_TRUE(found) << "no note for the fallback to " << type_name(want);
    }

    // Values: dequantize row by row and compare with the F32 original, block by block.
    const auto* orig = reinterpret_cast<const float*>(in->tensor_data(a));
    const uint64_t row = a.ne[0];
    const uint64_t rows = a.n_elements / row;
    uint64_t out_row_bytes = 0;
    ASSERT_TRUE(row_bytes(b.type, row, &out_row_bytes));
    std::vector<float> y(row);
    const uint32_t block = type_traits(b.type)->block_elems;
    ASSERT_LE(block, 32u);
    double max_err = 0.0;
    for (uint64_t r = 0; r < rows; ++r) {
      ASSERT_TRUE(
          dequantize_row(b.type, out->tensor_data(b) + r * out_row_bytes, y.data(), row).is_ok());
      for (uint64_t j0 = 0; j0 < row; j0 += block) {
        float xs[32];
        std::memcpy(xs, orig + r * row + j0, block * sizeof(float));
        const double bmin = *std::min_element(xs, xs + block);
        const double bmax = *std::max_element(xs, xs + block);
        for (uint32_t j = 0; j < block; ++j) {
          const double err = std::fabs(static_cast<double>(y[j0 + j]) - xs[j]);
          max_err = std::max(max_err, err);
          const double tol = tolerance(b.type, xs[j], bmin, bmax);
          ASSERT_GE(tol, 0.0) << "no tolerance for " << type_name(b.type);
          ASSERT_LE(err, tol) << "row " << r << " element " << j0 + j << ": " << xs[j] << " -> "
                              << y[j0 + j];
        }
      }
    }
    if (b.type == TT::kF32) {
      EXPECT_EQ(max_err, 0.0);
    }
  }
  EXPECT_EQ(notes.size(), want_notes);
}

class ConvertStories : public ::testing::TestWithParam<StoriesCase> {};

TEST_P(ConvertStories, TypesNotesAndValues) {
  check_stories(GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllTypes, ConvertStories, ::testing::ValuesIn(kStories),
                         [](const auto& p) {
                           return std::string(toolkit::file_type_info(p.param.ft).name);
                         });

// Converting a converted model again (source Q8_0/F16 tensors) works and copies same-type
// tensors byte for byte.
TEST(ConvertTypes, FromQuantizedSource) {
  TempDir dir;
  const std::string q8 = dir.file("q8.gguf");
  const std::string q8b = dir.file("q8b.gguf");
  const std::string f32 = dir.file("f32.gguf");
  ASSERT_TRUE(toolkit::convert_gguf_types(model_path(), q8, FileType::kQ8_0).is_ok());
  ASSERT_TRUE(toolkit::convert_gguf_types(q8, q8b, FileType::kQ8_0).is_ok());
  EXPECT_EQ(read_bytes(q8), read_bytes(q8b));
  ASSERT_TRUE(toolkit::convert_gguf_types(q8, f32, FileType::kAllF32).is_ok());
  auto a = GgufFile::open(q8);
  auto b = GgufFile::open(f32);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  for (size_t i = 0; i < a->tensors().size(); ++i) {
    const auto& ta = a->tensors()[i];
    const auto& tb = b->tensors()[i];
    ASSERT_EQ(tb.type, TT::kF32);
    std::vector<float> ya(ta.n_elements);
    const uint64_t row = ta.ne[0];
    uint64_t rb = 0;
    ASSERT_TRUE(row_bytes(ta.type, row, &rb));
    for (uint64_t r = 0; r < ta.n_elements / row; ++r) {
      ASSERT_TRUE(
          dequantize_row(ta.type, a->tensor_data(ta) + r * rb, ya.data() + r * row, row).is_ok());
    }
    EXPECT_EQ(std::memcmp(ya.data(), b->tensor_data(tb), tb.n_bytes), 0) << ta.name;
  }
  EXPECT_EQ(*b->get_uint("general.file_type", 100), 0u);
}

// ---------------------------------------------------------------- Q4_K_M with real K-quants

// RMS of (y - x) relative to RMS of x.
double relative_rmse(const float* x, const float* y, size_t n) {
  double err = 0.0, ref = 0.0;
  for (size_t i = 0; i < n; ++i) {
    err += (static_cast<double>(y[i]) - x[i]) * (static_cast<double>(y[i]) - x[i]);
    ref += static_cast<double>(x[i]) * x[i];
  }
  return std::sqrt(err / ref);
}

// A 12-layer random model with 256-wide rows (no fallbacks), written by the synth code as F32,
// converted to Q4_K_M; and the same model synthesised directly as Q4_K_M.
TEST(QuantMix, Q4_K_MOnA256WideModel) {
  TempDir dir;
  const toolkit::SynthShape shape{"mix-test", "llama", 256,  256,   12,    4, 4,
                                  300,        64,      1e4f, false, false, ""};
  toolkit::SynthOptions o;
  o.type = FileType::kAllF32;
  const std::string f32 = dir.file("f32.gguf");
  const std::string conv = dir.file("conv.gguf");
  const std::string direct = dir.file("direct.gguf");
  ASSERT_TRUE(toolkit::write_synth_model(shape, o, f32, {}, nullptr).is_ok());
  std::vector<std::string> notes;
  ASSERT_TRUE(toolkit::convert_gguf_types(f32, conv, FileType::kQ4_K_M, {}, &notes).is_ok());
  EXPECT_TRUE(notes.empty()) << notes.front();
  o.type = FileType::kQ4_K_M;
  std::vector<std::string> synth_notes;
  ASSERT_TRUE(toolkit::write_synth_model(shape, o, direct, {}, &synth_notes).is_ok());

  auto src = GgufFile::open(f32);
  auto a = GgufFile::open(conv);
  auto b = GgufFile::open(direct);
  ASSERT_TRUE(src.is_ok() && a.is_ok() && b.is_ok());
  EXPECT_EQ(*a->get_uint("general.file_type", 100), 15u);
  EXPECT_EQ(*b->get_uint("general.file_type", 100), 15u);
  EXPECT_EQ(*b->get_uint("general.quantization_version", 100), 2u);

  // use_more_bits(i, 12): 12/8 = 1, 7*12/8 = 10 -> {0} + {10, 11} + (i - 1) % 3 == 2 -> {3, 6, 9}.
  const std::set<int> more = {0, 3, 6, 9, 10, 11};
  // Relative RMS bounds for N(0, s) rows (tests/unit/quant_kquants_test.cpp measurements).
  const std::map<TT, double> rmse_bound = {{TT::kQ4_K, 0.082}, {TT::kQ6_K, 0.021}};
  std::map<std::string, int> counts;
  ASSERT_EQ(a->tensors().size(), src->tensors().size());
  ASSERT_EQ(b->tensors().size(), src->tensors().size());
  for (size_t i = 0; i < src->tensors().size(); ++i) {
    const gguf::TensorInfo& s = src->tensors()[i];
    const gguf::TensorInfo& ta = a->tensors()[i];
    const gguf::TensorInfo& tb = b->tensors()[i];
    const std::string name(s.name);
    SCOPED_TRACE(name);
    ASSERT_EQ(ta.name, s.name);
    ASSERT_EQ(tb.name, s.name);
    TT want = TT::kF32;
    if (s.n_dims == 2) {
      want = TT::kQ4_K;
      if (name == "output.weight") want = TT::kQ6_K;  // the output head
      const bool v_or_down = name.find("attn_v.weight") != std::string::npos ||
                             name.find("ffn_down.weight") != std::string::npos;
      if (v_or_down && more.count(std::stoi(name.substr(4)))) want = TT::kQ6_K;
    }
    EXPECT_EQ(type_name(ta.type), type_name(want));
    EXPECT_EQ(type_name(tb.type), type_name(want));
    ++counts[std::string(type_name(ta.type))];
    // synth quantizes the same rows it stores as F32: identical bytes.
    ASSERT_EQ(ta.n_bytes, tb.n_bytes);
    EXPECT_EQ(std::memcmp(a->tensor_data(ta), b->tensor_data(tb), ta.n_bytes), 0);
    if (s.n_dims != 2) continue;
    const uint64_t row = s.ne[0];
    uint64_t rb = 0;
    ASSERT_TRUE(row_bytes(ta.type, row, &rb));
    std::vector<float> y(s.n_elements);
    for (uint64_t r = 0; r < s.n_elements / row; ++r) {
      ASSERT_TRUE(
          dequantize_row(ta.type, a->tensor_data(ta) + r * rb, y.data() + r * row, row).is_ok());
    }
    const auto* x = reinterpret_cast<const float*>(src->tensor_data(s));
    EXPECT_LT(relative_rmse(x, y.data(), y.size()), rmse_bound.at(ta.type));
  }
  // 12 layers x 7 matrices + token_embd + output; 6 attn_v + 6 ffn_down + output in Q6_K.
  EXPECT_EQ(counts["Q6_K"], 13);
  EXPECT_EQ(counts["Q4_K"], 12 * 7 + 2 - 13);
}

}  // namespace
}  // namespace slim
