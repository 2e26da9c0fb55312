// Unicode normalization forms (Hugging Face tokenizers' NFC, NFD, NFKC and NFKD normalizers),
// applied to the text between special tokens before pre-tokenization. ICU does the work; this
// header keeps it out of every other file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slim/status.hpp"

namespace slim::tok {

enum class NormalForm : uint8_t { kNFC, kNFD, kNFKC, kNFKD };

// "NFC", "NFD", "NFKC", "NFKD".
std::string_view normal_form_name(NormalForm f);

// A sequence of normalization forms, applied in order (a Hugging Face Sequence of them);
// empty = the identity.
class Normalizer {
 public:
  Normalizer() = default;
  explicit Normalizer(std::vector<NormalForm> steps) : steps_(std::move(steps)) {}

  bool empty() const { return steps_.empty(); }
  const std::vector<NormalForm>& steps() const { return steps_; }

  // Replaces *out with the normalized `text`. Invalid UTF-8 is not an error: every byte that
  // does not start a well-formed sequence (utf8::inspect) is passed through unchanged, and
  // each maximal well-formed run between such bytes is normalized on its own (so nothing
  // composes across an invalid byte). ASCII is left as it is by every form. Errors: internal
  // if ICU fails (no normalization data), invalid_argument for a run ICU cannot take (2 GiB).
  Status apply(std::string_view text, std::string* out) const;

 private:
  std::vector<NormalForm> steps_;
};

}  // namespace slim::tok
