// GET /v1/models and GET /v1/models/{id}: the default model and the aliases, in OpenAI's shape,
// or in Anthropic's when the request carries `anthropic-version` (what the Anthropic SDKs send).
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace isartor {

struct ModelsAnswer {
  int status = 200;
  std::string body;  // JSON
};

// `path` is /v1/models or /v1/models/<id> (the id may contain '/', e.g. org/model).
// Lists: OpenAI {"object":"list","data":[{id,object:"model",created:0,owned_by:"isartor"}]};
// Anthropic {"data":[{type:"model",id,display_name,created_at}],"has_more":false,
// "first_id","last_id"}. One model: that entry, or 404 in the same dialect's error shape for an
// id the gateway does not know (the local embedding model counts as known). Thread-safe.
ModelsAnswer AnswerModels(const Config& config, std::string_view path, bool anthropic,
                          std::string_view local_embedding_model);

}  // namespace isartor
