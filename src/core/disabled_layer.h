// A chain slot whose layer is switched off (by configuration, or not built yet). It keeps the
// chain's shape fixed so /health and the banner can say why the layer is inactive.
#pragma once

#include <string>

#include "core/layer.h"

namespace isartor {

class DisabledLayer : public Layer {
 public:
  // `info` is the identity of the layer this slot stands for (borrowed; lives for the program).
  DisabledLayer(const LayerInfo& info, std::string reason)
      : info_(info), reason_(std::move(reason)) {}
  const LayerInfo& info() const override { return info_; }
  std::string State() const override { return "disabled (" + reason_ + ")"; }
  bool enabled() const override { return false; }
  boost::asio::awaitable<LayerResult> Handle(RequestContext&, ResponseSink&) override {
    co_return LayerResult::Pass();
  }

 private:
  const LayerInfo& info_;
  std::string reason_;
};

}  // namespace isartor
