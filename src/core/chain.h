// Walks the layers in order (L1a -> L1b -> L2 -> L3) and owns the policy:
//  - the first layer that answers ends the walk;
//  - a failing non-essential layer (a cache, L2) is skipped with a metric and a log line;
//  - a failing essential layer (L3) fails the request with its error;
//  - layers before the answering one see the complete 2xx answer on its way back (OnAnswer),
//    unless the client said Cache-Control: no-store.
// Thread-safe: Run() is called concurrently; the layer list is fixed at construction.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "core/layer.h"
#include "obs/metrics.h"

namespace isartor {

struct ChainResult {
  FinalLayer layer = FinalLayer::kNone;  // the layer that answered, or the one that failed
  int status = 0;                        // status sent (0 if nothing was sent)
  std::optional<Error> error;            // set when nothing answered; the edge reports it
};

class Chain {
 public:
  // `metrics` is borrowed and must outlive the chain.
  Chain(std::vector<std::unique_ptr<Layer>> layers, Metrics* metrics);

  boost::asio::awaitable<ChainResult> Run(RequestContext& ctx, ResponseSink& sink) const;
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }

 private:
  // Shows `answer` to every enabled layer before position `answering`.
  void Publish(std::size_t answering, const RequestContext& ctx,
               const std::shared_ptr<const StoredAnswer>& answer) const;

  std::vector<std::unique_ptr<Layer>> layers_;
  Metrics* metrics_;
};

}  // namespace isartor
