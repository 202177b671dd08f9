#include "embed/embedder.h"

#include <future>
#include <utility>

namespace isartor::embed {

Result<std::unique_ptr<Embedder>> Embedder::Create(EmbedderOptions options) {
  if (options.workers < 1 || options.workers > 64 || options.max_batch < 1 ||
      options.max_batch_tokens < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "embedder options out of range");
  }
  auto files = ResolveModelFiles(options.model_dir);
  if (!files.ok()) return files.error();
  auto config = ParseBertConfig(files->config.text(), files->config.name());
  if (!config.ok()) return config.error();
  auto tokenizer = WordPieceTokenizer::FromVocabText(files->vocab.text(), files->vocab.name());
  if (!tokenizer.ok()) return tokenizer.error();
  if (tokenizer->vocab_size() != config->vocab_size) {
    return MakeError(ErrorCode::kDataLoss,
                     files->vocab.name() + ": has " + std::to_string(tokenizer->vocab_size()) +
                         " tokens but config.json says vocab_size " +
                         std::to_string(config->vocab_size));
  }
  if (tokenizer->max_tokens() > config->max_position_embeddings) {
    return MakeError(ErrorCode::kDataLoss, files->config.name() +
                                               ": max_position_embeddings is below 256");
  }
  std::unique_ptr<GemmBackend> backend = std::move(options.backend);
  if (!backend) {
    auto onednn = MakeOneDnnBackend();
    if (!onednn.ok()) return onednn.error();
    backend = std::move(onednn).value();
  }
  auto encoder = BertEncoder::Create(*config, std::move(files->weights), *backend);
  if (!encoder.ok()) return encoder.error();
  return std::unique_ptr<Embedder>(new Embedder(std::move(tokenizer).value(), std::move(backend),
                                                std::move(encoder).value(), files->origin,
                                                options));
}

Embedder::Embedder(WordPieceTokenizer tokenizer, std::unique_ptr<GemmBackend> backend,
                   std::unique_ptr<BertEncoder> encoder, std::string origin,
                   const EmbedderOptions& o)
    : tokenizer_(std::move(tokenizer)), backend_(std::move(backend)),
      encoder_(std::move(encoder)), origin_(std::move(origin)), max_batch_(o.max_batch),
      max_batch_tokens_(o.max_batch_tokens) {
  for (int i = 0; i < o.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Embedder::~Embedder() {
  std::deque<Request> cancelled;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  cancelled.swap(queue_);  // workers are gone: no lock needed
  for (auto& r : cancelled) {
    r.done(MakeError(ErrorCode::kCancelled, "embedder shut down before the request ran"));
  }
}

void Embedder::EmbedAsync(std::string text, Callback done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Request{std::move(text), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(MakeError(ErrorCode::kCancelled, "embedder is shutting down"));
}

Result<Embedding> Embedder::Embed(std::string_view text) {
  std::promise<Result<Embedding>> promise;
  auto future = promise.get_future();
  EmbedAsync(std::string(text), [&promise](Result<Embedding> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<std::vector<Embedding>> Embedder::EmbedBatch(std::span<const std::string> texts) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const auto& t : texts) ids.push_back(tokenizer_.Encode(t));
  EncoderScratch scratch;
  std::vector<std::vector<float>> vectors;
  if (Status s = encoder_->Encode(ids, scratch, vectors); !s.ok()) return s.error();
  std::vector<Embedding> out(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    out[i].tokens = std::move(ids[i]);
    out[i].vector = std::move(vectors[i]);
  }
  return out;
}

EmbedderStats Embedder::stats() const {
  EmbedderStats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.passes = passes_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.largest_batch = largest_batch_.load(std::memory_order_relaxed);
  return s;
}

bool Embedder::TakeBatch(std::vector<Request>& batch, std::vector<std::vector<int32_t>>& ids) {
  batch.clear();
  ids.clear();
  int tokens = 0;
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (stopping_) return false;
  // Everything already waiting joins this pass (up to the limits); a lone request goes alone.
  // Tokenizing happens unlocked so producers never wait behind it.
  while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_ &&
         tokens < max_batch_tokens_) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
    lock.unlock();
    ids.push_back(tokenizer_.Encode(batch.back().text));
    tokens += static_cast<int>(ids.back().size());
    lock.lock();
  }
  return true;
}

void Embedder::WorkerLoop() {
  EncoderScratch scratch;
  std::vector<Request> batch;
  std::vector<std::vector<int32_t>> ids;
  std::vector<std::vector<float>> vectors;
  while (TakeBatch(batch, ids)) {
    Status status = encoder_->Encode(ids, scratch, vectors);
    passes_.fetch_add(1, std::memory_order_relaxed);
    requests_.fetch_add(batch.size(), std::memory_order_relaxed);
    if (!status.ok()) failed_.fetch_add(batch.size(), std::memory_order_relaxed);
    uint64_t largest = largest_batch_.load(std::memory_order_relaxed);
    while (batch.size() > largest &&
           !largest_batch_.compare_exchange_weak(largest, batch.size(),
                                                 std::memory_order_relaxed)) {
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!status.ok()) {
        batch[i].done(status.error());
      } else {
        batch[i].done(Embedding{std::move(ids[i]), std::move(vectors[i])});
      }
    }
  }
}

}  // namespace isartor::embed
