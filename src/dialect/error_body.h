// Error bodies in each dialect, and translation of upstream error bodies between them.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "dialect/dialect.h"

namespace isartor::dialect {

// The error `type` string a dialect uses for a gateway ErrorCode, e.g.
// kInvalidArgument -> "invalid_request_error" (both), kUnavailable -> "server_error" (OpenAI) /
// "api_error" (Anthropic), kPayloadTooLarge -> "invalid_request_error" / "request_too_large".
// Static storage; thread-safe.
std::string_view ErrorType(Dialect dialect, ErrorCode code);

// The JSON error body of `dialect`:
//   OpenAI:    {"error":{"message":M,"type":T,"param":null,"code":T}}
//   Anthropic: {"type":"error","error":{"type":T,"message":M}}
// `type` and `message` are JSON-escaped; any bytes are accepted. Never fails; thread-safe.
std::string ErrorBody(Dialect dialect, std::string_view type, std::string_view message);

// Rewrites an upstream error body of dialect `from` into dialect `to`, best effort; never fails.
// The message and type are taken from the `from` shape (tolerating the other dialect's shape,
// a string `error`, or a top-level `message`); the type is mapped to the nearest type of `to`
// (e.g. Anthropic overloaded_error -> OpenAI server_error, OpenAI rate_limit_exceeded ->
// Anthropic rate_limit_error). A body that is not JSON, or has no recognisable message, is
// wrapped: its first 2000 bytes become the message with type api_error / server_error.
// When from == to, a recognisable body is still re-emitted in canonical shape.
std::string TranslateErrorBody(Dialect from, Dialect to, std::string_view upstream_body);

// The error `type` of `dialect` for an HTTP status: the one status -> type mapping per dialect.
//   Anthropic: 400 invalid_request_error, 401 authentication_error, 403 permission_error,
//              404 not_found_error, 413 request_too_large, 429 rate_limit_error,
//              529 overloaded_error; any other 4xx invalid_request_error, anything else
//              api_error.
//   OpenAI:    401 authentication_error, 403 permission_error, 429 rate_limit_exceeded; any
//              other 4xx invalid_request_error, anything else server_error.
// Static storage; thread-safe.
std::string_view ErrorTypeForStatus(Dialect dialect, int status);

// The body to send the client for an upstream's non-2xx answer `upstream_body` (dialect `from`,
// HTTP `status`) on a route of dialect `to`. Never fails; always a JSON document.
//  - A JSON error with a recognisable message: unchanged when from == to (fidelity), else
//    translated as TranslateErrorBody does, its type (when it has none) taken from the status.
//  - Empty, not JSON, or JSON without a message (FastAPI's {"detail": ...} counts as one): a
//    `to` error body whose type comes from ErrorTypeForStatus and whose message names the
//    upstream and the status, e.g. "primary upstream (http://h:1/v1) answered HTTP 400 with an
//    empty body", followed by the first 2000 bytes of a non-empty body.
std::string UpstreamErrorBody(Dialect from, Dialect to, int status, std::string_view upstream_name,
                              std::string_view upstream_body);

}  // namespace isartor::dialect
