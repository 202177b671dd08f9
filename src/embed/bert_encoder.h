// The BERT encoder of all-MiniLM-L6-v2: embeddings + LayerNorm, N transformer layers, mean
// pooling, L2 normalisation -- what sentence-transformers computes, without padding (each
// sequence attends over exactly its own tokens, so batching does not change results).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/result.h"
#include "embed/bert_config.h"
#include "embed/gemm.h"
#include "embed/model_files.h"
#include "embed/safetensors.h"

namespace isartor::embed {

// Per-thread work buffers, grown as needed. Not thread-safe: one per worker.
struct EncoderScratch {
  std::vector<float> hidden, qkv, ctx, inter, attn;
};

class BertEncoder {
 public:
  // Prepares the weights of `index` (tensors of `weights`) for `backend`: fuses Q/K/V into one
  // product (Q pre-scaled by 1/sqrt(head_dim)), reorders every matrix once, and keeps the word
  // embedding table memory-mapped. Takes ownership of `weights` (the word embeddings point
  // into it). Errors: kDataLoss naming the tensor that is missing or has the wrong shape;
  // kInternal if the backend fails.
  static Result<std::unique_ptr<BertEncoder>> Create(const BertConfig& config,
                                                     ModelBlob weights, GemmBackend& backend);

  // Embeds each sequence of token ids (as produced by WordPieceTokenizer, [CLS] ... [SEP]).
  // out[i] gets dim() floats with unit L2 norm. Errors: kInvalidArgument if a sequence is
  // empty, longer than max_position_embeddings, or has an id outside the vocabulary;
  // kInternal if the GEMM library fails. Thread-safe given a distinct `scratch` per thread.
  Status Encode(std::span<const std::vector<int32_t>> batch, EncoderScratch& scratch,
                std::vector<std::vector<float>>& out) const;

  int dim() const { return config_.hidden_size; }
  const BertConfig& config() const { return config_; }
  std::string_view backend_name() const { return backend_name_; }

 private:
  struct Layer {
    std::unique_ptr<Linear> qkv, attn_out, inter, out;
    std::vector<float> ln1_g, ln1_b, ln2_g, ln2_b;
  };
  BertEncoder() = default;
  Status PrepareLayer(const SafetensorsIndex& index, int l, GemmBackend& backend);
  void EmbedTokens(std::span<const std::vector<int32_t>> batch, float* hidden) const;
  Status RunLayer(const Layer& layer, std::span<const std::vector<int32_t>> batch, int rows,
                  EncoderScratch& s) const;

  BertConfig config_;
  std::string backend_name_;
  ModelBlob weights_;
  const float* word_embeddings_ = nullptr;  // into weights_: vocab_size x hidden
  std::vector<float> position_plus_type_;   // max_positions x hidden (token type 0 folded in)
  std::vector<float> emb_ln_g_, emb_ln_b_;
  std::vector<Layer> layers_;
};

}  // namespace isartor::embed
