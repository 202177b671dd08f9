// The parts of a Hugging Face BERT config.json the encoder needs.
#pragma once

#include <string_view>

#include "common/result.h"

namespace isartor::embed {

struct BertConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;

  int head_dim() const { return hidden_size / num_attention_heads; }
};

// Parses config.json text. kDataLoss naming `file_name` if it is not JSON, a field is missing
// or out of range, hidden_size is not divisible by the head count, hidden_act is not "gelu",
// or position_embedding_type is not "absolute".
Result<BertConfig> ParseBertConfig(std::string_view json_text, std::string_view file_name);

}  // namespace isartor::embed
