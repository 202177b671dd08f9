// Helpers shared by the libFuzzer targets: turning the first input bytes into choices, and an
// assertion that makes a violated property a crash libFuzzer records (with the input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "dialect/dialect.h"

namespace isartor::fuzz {

// Aborts with a message: libFuzzer saves the input as crash-<sha1> and reports it.
#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

// Consumes bytes from the front of the input; past the end every read is 0.
class Input {
 public:
  Input(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Seeds start with an ASCII '0' (OpenAI) or '1' (Anthropic); any byte maps to one of them.
  dialect::Dialect PickDialect() {
    return (Byte() & 1) ? dialect::Dialect::kAnthropic : dialect::Dialect::kOpenAI;
  }
  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

inline dialect::Dialect Other(dialect::Dialect d) {
  return d == dialect::Dialect::kOpenAI ? dialect::Dialect::kAnthropic
                                        : dialect::Dialect::kOpenAI;
}

}  // namespace isartor::fuzz
