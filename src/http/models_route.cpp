#include "http/models_route.h"

#include <boost/json.hpp>
#include <vector>

#include "dialect/error_body.h"

namespace isartor {
namespace json = boost::json;
using dialect::Dialect;

namespace {

json::object Entry(const std::string& id, bool anthropic) {
  if (anthropic) {
    return json::object{{"type", "model"}, {"id", id}, {"display_name", id},
                        {"created_at", "1970-01-01T00:00:00Z"}};
  }
  return json::object{{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "isartor"}};
}

}  // namespace

ModelsAnswer AnswerModels(const Config& config, std::string_view path, bool anthropic,
                          std::string_view local_embedding_model) {
  std::vector<std::string> ids{config.external_llm_model};
  for (const auto& [alias, model] : config.model_aliases) ids.push_back(alias);
  if (!local_embedding_model.empty()) ids.emplace_back(local_embedding_model);
  constexpr std::string_view kList = "/v1/models";
  if (path.size() > kList.size() + 1) {
    std::string id(path.substr(kList.size() + 1));
    for (const auto& known : ids) {
      if (known == id) return {200, json::serialize(Entry(id, anthropic))};
    }
    Dialect d = anthropic ? Dialect::kAnthropic : Dialect::kOpenAI;
    return {404, dialect::ErrorBody(d, anthropic ? "not_found_error" : "invalid_request_error",
                                    "model '" + id + "' is not served by this gateway")};
  }
  json::array data;
  for (const auto& id : ids) data.push_back(Entry(id, anthropic));
  if (anthropic) {
    return {200, json::serialize(json::object{{"data", std::move(data)},
                                              {"has_more", false},
                                              {"first_id", ids.front()},
                                              {"last_id", ids.back()}})};
  }
  return {200, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}})};
}

}  // namespace isartor
