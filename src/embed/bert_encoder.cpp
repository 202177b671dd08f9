#include "embed/bert_encoder.h"

#include <cmath>
#include <string>

#include "embed/kernels.h"

namespace isartor::embed {
namespace {

std::vector<float> Copy(const float* p, size_t n) { return std::vector<float>(p, p + n); }

std::string LayerName(int l, const char* rest) {
  return "encoder.layer." + std::to_string(l) + "." + rest;
}

}  // namespace

Result<std::unique_ptr<BertEncoder>> BertEncoder::Create(const BertConfig& config,
                                                         ModelBlob weights,
                                                         GemmBackend& backend) {
  std::unique_ptr<BertEncoder> enc(new BertEncoder());
  enc->config_ = config;
  enc->backend_name_ = std::string(backend.name());
  enc->weights_ = std::move(weights);
  auto index = SafetensorsIndex::Parse(enc->weights_.bytes(), enc->weights_.name());
  if (!index.ok()) return index.error();
  const int64_t h = config.hidden_size;
  auto word = index->F32("embeddings.word_embeddings.weight", {config.vocab_size, h});
  auto pos = index->F32("embeddings.position_embeddings.weight",
                        {config.max_position_embeddings, h});
  auto type = index->F32("embeddings.token_type_embeddings.weight", {config.type_vocab_size, h});
  auto ln_g = index->F32("embeddings.LayerNorm.weight", {h});
  auto ln_b = index->F32("embeddings.LayerNorm.bias", {h});
  for (const auto* r : {&word, &pos, &type, &ln_g, &ln_b}) {
    if (!r->ok()) return r->error();
  }
  enc->word_embeddings_ = *word;
  enc->position_plus_type_ = Copy(*pos, static_cast<size_t>(config.max_position_embeddings) * h);
  for (int p = 0; p < config.max_position_embeddings; ++p) {
    for (int i = 0; i < h; ++i) enc->position_plus_type_[p * h + i] += (*type)[i];
  }
  enc->emb_ln_g_ = Copy(*ln_g, h);
  enc->emb_ln_b_ = Copy(*ln_b, h);
  for (int l = 0; l < config.num_hidden_layers; ++l) {
    if (Status s = enc->PrepareLayer(*index, l, backend); !s.ok()) return s.error();
  }
  // The layer matrices now live in the backend's prepared copies; let the kernel reclaim the
  // mapped pages (file-backed, so nothing is lost) to keep the resident set small.
  for (int l = 0; l < config.num_hidden_layers; ++l) {
    for (const char* t : {"attention.self.query.weight", "attention.self.key.weight",
                          "attention.self.value.weight", "attention.output.dense.weight",
                          "intermediate.dense.weight", "output.dense.weight"}) {
      const TensorInfo* info = index->Find(LayerName(l, t));
      enc->weights_.DropPages(info->offset, info->nbytes);
    }
  }
  return enc;
}

Status BertEncoder::PrepareLayer(const SafetensorsIndex& index, int l, GemmBackend& backend) {
  const int64_t h = config_.hidden_size;
  const int64_t f = config_.intermediate_size;
  const char* names[] = {"attention.self.query.weight",   "attention.self.query.bias",
                         "attention.self.key.weight",     "attention.self.key.bias",
                         "attention.self.value.weight",   "attention.self.value.bias",
                         "attention.output.dense.weight", "attention.output.dense.bias",
                         "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
                         "intermediate.dense.weight",     "intermediate.dense.bias",
                         "output.dense.weight",           "output.dense.bias",
                         "output.LayerNorm.weight",       "output.LayerNorm.bias"};
  const std::vector<int64_t> shapes[] = {{h, h}, {h}, {h, h}, {h}, {h, h}, {h}, {h, h}, {h},
                                         {h},    {h}, {f, h}, {f}, {h, f}, {h}, {h},    {h}};
  const float* t[16];
  for (int i = 0; i < 16; ++i) {
    const auto& s = shapes[i];
    auto r = s.size() == 2 ? index.F32(LayerName(l, names[i]), {s[0], s[1]})
                           : index.F32(LayerName(l, names[i]), {s[0]});
    if (!r.ok()) return r.error();
    t[i] = *r;
  }
  // Fused Q|K|V: one 3h x h product; Q and its bias pre-scaled by 1/sqrt(head_dim).
  const float scale = 1.0f / std::sqrt(static_cast<float>(config_.head_dim()));
  std::vector<float> w(3 * h * h), b(3 * h);
  for (int part = 0; part < 3; ++part) {
    const float k = part == 0 ? scale : 1.0f;
    for (int64_t i = 0; i < h * h; ++i) w[part * h * h + i] = t[2 * part][i] * k;
    for (int64_t i = 0; i < h; ++i) b[part * h + i] = t[2 * part + 1][i] * k;
  }
  Layer layer;
  auto qkv = backend.MakeLinear(w.data(), b.data(), h, 3 * h, Epilogue::kBias);
  auto attn_out = backend.MakeLinear(t[6], t[7], h, h, Epilogue::kBiasAccumulate);
  auto inter = backend.MakeLinear(t[10], t[11], h, f, Epilogue::kBiasGeluErf);
  auto out = backend.MakeLinear(t[12], t[13], f, h, Epilogue::kBiasAccumulate);
  for (auto* r : {&qkv, &attn_out, &inter, &out}) {
    if (!r->ok()) return r->error();
  }
  layer.qkv = std::move(qkv).value();
  layer.attn_out = std::move(attn_out).value();
  layer.inter = std::move(inter).value();
  layer.out = std::move(out).value();
  layer.ln1_g = Copy(t[8], h);
  layer.ln1_b = Copy(t[9], h);
  layer.ln2_g = Copy(t[14], h);
  layer.ln2_b = Copy(t[15], h);
  layers_.push_back(std::move(layer));
  return Status::Ok();
}

void BertEncoder::EmbedTokens(std::span<const std::vector<int32_t>> batch, float* hidden) const {
  const int h = config_.hidden_size;
  float* row = hidden;
  for (const auto& ids : batch) {
    for (size_t p = 0; p < ids.size(); ++p, row += h) {
      const float* w = word_embeddings_ + static_cast<long>(ids[p]) * h;
      const float* pt = position_plus_type_.data() + p * h;
      for (int i = 0; i < h; ++i) row[i] = w[i] + pt[i];
    }
  }
}

Status BertEncoder::RunLayer(const Layer& layer, std::span<const std::vector<int32_t>> batch,
                             int rows, EncoderScratch& s) const {
  const int h = config_.hidden_size;
  if (Status st = layer.qkv->Run(s.hidden.data(), rows, s.qkv.data()); !st.ok()) return st;
  long offset = 0;
  for (const auto& ids : batch) {
    const int n = static_cast<int>(ids.size());
    kernels::Attention(s.qkv.data() + offset * 3 * h, n, h, config_.num_attention_heads,
                       s.ctx.data() + offset * h, s.attn.data());
    offset += n;
  }
  if (Status st = layer.attn_out->Run(s.ctx.data(), rows, s.hidden.data()); !st.ok()) return st;
  kernels::LayerNorm(s.hidden.data(), rows, h, layer.ln1_g.data(), layer.ln1_b.data(),
                     config_.layer_norm_eps);
  if (Status st = layer.inter->Run(s.hidden.data(), rows, s.inter.data()); !st.ok()) return st;
  if (Status st = layer.out->Run(s.inter.data(), rows, s.hidden.data()); !st.ok()) return st;
  kernels::LayerNorm(s.hidden.data(), rows, h, layer.ln2_g.data(), layer.ln2_b.data(),
                     config_.layer_norm_eps);
  return Status::Ok();
}

Status BertEncoder::Encode(std::span<const std::vector<int32_t>> batch, EncoderScratch& s,
                           std::vector<std::vector<float>>& out) const {
  const int h = config_.hidden_size;
  long rows = 0;
  int longest = 0;
  for (const auto& ids : batch) {
    if (ids.empty() || static_cast<int>(ids.size()) > config_.max_position_embeddings) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "token sequence length " + std::to_string(ids.size()) +
                           " outside [1, " + std::to_string(config_.max_position_embeddings) +
                           "]");
    }
    for (int32_t id : ids) {
      if (id < 0 || id >= config_.vocab_size) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "token id " + std::to_string(id) + " outside the vocabulary");
      }
    }
    rows += static_cast<long>(ids.size());
    longest = std::max(longest, static_cast<int>(ids.size()));
  }
  out.clear();
  if (batch.empty()) return Status::Ok();
  s.hidden.resize(rows * h);
  s.qkv.resize(rows * 3 * h);
  s.ctx.resize(rows * h);
  s.inter.resize(rows * config_.intermediate_size);
  s.attn.resize(kernels::AttentionScratchFloats(longest, config_.head_dim()));
  EmbedTokens(batch, s.hidden.data());
  kernels::LayerNorm(s.hidden.data(), static_cast<int>(rows), h, emb_ln_g_.data(),
                     emb_ln_b_.data(), config_.layer_norm_eps);
  for (const Layer& layer : layers_) {
    if (Status st = RunLayer(layer, batch, static_cast<int>(rows), s); !st.ok()) return st;
  }
  long offset = 0;
  for (const auto& ids : batch) {
    out.emplace_back(h);
    kernels::MeanPoolNormalize(s.hidden.data() + offset * h, static_cast<int>(ids.size()), h,
                               out.back().data());
    offset += static_cast<long>(ids.size());
  }
  return Status::Ok();
}

}  // namespace isartor::embed
