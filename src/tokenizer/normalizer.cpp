// The only file that sees ICU (libicu-dev, icu-uc): Normalizer2 on well-formed UTF-8 runs.
#include "tokenizer/normalizer.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/utypes.h>

#include <cstddef>
#include <limits>

#include "tokenizer/utf8.hpp"

namespace slim::tok {

namespace {

Result<const icu::Normalizer2*> instance(NormalForm f) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  switch (f) {
    case NormalForm::kNFC:
      n = icu::Normalizer2::getNFCInstance(err);
      break;
    case NormalForm::kNFD:
      n = icu::Normalizer2::getNFDInstance(err);
      break;
    case NormalForm::kNFKC:
      n = icu::Normalizer2::getNFKCInstance(err);
      break;
    case NormalForm::kNFKD:
      n = icu::Normalizer2::getNFKDInstance(err);
      break;
  }
  if (U_FAILURE(err) || n == nullptr) {
    return internal_error("tokenizer: ICU has no " + std::string(normal_form_name(f)) +
                          " normalizer: " + u_errorName(err));
  }
  return n;
}

// Appends the normalized well-formed UTF-8 `run` to *out.
Status normalize_run(const icu::Normalizer2& n, NormalForm f, std::string_view run,
                     std::string* out) {
  if (run.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return invalid_argument("tokenizer: " + std::to_string(run.size()) +
                            " bytes of text is too long to normalize");
  }
  UErrorCode err = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(out);
  n.normalizeUTF8(0, icu::StringPiece(run.data(), static_cast<int32_t>(run.size())), sink, nullptr,
                  err);
  if (U_FAILURE(err)) {
    return internal_error("tokenizer: ICU " + std::string(normal_form_name(f)) +
                          " normalization failed: " + u_errorName(err));
  }
  return Status::ok();
}

// One form over text that may hold invalid bytes.
Status apply_one(NormalForm f, std::string_view text, std::string* out) {
  SLIM_ASSIGN_OR_RETURN(const icu::Normalizer2* n, instance(f));
  out->clear();
  out->reserve(text.size());
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t len = text.size();
  size_t run = 0, i = 0;
  bool ascii = true;  // the current run is ASCII only: every form leaves it as it is
  const auto flush = [&](size_t end) -> Status {
    if (end == run) return Status::ok();
    if (ascii) {
      out->append(text.substr(run, end - run));
      return Status::ok();
    }
    return normalize_run(*n, f, text.substr(run, end - run), out);
  };
  while (i < len) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const utf8::SeqInfo info = utf8::inspect(p + i, len - i);
    if (info.valid) {
      ascii = false;
      i += info.len;
      continue;
    }
    SLIM_TRY(flush(i));
    out->push_back(text[i]);  // an invalid byte, unchanged
    ++i;
    run = i;
    ascii = true;
  }
  return flush(len);
}

}  // namespace

std::string_view normal_form_name(NormalForm f) {
  switch (f) {
    case NormalForm::kNFC:
      return "NFC";
    case NormalForm::kNFD:
      return "NFD";
    case NormalForm::kNFKC:
      return "NFKC";
    case NormalForm::kNFKD:
      return "NFKD";
  }
  return "?";
}

Status Normalizer::apply(std::string_view text, std::string* out) const {
  if (steps_.empty()) {
    out->assign(text);
    return Status::ok();
  }
  SLIM_TRY(apply_one(steps_[0], text, out));
  std::string tmp;
  for (size_t k = 1; k < steps_.size(); ++k) {
    tmp.swap(*out);
    SLIM_TRY(apply_one(steps_[k], tmp, out));
  }
  return Status::ok();
}

}  // namespace slim::tok
