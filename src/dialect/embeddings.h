// The OpenAI Embeddings API wire format (POST /v1/embeddings): request parsing with the API's
// rules, and the response body. Pure code; the embedding itself happens elsewhere.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace isartor::dialect {

struct EmbeddingsRequest {
  std::string model;                 // as sent (required by the API)
  std::vector<std::string> inputs;   // one text per embedding, in order
  bool base64 = false;               // encoding_format "base64" (little-endian float32)
  std::optional<std::int64_t> dimensions;
};

struct EmbeddingsLimits {
  std::size_t max_inputs = 256;          // texts per request
  std::size_t max_input_bytes = 16384;   // bytes per text
};

// Parses a request for the local model. kInvalidArgument (the route answers 400) naming the
// field when: the body is not an object; `model` is missing or not a string; `input` is missing,
// an empty string, an empty array, or holds anything but strings (token-id arrays are refused:
// the local model's tokenizer is not OpenAI's, the message says to send text);
// more than max_inputs texts, or a text longer than max_input_bytes;
// encoding_format other than "float" / "base64"; `dimensions` not a positive integer.
// Whether `dimensions` suits the model is the caller's check (CheckDimensions).
// Thread-safe (pure function).
Result<EmbeddingsRequest> ParseEmbeddingsRequest(const boost::json::object& body,
                                                 const EmbeddingsLimits& limits);

// `dimensions` for a model of `native` dimensions that cannot shorten its vectors: absent or
// equal to native is fine; anything else is kInvalidArgument saying the model does not support
// it (the API's rule for models before text-embedding-3).
Status CheckDimensions(const EmbeddingsRequest& request, int native);

// {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...] or "base64"}],
//  "model":model,"usage":{"prompt_tokens":n,"total_tokens":n}}. Floats are printed with enough
// digits to round-trip float32. Thread-safe.
std::string EmbeddingsResponseBody(const EmbeddingsRequest& request,
                                   const std::vector<std::vector<float>>& vectors,
                                   std::int64_t prompt_tokens);

}  // namespace isartor::dialect
