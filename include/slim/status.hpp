// Errors as values. Every fallible libslim call returns Status or Result<T>;
// nothing throws or aborts across the API on bad input.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace slim {

// Stable numeric codes: the C API exposes the same values (slim_status).
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // caller passed something unusable (bad parameter, empty path)
  kNotFound = 2,         // file, tensor or key missing
  kIoError = 3,          // open/read/mmap failed
  kCorruptFile = 4,      // outside input violates its format
  kUnsupported = 5,      // well-formed but not supported (architecture, tensor type)
  kContextFull = 6,      // the session's context window is exhausted
  kOutOfMemory = 7,
  kInternal = 8,   // a bug in libslim
  kCancelled = 9,  // a callback asked to stop
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt_file: gguf: tensor 'x' data out of range" style, for logs and CLI.
  std::string to_string() const;
  // Prefix the message with context ("loading foo.gguf: ...").
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status not_found(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status io_error(std::string m) {
  return {StatusCode::kIoError, std::move(m)};
}
inline Status corrupt(std::string m) {
  return {StatusCode::kCorruptFile, std::move(m)};
}
inline Status unsupported(std::string m) {
  return {StatusCode::kUnsupported, std::move(m)};
}
inline Status internal_error(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.is_ok()) status_ = internal_error("Result constructed from an ok Status");
  }

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace slim

#define SLIM_CONCAT_INNER(a, b) a##b
#define SLIM_CONCAT(a, b) SLIM_CONCAT_INNER(a, b)

// Return the Status from the enclosing function if `expr` failed.
#define SLIM_TRY(expr)                                    \
  do {                                                    \
    ::slim::Status slim_try_status = (expr);              \
    if (!slim_try_status.is_ok()) return slim_try_status; \
  } while (0)

#define SLIM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.is_ok()) return tmp.status();           \
  lhs = std::move(tmp).value()

// `SLIM_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result or returns its Status.
#define SLIM_ASSIGN_OR_RETURN(lhs, expr) \
  SLIM_ASSIGN_OR_RETURN_IMPL(SLIM_CONCAT(slim_result_, __LINE__), lhs, expr)
