// Measures the embedding engine; bench/embed_bench.py runs it next to sentence-transformers
// and writes the table in bench/results/embedding.md. Prints one JSON object per line.
//
//   isartor_embed_bench latency    --backend onednn|openblas|eigen [--iters N] [--prompt T]
//   isartor_embed_bench throughput --workers 2 [--max-batch 16] [--requests N] [--clients C]
//   isartor_embed_bench rss
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "embed/kernels.h"
#include "embed_gemm_backends.h"

namespace {

using isartor::embed::Embedder;
using isartor::embed::EmbedderOptions;
using Clock = std::chrono::steady_clock;

const char* kPrompt =
    "How can I configure the semantic cache threshold so that similar questions hit?";

long ProcStatusKb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
  }
  return -1;
}

std::unique_ptr<Embedder> Load(const std::string& model_dir, const std::string& backend,
                               int workers, int max_batch) {
  EmbedderOptions o;
  o.model_dir = model_dir;
  o.workers = workers;
  o.max_batch = max_batch;
  if (backend == "openblas") o.backend = isartor::embed::bench::MakeOpenBlasBackend();
  if (backend == "eigen") o.backend = isartor::embed::bench::MakeEigenBackend();
  auto e = Embedder::Create(std::move(o));
  if (!e.ok()) {
    std::cerr << "load failed: " << e.error().message << "\n";
    std::exit(1);
  }
  return std::move(e).value();
}

void Latency(Embedder& e, int iters, const std::string& prompt) {
  std::vector<std::string> one{prompt};
  for (int i = 0; i < 20; ++i) (void)e.EmbedBatch(one);
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    auto t0 = Clock::now();
    auto r = e.EmbedBatch(one);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r.ok()) std::exit(1);
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "{\"mode\":\"latency\",\"backend\":\"%s\",\"isa\":\"%s\",\"tokens\":%zu,\"iters\":%d,"
      "\"median_ms\":%.3f,\"p10_ms\":%.3f,\"p90_ms\":%.3f}\n",
      std::string(e.backend_name()).c_str(), isartor::embed::kernels::KernelIsa(),
      e.Tokenize(prompt).size(), iters, ms[ms.size() / 2], ms[ms.size() / 10],
      ms[ms.size() * 9 / 10]);
}

// Closed loop: `clients` requests always outstanding until `requests` have completed.
void Throughput(Embedder& e, int requests, int clients, int workers, int max_batch) {
  std::vector<std::string> texts;
  for (int i = 0; i < 64; ++i) texts.push_back(std::string(kPrompt) + " variant " + std::to_string(i));
  for (int i = 0; i < 20; ++i) (void)e.Embed(texts[i % texts.size()]);
  std::mutex mu;
  std::condition_variable cv;
  int done = 0, issued = 0;
  std::function<void()> issue;
  issue = [&] {
    const int i = issued++;
    e.EmbedAsync(texts[i % texts.size()], [&](isartor::Result<isartor::embed::Embedding> r) {
      if (!r.ok()) std::exit(1);
      std::lock_guard lock(mu);
      ++done;
      if (issued < requests) issue();
      cv.notify_all();
    });
  };
  auto t0 = Clock::now();
  {
    std::lock_guard lock(mu);
    for (int c = 0; c < clients && issued < requests; ++c) issue();
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done == requests; });
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "{\"mode\":\"throughput\",\"backend\":\"%s\",\"workers\":%d,\"max_batch\":%d,"
      "\"clients\":%d,\"requests\":%d,\"seconds\":%.3f,\"per_second\":%.1f}\n",
      std::string(e.backend_name()).c_str(), workers, max_batch, clients, requests, s,
      requests / s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("isartor embedding benchmark");
  std::string model_dir, backend = "onednn", prompt = kPrompt;
  int iters = 300, workers = 2, max_batch = 16, requests = 2000, clients = 16;
  app.add_option("--model-dir", model_dir);
  app.add_option("--backend", backend)->check(CLI::IsMember({"onednn", "openblas", "eigen"}));
  app.add_option("--iters", iters);
  app.add_option("--prompt", prompt);
  app.add_option("--workers", workers);
  app.add_option("--max-batch", max_batch);
  app.add_option("--requests", requests);
  app.add_option("--clients", clients);
  std::string mode;
  app.add_option("mode", mode)->required()->check(CLI::IsMember({"latency", "throughput", "rss"}));
  CLI11_PARSE(app, argc, argv);

  if (mode == "latency") {
    auto e = Load(model_dir, backend, 1, 1);
    Latency(*e, iters, prompt);
  } else if (mode == "throughput") {
    auto e = Load(model_dir, backend, workers, max_batch);
    Throughput(*e, requests, clients, workers, max_batch);
  } else {
    const long before = ProcStatusKb("VmRSS:");
    auto e = Load(model_dir, backend, 2, 16);
    for (int i = 0; i < 50; ++i) (void)e->Embed(std::string(kPrompt) + std::to_string(i));
    std::string long_text;
    for (int i = 0; i < 300; ++i) long_text += "token" + std::to_string(i) + " ";
    (void)e->Embed(long_text);
    std::printf(
        "{\"mode\":\"rss\",\"backend\":\"%s\",\"rss_before_load_mb\":%.1f,\"rss_mb\":%.1f,"
        "\"peak_rss_mb\":%.1f}\n",
        std::string(e->backend_name()).c_str(), before / 1024.0, ProcStatusKb("VmRSS:") / 1024.0,
        ProcStatusKb("VmHWM:") / 1024.0);
  }
  return 0;
}
