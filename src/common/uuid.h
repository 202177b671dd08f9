// UUID text for correlation ids that other servers insist on parsing as UUIDs.
#pragma once

#include <string>
#include <string_view>

namespace isartor {

// True if `s` is a UUID in canonical text form (8-4-4-4-12 hex digits, either case).
bool IsUuid(std::string_view s);

// A UUID that stands for `id`: `id` itself when it already is one, else a version-8 UUID
// (RFC 9562) made from the first 16 bytes of SHA-256(id) — the same id always gives the same
// UUID, so a log line can be matched to the upstream's. Lowercase. Thread-safe; never fails.
std::string UuidForId(std::string_view id);

}  // namespace isartor
