// Hugging Face tokenizer files: tokenizer.json (byte-level BPE and WordPiece models), the
// older vocab.json + merges.txt pair (GPT-2 style byte-level BPE) and BERT's vocab.txt, with
// the optional tokenizer_config.json beside them.
//
// Every file is hostile input: errors are Status values whose message names the file and the
// field ("tokenizer.json: model.merges[12]: ..."). Constructs that would change the token ids
// and are not implemented give `unsupported` naming the construct, never an approximation.
// What is read from tokenizer.json:
//   model            BPE (vocab, merges as "a b" strings or [a, b] pairs, ignore_merges;
//                    dropout, byte_fallback, continuing_subword_prefix and end_of_word_suffix
//                    must be off) or WordPiece (vocab, unk_token, continuing_subword_prefix,
//                    max_input_chars_per_word)
//   added_tokens     special -> control, else user-defined; lstrip / rstrip; ids must agree
//                    with model.vocab, and all ids together must be 0..N-1 without gaps
//   normalizer       BPE: NFC, NFD, NFKC, NFKD, a Sequence of them, or none (with one, every
//                    added token must be normalized: false). WordPiece: BertNormalizer,
//                    Lowercase or none
//   pre_tokenizer    BPE: ByteLevel (its GPT-2 regex when use_regex; add_prefix_space), alone
//                    or last in a Sequence of Split (Regex or String pattern, any behavior,
//                    invert), Digits and Punctuation steps. WordPiece: BertPreTokenizer
//   post_processor   TemplateProcessing (at most one special token before and one after $A:
//                    BOS / EOS), BertProcessing, RobertaProcessing, ByteLevel, Sequence of them
//   decoder          BPE: ByteLevel. WordPiece: WordPiece (cleanup is not applied)
// padding and truncation (batching options) are ignored.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "slim/status.hpp"
#include "tokenizer/bpe.hpp"
#include "tokenizer/tokenizer.hpp"

namespace slim::tok {

// What a byte-level BPE tokenizer was built from (for writing it out as GGUF metadata).
struct BpeSpec {
  BpeVocab vocab;
  PreTokenizer pre;
};

struct LoadedTokenizer {
  std::shared_ptr<const Tokenizer> tokenizer;
  std::shared_ptr<const BpeSpec> bpe;  // byte-level BPE loaders only, else null
  // Whether the files ask for EOS after the text when special tokens are added (a
  // post-processor's template, BERT's [SEP]). Tokenizer::encode never appends it itself.
  bool add_eos = false;
  std::string source;  // "tokenizer.json", "vocab.json+merges.txt", "vocab.txt"
};

// The optional tokenizer_config.json next to the files (text may be empty = absent).
struct HfConfigText {
  std::string_view text;
  std::string where = "tokenizer_config.json";
};

// tokenizer.json held in memory; `where` names it in messages.
Result<LoadedTokenizer> load_hf_tokenizer_json(std::string_view text, const std::string& where,
                                               const HfConfigText& config = {});

// vocab.json + merges.txt (GPT-2 byte-level BPE with its regex; merges.txt may start with a
// "#version" line). "<|endoftext|>", if present, is a control token and GPT-2's BOS/EOS/UNK.
Result<LoadedTokenizer> load_hf_vocab_merges(std::string_view vocab_json,
                                             const std::string& vocab_where,
                                             std::string_view merges_txt,
                                             const std::string& merges_where,
                                             const HfConfigText& config = {});

// BERT vocab.txt: one token per line, id = line number; BertTokenizer's defaults (lower-case,
// strip accents, CJK splitting, [CLS] ... [SEP]) unless tokenizer_config.json says otherwise.
Result<LoadedTokenizer> load_hf_vocab_txt(std::string_view vocab_txt, const std::string& where,
                                          const HfConfigText& config = {});

// A file or directory: a directory is searched for tokenizer.json, then vocab.json +
// merges.txt, then vocab.txt; a file is recognized by its name (vocab.json / merges.txt pick
// up their partner in the same directory, *.txt is a vocab.txt) or else read as tokenizer.json.
// tokenizer_config.json in the same directory is used when present.
Result<LoadedTokenizer> load_hf_tokenizer_path(const std::string& path);

// Size limit for each file (bytes); the largest real tokenizer.json files are ~35 MB.
inline constexpr size_t kMaxHfFileBytes = size_t{128} << 20;

}  // namespace slim::tok
