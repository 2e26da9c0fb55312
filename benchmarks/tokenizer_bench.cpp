// Tokenizer throughput on WikiText-2 (shared/eval/wikitext-2/wiki.test.raw, 1.29 MB), one
// thread: MB/s of encoding with the byte-level BPE vocabs (gpt-2, and the multi-regex
// pre-tokenizers of starcoder and deepseek-coder) and the llama SentencePiece vocab.
//
//   build/bin/tokenizer_bench --benchmark_min_time=2
//
// bytes_per_second is input bytes; "tokens" is the number of ids one encode produces.
//
// BM_LoadGguf times Tokenizer::from_gguf alone (the file is opened and parsed once, outside
// the loop): the tokenizer's share of model load time. SLIM_BENCH_TOKENIZER_GGUF=FILE.gguf
// adds one more file (e.g. a `slim synth --shape qwen2.5-0.5b` model) as BM_LoadGguf/env.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "format/gguf.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {

const std::string kShared = SLIM_SHARED_DIR;

const std::string& wikitext() {
  static const std::string text = [] {
    std::ifstream f(kShared + "/eval/wikitext-2/wiki.test.raw", std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }();
  return text;
}

std::shared_ptr<const slim::Tokenizer> tokenizer(const std::string& vocab) {
  static std::map<std::string, std::shared_ptr<const slim::Tokenizer>> cache;
  auto& slot = cache[vocab];
  if (!slot) {
    auto file = slim::gguf::GgufFile::open(kShared + "/tokenizer-vectors/" + vocab);
    if (!file.is_ok()) return nullptr;
    auto tok = slim::Tokenizer::from_gguf(*file);
    if (!tok.is_ok()) return nullptr;
    slot = *tok;
  }
  return slot;
}

// The whole file in one call.
void BM_EncodeWikitext(benchmark::State& state, const char* vocab) {
  const auto tok = tokenizer(vocab);
  const std::string& text = wikitext();
  if (!tok || text.empty()) {
    state.SkipWithError("missing shared data (tokenizer-vectors or wikitext-2)");
    return;
  }
  size_t n_tokens = 0;
  for (auto _ : state) {
    auto ids = tok->encode(text, false, false);
    if (!ids.is_ok()) {
      state.SkipWithError(ids.status().to_string().c_str());
      return;
    }
    n_tokens = ids->size();
    benchmark::DoNotOptimize(ids->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
}

// Line by line (a prompt-sized call each: ~200 bytes on average).
void BM_EncodeWikitextLines(benchmark::State& state, const char* vocab) {
  const auto tok = tokenizer(vocab);
  const std::string& text = wikitext();
  if (!tok || text.empty()) {
    state.SkipWithError("missing shared data (tokenizer-vectors or wikitext-2)");
    return;
  }
  for (auto _ : state) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      end = end == std::string::npos ? text.size() : end + 1;
      auto ids = tok->encode(std::string_view(text).substr(pos, end - pos), false, true);
      benchmark::DoNotOptimize(ids);
      pos = end;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_DecodeWikitext(benchmark::State& state, const char* vocab) {
  const auto tok = tokenizer(vocab);
  const std::string& text = wikitext();
  if (!tok || text.empty()) {
    state.SkipWithError("missing shared data (tokenizer-vectors or wikitext-2)");
    return;
  }
  auto ids = tok->encode(text, false, false);
  if (!ids.is_ok()) {
    state.SkipWithError(ids.status().to_string().c_str());
    return;
  }
  for (auto _ : state) {
    std::string out = tok->decode(*ids);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

// Tokenizer construction from already-parsed GGUF metadata.
void BM_LoadGguf(benchmark::State& state, const char* vocab) {
  std::string path;
  if (vocab[0] == '$') {
    const char* env = std::getenv(vocab + 1);
    if (env == nullptr || *env == '\0') {
      state.SkipWithError((std::string(vocab + 1) + " is not set").c_str());
      return;
    }
    path = env;
  } else {
    path = kShared + "/tokenizer-vectors/" + vocab;
  }
  auto file = slim::gguf::GgufFile::open(path);
  if (!file.is_ok()) {
    state.SkipWithError(file.status().to_string().c_str());
    return;
  }
  int32_t n_vocab = 0;
  for (auto _ : state) {
    auto tok = slim::Tokenizer::from_gguf(*file);
    if (!tok.is_ok()) {
      state.SkipWithError(tok.status().to_string().c_str());
      return;
    }
    n_vocab = (*tok)->vocab_size();
    benchmark::DoNotOptimize(tok->get());
  }
  state.counters["vocab"] = static_cast<double>(n_vocab);
}

}  // namespace

BENCHMARK_CAPTURE(BM_LoadGguf, bpe_starcoder, "ggml-vocab-starcoder.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadGguf, bpe_gpt2, "ggml-vocab-gpt-2.gguf")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadGguf, spm_llama, "ggml-vocab-llama-spm.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadGguf, env, "$SLIM_BENCH_TOKENIZER_GGUF")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeWikitext, bpe_gpt2, "ggml-vocab-gpt-2.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeWikitext, bpe_starcoder, "ggml-vocab-starcoder.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeWikitext, bpe_deepseek_coder, "ggml-vocab-deepseek-coder.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeWikitext, spm_llama, "ggml-vocab-llama-spm.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeWikitextLines, bpe_gpt2, "ggml-vocab-gpt-2.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EncodeWikitextLines, spm_llama, "ggml-vocab-llama-spm.gguf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeWikitext, bpe_gpt2, "ggml-vocab-gpt-2.gguf")
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
