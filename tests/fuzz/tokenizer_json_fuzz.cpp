// libFuzzer target: Hugging Face tokenizer files and the JSON wrapper under them.
// The input is read as
//   - vocab.json NUL merges.txt, if it holds a NUL byte (JSON text never does);
//   - else a tokenizer.json, if its first non-space byte is '{';
//   - else a BERT vocab.txt.
// Whatever loads is then used: encode (with and without special-token parsing), decode, and
// every token's text and piece. Any crash, sanitizer report or abort is a finding; errors
// must come back as Status values.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "tokenizer/hf_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {

void exercise(const slim::Tokenizer& t, std::string_view input) {
  const std::string texts[] = {
      "Hello world! It's 2024, \xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87  \n\t<|endoftext|>[CLS]",
      std::string(input.substr(0, 256)),
      "\xff\xfe invalid \xc3",
  };
  for (const std::string& text : texts) {
    for (const bool special : {false, true}) {
      auto ids = t.encode(text, special, special);
      if (!ids.is_ok()) continue;
      for (const int32_t id : *ids) {
        if (id < 0 || id >= t.vocab_size()) __builtin_trap();  // ids must be in range
      }
      (void)t.decode(*ids);
    }
  }
  const int32_t n = t.vocab_size();
  for (int32_t id = -1; id <= n && id < 4096; ++id) {
    (void)t.piece(id);
    (void)t.token_text(id);
    (void)t.token_type(id);
    (void)t.is_eog(id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  slim::Result<slim::tok::LoadedTokenizer> r = slim::tok::LoadedTokenizer{};
  if (const size_t nul = in.find('\0'); nul != std::string_view::npos) {
    r = slim::tok::load_hf_vocab_merges(in.substr(0, nul), "vocab.json", in.substr(nul + 1),
                                        "merges.txt");
  } else {
    const size_t first = in.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && in[first] == '{') {
      slim::json::Limits limits;
      limits.max_depth = 16;
      (void)slim::json::parse(in, "fuzz.json", limits);
      r = slim::tok::load_hf_tokenizer_json(in, "tokenizer.json");
    } else {
      r = slim::tok::load_hf_vocab_txt(in, "vocab.txt");
    }
  }
  if (r.is_ok() && r->tokenizer) exercise(*r->tokenizer, in);
  return 0;
}
