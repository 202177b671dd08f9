// A chain slot whose layer is switched off (by configuration, or not built yet). It keeps the
// chain's shape fixed so /health and the banner can say why the layer is inactive.
#pragma once

#include <string>

#include "core/layer.h"

namespace isartor {

class DisabledLayer : public Layer {
 public:
  DisabledLayer(FinalLayer id, std::string reason) : id_(id), reason_(std::move(reason)) {}
  FinalLayer id() const override { return id_; }
  std::string State() const override { return "disabled (" + reason_ + ")"; }
  bool enabled() const override { return false; }
  boost::asio::awaitable<LayerResult> Handle(RequestContext&, ResponseSink&) override {
    co_return LayerResult::Pass();
  }

 private:
  FinalLayer id_;
  std::string reason_;
};

}  // namespace isartor
