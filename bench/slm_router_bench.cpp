// The L2 routing decision as the gateway makes it (l2::Classify: MiniLM embedding through the
// Embedder queue on a worker thread + the trained head), timed per prompt. Reads one prompt per
// line on stdin, prints one JSON line per prompt: {"p_complex": P, "local": B, "ms": T}.
// Run by bench/slm_router.py; not built by default (target l2_router_bench).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "embed/embedder.h"
#include "layers/l2_slm/router_head.h"

int main() {
  isartor::embed::EmbedderOptions options;
  options.workers = 1;  // as the gateway's L2 slot
  auto embedder = isartor::embed::Embedder::Create(std::move(options));
  if (!embedder.ok()) {
    std::fprintf(stderr, "%s\n", embedder.error().message.c_str());
    return 1;
  }
  isartor::l2::RouterHead head;
  boost::asio::io_context ioc;
  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
          auto d = co_await isartor::l2::Classify(**embedder, head, line);
          if (!d.ok()) {
            std::fprintf(stderr, "%s\n", d.error().message.c_str());
            status = 1;
            co_return;
          }
          std::printf("{\"p_complex\": %.6f, \"local\": %s, \"ms\": %.4f}\n", d->p_complex,
                      d->local ? "true" : "false", d->seconds * 1000);
        },
        boost::asio::detached);
    ioc.run();
    ioc.restart();
  }
  return status;
}
