// Errors as values: every fallible operation in isartor returns Result<T> (or Status).
// Our code never throws across an interface; a third-party exception is caught in the one
// adapter that calls that library and turned into an Error here.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace isartor {

// Broad error classes. The HTTP edge maps each to one status per dialect; nothing else does.
enum class ErrorCode {
  kInvalidArgument,    // bad input from a client, a file or a flag
  kUnauthenticated,    // missing / wrong gateway key
  kPayloadTooLarge,    // body over the configured limit
  kHeaderTooLarge,     // request line + header fields over the head limit
  kNotFound,           // file, route, entry absent
  kUnavailable,        // upstream unreachable (connect / DNS / reset)
  kDeadlineExceeded,   // upstream or I/O timeout
  kBlocked,            // egress guard refused the destination (offline mode)
  kUpstreamError,      // upstream answered with a non-retryable error
  kDataLoss,           // corrupt file / model / log
  kInternal,           // a bug: an impossible state we still refuse to crash on
  kCancelled,          // the client went away
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

// Result<T> holds either a T or an Error. Cheap to move; check ok() before value().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  // REQUIRES: !ok().
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status is a Result with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace isartor
