#include "embed/bert_config.h"

#include <boost/json.hpp>

#include <string>

namespace isartor::embed {
namespace {

Status ReadInt(const boost::json::object& obj, const char* key, int max, int& out,
               const std::string& file) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr || !v->is_int64() || v->as_int64() < 1 || v->as_int64() > max) {
    return MakeError(ErrorCode::kDataLoss, file + ": field '" + key +
                                               "' missing or not an integer in [1, " +
                                               std::to_string(max) + "]");
  }
  out = static_cast<int>(v->as_int64());
  return Status::Ok();
}

}  // namespace

Result<BertConfig> ParseBertConfig(std::string_view json_text, std::string_view file_name) {
  const std::string file(file_name);
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(json_text, ec);
  if (ec || !root.is_object()) {
    return MakeError(ErrorCode::kDataLoss, file + ": not a JSON object");
  }
  const auto& obj = root.as_object();
  BertConfig c;
  const struct {
    const char* key;
    int max;
    int* out;
  } fields[] = {{"vocab_size", 1 << 20, &c.vocab_size},
                {"hidden_size", 8192, &c.hidden_size},
                {"num_hidden_layers", 128, &c.num_hidden_layers},
                {"num_attention_heads", 256, &c.num_attention_heads},
                {"intermediate_size", 65536, &c.intermediate_size},
                {"max_position_embeddings", 65536, &c.max_position_embeddings},
                {"type_vocab_size", 16, &c.type_vocab_size}};
  for (const auto& f : fields) {
    if (Status s = ReadInt(obj, f.key, f.max, *f.out, file); !s.ok()) return s.error();
  }
  if (c.hidden_size % c.num_attention_heads != 0) {
    return MakeError(ErrorCode::kDataLoss, file + ": hidden_size is not divisible by "
                                                  "num_attention_heads");
  }
  if (const auto* eps = obj.if_contains("layer_norm_eps")) {
    if (!eps->is_number()) {
      return MakeError(ErrorCode::kDataLoss, file + ": layer_norm_eps is not a number");
    }
    c.layer_norm_eps = static_cast<float>(eps->to_number<double>());
  }
  if (const auto* act = obj.if_contains("hidden_act"); act && *act != "gelu") {
    return MakeError(ErrorCode::kDataLoss, file + ": hidden_act must be \"gelu\"");
  }
  if (const auto* pos = obj.if_contains("position_embedding_type"); pos && *pos != "absolute") {
    return MakeError(ErrorCode::kDataLoss, file + ": position_embedding_type must be \"absolute\"");
  }
  return c;
}

}  // namespace isartor::embed
