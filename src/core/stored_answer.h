// A complete, successful answer as the caches keep it: a plain value, so a cache's store needs
// nothing else from the chain (no Layer, no RequestContext).
#pragma once

#include <cstdint>
#include <string>

namespace isartor {

// A complete, successful answer in the client's dialect, as caches store it. Immutable once
// shared (caches hand out shared_ptr<const StoredAnswer> to many threads).
struct StoredAnswer {
  std::string body;            // non-streaming JSON response in the request's dialect
  int64_t total_tokens = 0;    // usage reported by the producer (for tokens saved)
};

}  // namespace isartor
