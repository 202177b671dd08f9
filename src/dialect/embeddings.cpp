#include "dialect/embeddings.h"

#include <charconv>
#include <cstring>

#include "common/json_escape.h"
#include "dialect/json_util.h"

namespace isartor::dialect {
namespace {

namespace json = boost::json;
using internal::AsInt;
using internal::StringOr;

Error Invalid(const std::string& where, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + what);
}

constexpr std::string_view kTokenIds =
    "token-id input is not supported by the local embedding model (its tokenizer is not "
    "OpenAI's); send the text as a string or an array of strings";

std::string Base64(const unsigned char* data, std::size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    unsigned v = data[i] << 16;
    if (i + 1 < n) v |= data[i + 1] << 8;
    if (i + 2 < n) v |= data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace

Result<EmbeddingsRequest> ParseEmbeddingsRequest(const json::object& body,
                                                 const EmbeddingsLimits& limits) {
  EmbeddingsRequest r;
  const json::value* model = body.if_contains("model");
  if (!model || !model->is_string() || model->as_string().empty()) {
    return Invalid("model", "is required (a string)");
  }
  r.model = std::string(model->as_string());
  const json::value* input = body.if_contains("input");
  if (!input) return Invalid("input", "is required");
  if (const auto* s = input->if_string()) {
    r.inputs.emplace_back(*s);
  } else if (const auto* arr = input->if_array()) {
    if (arr->empty()) return Invalid("input", "must not be an empty array");
    if (arr->size() > limits.max_inputs) {
      return Invalid("input", "at most " + std::to_string(limits.max_inputs) +
                                  " inputs per request (got " + std::to_string(arr->size()) + ")");
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const json::value& item = (*arr)[i];
      if (item.is_number() || item.is_array()) return Invalid("input", std::string(kTokenIds));
      if (!item.is_string()) return Invalid("input[" + std::to_string(i) + "]", "must be a string");
      r.inputs.emplace_back(item.as_string());
    }
  } else {
    return Invalid("input", "must be a string or an array of strings");
  }
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    std::string where = input->is_string() ? "input" : "input[" + std::to_string(i) + "]";
    if (r.inputs[i].empty()) return Invalid(where, "must not be empty");
    if (r.inputs[i].size() > limits.max_input_bytes) {
      return Invalid(where, "longer than " + std::to_string(limits.max_input_bytes) +
                                " bytes (ISARTOR__EMBEDDINGS_MAX_INPUT_BYTES); split the text "
                                "(the model reads at most 256 tokens of it anyway)");
    }
  }
  if (const json::value* f = body.if_contains("encoding_format"); f && !f->is_null()) {
    std::string format = f->is_string() ? std::string(f->as_string()) : "";
    if (format != "float" && format != "base64") {
      return Invalid("encoding_format", "must be \"float\" or \"base64\"");
    }
    r.base64 = format == "base64";
  }
  if (const json::value* d = body.if_contains("dimensions"); d && !d->is_null()) {
    auto n = AsInt(*d);
    if (!n || *n < 1) return Invalid("dimensions", "must be a positive integer");
    r.dimensions = *n;
  }
  return r;
}

Status CheckDimensions(const EmbeddingsRequest& request, int native) {
  if (!request.dimensions || *request.dimensions == native) return {};
  return Invalid("dimensions", "model " + request.model + " has " + std::to_string(native) +
                                   " dimensions and does not support shortening them");
}

std::string EmbeddingsResponseBody(const EmbeddingsRequest& request,
                                   const std::vector<std::vector<float>>& vectors,
                                   std::int64_t prompt_tokens) {
  std::string out = R"({"object":"list","data":[)";
  char buf[32];
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    if (i) out += ',';
    out += R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":)";
    if (request.base64) {
      std::string bytes(vectors[i].size() * sizeof(float), '\0');
      std::memcpy(bytes.data(), vectors[i].data(), bytes.size());  // x86-64: little-endian
      out += '"' + Base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) + '"';
    } else {
      out += '[';
      for (std::size_t j = 0; j < vectors[i].size(); ++j) {
        if (j) out += ',';
        // Shortest text that reads back as the same float32.
        auto res = std::to_chars(buf, buf + sizeof buf, vectors[i][j]);
        out.append(buf, res.ptr);
      }
      out += ']';
    }
    out += '}';
  }
  out += R"(],"model":)";
  AppendJsonString(out, request.model);
  out += R"(,"usage":{"prompt_tokens":)" + std::to_string(prompt_tokens) +
         R"(,"total_tokens":)" + std::to_string(prompt_tokens) + "}}";
  return out;
}

}  // namespace isartor::dialect
