// Walks the layers in the order they were registered and owns the policy:
//  - the first layer that answers ends the walk;
//  - a failing non-essential layer (a cache, a local model) is skipped: the observers hear of
//    it (a metric and a log line);
//  - a failing essential layer (the upstream) fails the request with its error;
//  - layers before the answering one see the complete 2xx answer on its way back (OnAnswer),
//    unless the client said Cache-Control: no-store.
// Every layer's turn is reported to the observers (core/chain_observer.h). The chain knows
// layers only through the Layer interface: never by position, name or type.
// Thread-safe: Run() is called concurrently; the layer list and the observers are fixed before
// the first Run().
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "core/chain_observer.h"
#include "core/layer.h"

namespace isartor {

struct ChainResult {
  const LayerInfo* layer = nullptr;  // the layer that answered, or the one that failed
  int status = 0;                    // status sent (0 if nothing was sent)
  std::optional<Error> error;        // set when nothing answered; the edge reports it
};

class Chain {
 public:
  // The layers in the order a request meets them (the chain owns them).
  explicit Chain(std::vector<std::unique_ptr<Layer>> layers);

  // Registers `observer` (borrowed, must outlive the chain) and tells it every layer.
  // REQUIRES: before the first Run(); not thread-safe.
  void AddObserver(ChainObserver* observer);

  boost::asio::awaitable<ChainResult> Run(RequestContext& ctx, ResponseSink& sink) const;
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // For the edge, which reports a request's start, arrival and end.
  const ChainObservers& observers() const { return observers_; }

 private:
  // Shows `answer` to every enabled layer before position `answering`.
  void Publish(std::size_t answering, const RequestContext& ctx,
               const std::shared_ptr<const StoredAnswer>& answer) const;

  std::vector<std::unique_ptr<Layer>> layers_;
  ChainObservers observers_;
};

}  // namespace isartor
