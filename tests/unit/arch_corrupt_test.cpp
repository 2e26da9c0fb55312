// Hostile metadata and tensors for the GPT-2 and OPT loaders: each corrupt variant of a valid
// random checkpoint (made by tests/ref/make_gguf.py's --drop / --set / --rows edits) must fail
// Model::load with a clean error whose message names what was wrong.
#include <gtest/gtest.h>

#include <string>

#include "arch_ref_util.hpp"
#include "slim/model.hpp"

namespace slim {
namespace {

struct CorruptCase {
  const char* name;
  const char* arch;   // make_hf_checkpoint.py ARCH
  const char* edits;  // make_gguf.py options
  const char* message;
};

void PrintTo(const CorruptCase& c, std::ostream* os) {
  *os << c.name;
}

constexpr CorruptCase kCases[] = {
    {"gpt2_missing_qkv", "gpt2", "--drop blk.1.attn_qkv.weight",
     "model has no tensor 'blk.1.attn_qkv.weight'"},
    {"gpt2_missing_bias", "gpt2", "--drop blk.0.ffn_up.bias",
     "model has no tensor 'blk.0.ffn_up.bias'"},
    {"gpt2_missing_final_norm_bias", "gpt2", "--drop output_norm.bias",
     "model has no tensor 'output_norm.bias'"},
    {"gpt2_missing_positions", "gpt2", "--drop position_embd.weight",
     "model has no tensor 'position_embd.weight'"},
    {"gpt2_zero_heads", "gpt2", "--set gpt2.attention.head_count=u32:0",
     "head_count must be positive and divide embedding_length"},
    {"gpt2_heads_not_dividing", "gpt2", "--set gpt2.attention.head_count=u32:5",
     "head_count must be positive and divide embedding_length"},
    {"gpt2_zero_width", "gpt2", "--set gpt2.embedding_length=u32:0",
     "embedding_length must be positive"},
    {"gpt2_huge_width", "gpt2", "--set gpt2.embedding_length=u32:4000000000",
     "gpt2.embedding_length' must be an integer in [0, 131072]"},
    {"gpt2_width_is_string", "gpt2", "--set gpt2.block_count=str:three",
     "gpt2.block_count' must be an integer"},
    {"gpt2_missing_width", "gpt2",
     "--set gpt2.embedding_length=del:", "missing key 'gpt2.embedding_length'"},
    {"gpt2_more_blocks_than_tensors", "gpt2", "--set gpt2.block_count=u32:4",
     "model has no tensor 'blk.3.attn_norm.weight'"},
    {"gpt2_ffn_width_mismatch", "gpt2", "--set gpt2.feed_forward_length=u32:255",
     "tensor 'blk.0.ffn_up.weight' has shape [64, 256], expected [64, 255]"},
    {"gpt2_short_positions_table", "gpt2", "--rows position_embd.weight=10",
     "tensor 'position_embd.weight' must have 64 rows"},
    {"gpt2_context_beyond_table", "gpt2", "--set gpt2.context_length=u32:100",
     "tensor 'position_embd.weight' must have 100 rows"},
    {"gpt2_zero_context", "gpt2", "--set gpt2.context_length=u32:0",
     "context_length must be positive"},
    {"gpt2_zero_eps", "gpt2", "--set gpt2.attention.layer_norm_epsilon=f32:0",
     "layer_norm_epsilon out of range"},
    {"gpt2_nan_eps", "gpt2", "--set gpt2.attention.layer_norm_epsilon=f32:nan",
     "layer_norm_epsilon out of range"},
    {"gpt2_truncated_vocab", "gpt2", "--rows token_embd.weight=100",
     "tokenizer has 320 tokens but the model's embedding has 100 rows"},
    {"opt_missing_k_bias", "opt", "--drop blk.0.attn_k.bias",
     "model has no tensor 'blk.0.attn_k.bias'"},
    {"opt_half_final_norm", "opt", "--drop output_norm.bias",
     "model has no tensor 'output_norm.bias'"},
    {"opt_positions_without_offset", "opt", "--rows position_embd.weight=64",
     "tensor 'position_embd.weight' must have 66 rows"},
    {"opt_flag_not_bool", "opt", "--set opt.do_layer_norm_before=u32:1",
     "key 'opt.do_layer_norm_before' must be bool"},
    {"opt_zero_proj", "opt", "--set opt.word_embed_proj_dim=u32:0",
     "word_embed_proj_dim must be positive"},
    {"opt_proj_mismatch", "opt", "--set opt.word_embed_proj_dim=u32:48",
     "tensor 'token_embd.weight' has shape [64, 320], expected [48, 320]"},
    {"opt_huge_context", "opt", "--set opt.context_length=u32:16777215",
     "opt hyper-parameters: context_length out of range"},
    {"opt350_missing_project_in", "opt350", "--drop project_in.weight",
     "model has no tensor 'project_in.weight'"},
    {"opt350_project_out_shape", "opt350", "--rows project_out.weight=16",
     "tensor 'project_out.weight' has shape [64, 16], expected [64, 32]"},
};

class ArchCorrupt : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(ArchCorrupt, LoadFailsCleanly) {
  const CorruptCase& c = GetParam();
  test::TempDir dir("slim_arch_bad_");
  ASSERT_TRUE(test::make_checkpoint_and_gguf(c.arch, dir, dir.file("bad.gguf"), c.edits));
  auto m = Model::load(dir.file("bad.gguf"));
  ASSERT_FALSE(m.is_ok()) << c.name << " loaded";
  EXPECT_NE(m.status().message().find(c.message), std::string::npos)
      << "got: " << m.status().to_string() << "\nwant substring: " << c.message;
}

INSTANTIATE_TEST_SUITE_P(Cases, ArchCorrupt, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CorruptCase>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace slim
