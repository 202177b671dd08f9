#include "otel/trace_context.h"

#include <openssl/rand.h>

#include <algorithm>
#include <random>

namespace isartor::otel {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // the spec allows lowercase only
}

template <std::size_t N>
bool ParseHex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = HexValue(text[2 * i]);
    int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
bool AllZero(const std::array<uint8_t, N>& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

// Ids need uniqueness, not secrecy: a per-thread PRNG seeded once from OpenSSL keeps id
// generation off any lock and out of the kernel on the request path.
std::mt19937_64& Generator() {
  thread_local std::mt19937_64 gen = [] {
    uint64_t seed = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed) != 1) {
      seed = std::random_device{}();
    }
    return std::mt19937_64(seed);
  }();
  return gen;
}

template <std::size_t N>
std::array<uint8_t, N> RandomId() {
  std::array<uint8_t, N> id{};
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      uint64_t v = Generator()();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) id[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
  } while (AllZero(id));
  return id;
}

}  // namespace

bool SpanContext::valid() const { return !AllZero(trace_id) && !AllZero(span_id); }

std::optional<SpanContext> ParseTraceparent(std::string_view h) {
  // version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2) = 55 characters.
  constexpr std::size_t kLength = 55;
  if (h.size() < kLength || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::array<uint8_t, 1> version{};
  std::array<uint8_t, 1> flags{};
  SpanContext ctx;
  if (!ParseHex(h.substr(0, 2), version) || !ParseHex(h.substr(3, 32), ctx.trace_id) ||
      !ParseHex(h.substr(36, 16), ctx.span_id) || !ParseHex(h.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (version[0] == 0xff) return std::nullopt;
  if (version[0] == 0x00 && h.size() != kLength) return std::nullopt;
  if (version[0] != 0x00 && h.size() > kLength && h[kLength] != '-') return std::nullopt;
  if (!ctx.valid()) return std::nullopt;
  ctx.flags = flags[0];
  return ctx;
}

std::string FormatTraceparent(const SpanContext& ctx) {
  uint8_t flags = ctx.flags;
  return "00-" + IdHex(ctx.trace_id) + "-" + IdHex(ctx.span_id) + "-" + IdHex(&flags, 1);
}

std::string IdHex(const uint8_t* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

TraceId NewTraceId() { return RandomId<16>(); }
SpanId NewSpanId() { return RandomId<8>(); }

}  // namespace isartor::otel
