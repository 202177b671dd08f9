// Sentence embeddings with all-MiniLM-L6-v2, in process: the public API of the embed module.
//
//   auto embedder = isartor::embed::Embedder::Create({});   // loads the model once
//   if (!embedder.ok()) { ... embedder.error().message names the file and the problem ... }
//   (*embedder)->EmbedAsync("some prompt", [](Result<Embedding> r) { ... });
//   Result<Embedding> e = (*embedder)->Embed("some prompt");
//
// Output equals sentence-transformers' model.encode(text) for this model (mean pooling over
// the tokens, L2-normalised; texts are truncated to 256 tokens): cosine >= 0.9999 on the
// reference fixture, identical token ids.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "embed/bert_encoder.h"
#include "embed/gemm.h"
#include "embed/model_files.h"
#include "embed/tokenizer.h"

namespace isartor::embed {

struct Embedding {
  std::vector<int32_t> tokens;  // [CLS] ... [SEP] as fed to the model
  std::vector<float> vector;    // dimension() floats, unit L2 norm
};

// Counters since creation (for metrics). Read with relaxed atomics: each field is exact, the
// set is not a consistent snapshot.
struct EmbedderStats {
  uint64_t requests = 0;      // requests completed through the queue (ok or error)
  uint64_t passes = 0;        // encoder passes run by the workers
  uint64_t failed = 0;        // requests completed with an error other than kCancelled
  uint64_t largest_batch = 0; // most requests one pass has served
};

struct EmbedderOptions {
  // Model folder; empty = ISARTOR__EMBEDDING_MODEL_DIR, then the embedded copy, then the
  // default models folder (see model_files.h).
  std::string model_dir;
  // Threads running encoder passes (each pass is single-threaded). >= 1.
  int workers = 2;
  // A pass takes every request already waiting, up to these limits; it never waits for more.
  int max_batch = 16;
  int max_batch_tokens = 2048;
  // GEMM library; null = oneDNN (the product's choice). Benchmarks inject others here.
  std::unique_ptr<GemmBackend> backend;
};

// Thread-safe: every public method may be called from any thread, concurrently.
class Embedder {
 public:
  // Loads the model (see EmbedderOptions::model_dir) and starts the workers.
  // Errors: kNotFound if no model folder/file is found (the message says what was tried and
  // to run scripts/setup_models.sh); kDataLoss naming the file and what is wrong when a file
  // is corrupt (truncated safetensors, missing tensor, bad shape, bad vocab/config);
  // kInvalidArgument for bad options; kInternal if the GEMM library fails.
  static Result<std::unique_ptr<Embedder>> Create(EmbedderOptions options);

  // Stops the workers after the pass in progress; requests still queued complete with
  // kCancelled. Must not be called from inside a `done` callback.
  ~Embedder();
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  using Callback = std::function<void(Result<Embedding>)>;
  // Queues `text` (UTF-8; invalid bytes are dropped like U+FFFD) and returns at once.
  // `done` is called exactly once with the embedding or an error: on a worker thread, or with
  // kCancelled on the destroying thread if the Embedder is destroyed before the request ran
  // (on the calling thread if it is already shutting down); kInternal if the GEMM library
  // fails. Keep `done` short (e.g. post the result to your executor); it must not throw and
  // must not call Embed() (that could wait for the very worker running it).
  void EmbedAsync(std::string text, Callback done);

  // Blocks until `text` is embedded (through the same queue, so it batches with others).
  Result<Embedding> Embed(std::string_view text);

  // Embeds `texts` in one pass on the calling thread, bypassing the queue (for the CLI and
  // offline jobs). Same results as Embed().
  Result<std::vector<Embedding>> EmbedBatch(std::span<const std::string> texts) const;

  // Token ids exactly as the model sees them ([CLS] ... [SEP], at most 256).
  std::vector<int32_t> Tokenize(std::string_view text) const { return tokenizer_.Encode(text); }
  // The model's tokenizer (immutable; lives as long as the Embedder).
  const WordPieceTokenizer& tokenizer() const { return tokenizer_; }

  int dimension() const { return encoder_->dim(); }  // 384
  EmbedderStats stats() const;
  // Where the model came from: a directory path or "embedded".
  const std::string& model_origin() const { return origin_; }
  std::string_view backend_name() const { return encoder_->backend_name(); }

 private:
  struct Request {
    std::string text;
    Callback done;
  };
  Embedder(WordPieceTokenizer tokenizer, std::unique_ptr<GemmBackend> backend,
           std::unique_ptr<BertEncoder> encoder, std::string origin, const EmbedderOptions& o);
  void WorkerLoop();
  // Takes a batch from the queue, waiting only while the queue is empty. Returns false when
  // stopping.
  bool TakeBatch(std::vector<Request>& batch, std::vector<std::vector<int32_t>>& ids);

  WordPieceTokenizer tokenizer_;
  std::unique_ptr<GemmBackend> backend_;
  std::unique_ptr<BertEncoder> encoder_;
  std::string origin_;
  int max_batch_;
  int max_batch_tokens_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::vector<std::thread> workers_;

  std::atomic<uint64_t> requests_{0}, passes_{0}, failed_{0}, largest_batch_{0};
};

}  // namespace isartor::embed
