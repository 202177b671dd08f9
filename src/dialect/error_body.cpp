#include "dialect/error_body.h"

#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::GetObject;
using internal::StringOr;

constexpr std::size_t kMaxWrappedBytes = 2000;

std::string MapType(Dialect to, std::string_view type) {
  if (to == Dialect::kOpenAI) {
    if (type == "api_error" || type == "overloaded_error") return "server_error";
    if (type == "rate_limit_error") return "rate_limit_exceeded";
    if (type == "not_found_error" || type == "request_too_large") return "invalid_request_error";
    if (type.empty()) return "server_error";
    return std::string(type);  // invalid_request_error, authentication_error, permission_error
  }
  if (type == "server_error" || type.empty()) return "api_error";
  if (type == "rate_limit_exceeded" || type == "insufficient_quota" || type == "requests" ||
      type == "tokens") {
    return "rate_limit_error";
  }
  static constexpr std::string_view kAnthropicTypes[] = {
      "invalid_request_error", "authentication_error", "permission_error", "not_found_error",
      "request_too_large",     "rate_limit_error",     "api_error",        "overloaded_error"};
  for (auto t : kAnthropicTypes) {
    if (type == t) return std::string(t);
  }
  if (type.find("invalid") != std::string_view::npos) return "invalid_request_error";
  return "api_error";
}

std::string Truncate(std::string_view s) {
  if (s.size() <= kMaxWrappedBytes) return std::string(s);
  std::size_t end = kMaxWrappedBytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

struct ParsedError {
  std::string type;
  std::string message;
  bool canonical = false;  // {"error": {"message": ...}}: the shape both SDKs parse
};

ParsedError ParseUpstreamError(Dialect from, std::string_view upstream_body) {
  auto parsed = internal::ParseObject(upstream_body, "error body");
  std::string type;
  std::string message;
  bool canonical = false;
  if (parsed.ok()) {
    const json::object& body = *parsed;
    if (const json::object* err = GetObject(body, "error")) {
      message = StringOr(*err, "message");
      type = StringOr(*err, "type");
      // Anthropic's shape also says "type": "error" at the top; without it, re-shape.
      canonical = !message.empty() &&
                  (from != Dialect::kAnthropic || StringOr(body, "type") == "error");
      // OpenAI puts the precise reason in `code` (e.g. rate_limit_exceeded) for some types.
      if (from == Dialect::kOpenAI && (type.empty() || type == "requests" || type == "tokens")) {
        type = StringOr(*err, "code", type);
      }
    } else if (const json::string* s = internal::GetString(body, "error")) {
      message = std::string(*s);
    } else {
      message = StringOr(body, "message");
      type = StringOr(body, "type");
      if (type == "error") type.clear();
      // FastAPI servers (llama-cpp-python among them) answer {"detail": "..."} or a list.
      if (message.empty()) {
        if (const json::string* d = internal::GetString(body, "detail")) {
          message = std::string(*d);
        } else if (const json::value* dv = body.if_contains("detail"); dv && !dv->is_null()) {
          message = internal::Serialize(*dv);
        }
      }
    }
  }
  return {std::move(type), std::move(message), canonical};
}

}  // namespace

std::string_view ErrorType(Dialect dialect, ErrorCode code) {
  if (dialect == Dialect::kResponses) dialect = Dialect::kOpenAI;  // same error shape
  bool oa = dialect == Dialect::kOpenAI;
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_request_error";
    case ErrorCode::kUnauthenticated: return "authentication_error";
    case ErrorCode::kPayloadTooLarge: return oa ? "invalid_request_error" : "request_too_large";
    case ErrorCode::kHeaderTooLarge: return "invalid_request_error";
    case ErrorCode::kNotFound: return oa ? "invalid_request_error" : "not_found_error";
    case ErrorCode::kBlocked: return "permission_error";
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kUpstreamError:
    case ErrorCode::kDataLoss:
    case ErrorCode::kInternal:
    case ErrorCode::kCancelled:
      return oa ? "server_error" : "api_error";
  }
  return oa ? "server_error" : "api_error";
}

std::string ErrorBody(Dialect dialect, std::string_view type, std::string_view message) {
  if (dialect == Dialect::kResponses) dialect = Dialect::kOpenAI;  // same error shape
  json::object err;
  if (dialect == Dialect::kOpenAI) {
    err["message"] = json::string(message);
    err["type"] = json::string(type);
    err["param"] = nullptr;
    err["code"] = json::string(type);
    return internal::Serialize(json::object{{"error", std::move(err)}});
  }
  err["type"] = json::string(type);
  err["message"] = json::string(message);
  json::object body;
  body["type"] = "error";
  body["error"] = std::move(err);
  return internal::Serialize(body);
}

std::string TranslateErrorBody(Dialect from, Dialect to, std::string_view upstream_body) {
  if (from == Dialect::kResponses) from = Dialect::kOpenAI;  // same error shape
  if (to == Dialect::kResponses) to = Dialect::kOpenAI;
  auto [type, message, canonical] = ParseUpstreamError(from, upstream_body);
  if (message.empty()) {
    return ErrorBody(to, to == Dialect::kOpenAI ? "server_error" : "api_error",
                     Truncate(upstream_body));
  }
  return ErrorBody(to, MapType(to, type), message);
}

std::string_view ErrorTypeForStatus(Dialect dialect, int status) {
  if (dialect == Dialect::kAnthropic) {
    switch (status) {
      case 400: return "invalid_request_error";
      case 401: return "authentication_error";
      case 403: return "permission_error";
      case 404: return "not_found_error";
      case 413: return "request_too_large";
      case 429: return "rate_limit_error";
      case 529: return "overloaded_error";
      default: return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
    }
  }
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 429: return "rate_limit_exceeded";
    default: return status >= 400 && status < 500 ? "invalid_request_error" : "server_error";
  }
}

std::string UpstreamErrorBody(Dialect from, Dialect to, int status, std::string_view upstream_name,
                              std::string_view upstream_body) {
  if (from == Dialect::kResponses) from = Dialect::kOpenAI;  // same error shape
  if (to == Dialect::kResponses) to = Dialect::kOpenAI;
  auto [type, message, canonical] = ParseUpstreamError(from, upstream_body);
  if (!message.empty()) {
    if (from == to && canonical) return std::string(upstream_body);
    std::string mapped =
        type.empty() ? std::string(ErrorTypeForStatus(to, status)) : MapType(to, type);
    return ErrorBody(to, mapped, message);
  }
  std::string text = std::string(upstream_name) + " answered HTTP " + std::to_string(status);
  std::size_t first = upstream_body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    text += " with an empty body";
  } else {
    text += ": " + Truncate(upstream_body.substr(first));
  }
  return ErrorBody(to, ErrorTypeForStatus(to, status), text);
}

}  // namespace isartor::dialect
