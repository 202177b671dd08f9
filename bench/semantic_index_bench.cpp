// Search latency and memory of the L1b SemanticIndex (hnswlib) at N entries, embedding excluded.
// Vectors are random unit vectors in 384-d (a harder case for HNSW than real sentence
// embeddings, which cluster); queries are stored vectors plus noise (cosine ~0.9 to their
// source, like a paraphrase) so recall@1 can be checked.
//   isartor_semantic_bench <entries> [queries=2000] [threads=2] [ef_search=64] [vectors.f32|-]
//                          [flush_mb=0] [noise=0.024]
// Random-vector queries are a stored vector plus Gaussian noise of that sigma per component:
// 0.024 gives cosine ~0.9 to the source, 0.0168 ~0.95 (above the threshold: hit recall).
// flush_mb > 0 adds a second pass over the same queries that streams that many MB through the
// caches before every search (not timed): in the
// gateway every L1b search follows the embedding of its prompt, which reads ~90 MB of MiniLM
// weights, so the graph's hot nodes are not in cache when the search starts.
// With a vectors file (raw float32, 384 per vector, e.g. real MiniLM embeddings of QQP
// questions) the first <entries> vectors are stored and the next <queries> are the queries;
// recall@1 is then measured against an exact brute-force scan, and so is hit recall: of the
// queries whose exact nearest neighbour scores >= 0.93 (the shipped threshold, i.e. a cache hit),
// the share for which the index also returned an entry >= 0.93.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "layers/l1b_semantic/semantic_index.h"

namespace {

constexpr int kDim = 384;

long RssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

void Normalize(float* v) {
  float n = 0;
  for (int i = 0; i < kDim; ++i) n += v[i] * v[i];
  n = std::sqrt(n);
  for (int i = 0; i < kDim; ++i) v[i] /= n;
}

float Dot(const float* a, const float* b) {
  float acc[8] = {};  // independent sums so the compiler can vectorise without -ffast-math
  for (int d = 0; d < kDim; d += 8) {
    for (int l = 0; l < 8; ++l) acc[l] += a[d + l] * b[d + l];
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

struct Truth {
  uint32_t index;
  float score;
};

// Exact nearest stored vector of every query, by brute force in blocks of queries (so the
// stored vectors stream through the cache once per block), on all cores. Cached next to the
// vectors file: it depends only on the data, not on the index under test.
std::vector<Truth> ExactNearest(const std::vector<float>& data, std::size_t n,
                                const std::vector<float>& queries, const std::string& cache) {
  const std::size_t nq = queries.size() / kDim;
  std::vector<Truth> truth(nq, Truth{0, -2.0f});
  {
    std::ifstream in(cache, std::ios::binary);
    if (in.read(reinterpret_cast<char*>(truth.data()), truth.size() * sizeof(Truth))) return truth;
  }
  constexpr std::size_t kBlock = 64;
  const std::size_t blocks = (nq + kBlock - 1) / kBlock;
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) {
    pool.emplace_back([&] {
      for (std::size_t b; (b = next.fetch_add(1)) < blocks;) {
        std::size_t q0 = b * kBlock, q1 = std::min(nq, q0 + kBlock);
        for (std::size_t j = 0; j < n; ++j) {
          for (std::size_t q = q0; q < q1; ++q) {
            float dot = Dot(&data[j * kDim], &queries[q * kDim]);
            if (dot > truth[q].score) truth[q] = {static_cast<uint32_t>(j), dot};
          }
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  std::ofstream(cache, std::ios::binary)
      .write(reinterpret_cast<const char*>(truth.data()), truth.size() * sizeof(Truth));
  return truth;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  int queries = argc > 2 ? std::atoi(argv[2]) : 2000;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  std::size_t ef = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 64;
  std::string vectors_file = argc > 5 && std::string(argv[5]) != "-" ? argv[5] : "";
  std::size_t flush_mb = argc > 6 ? std::strtoull(argv[6], nullptr, 10) : 0;
  const float noise = argc > 7 ? std::strtof(argv[7], nullptr) : 0.024f;
  std::vector<float> flush(flush_mb * (1u << 20) / sizeof(float), 1.0f);
  volatile float flush_sink = 0;
  std::vector<float> data(n * kDim), real_queries;
  if (!vectors_file.empty()) {
    std::ifstream in(vectors_file, std::ios::binary);
    in.read(reinterpret_cast<char*>(data.data()), data.size() * sizeof(float));
    real_queries.resize(static_cast<std::size_t>(queries) * kDim);
    in.read(reinterpret_cast<char*>(real_queries.data()), real_queries.size() * sizeof(float));
    if (!in) {
      std::fprintf(stderr, "%s: fewer than %zu vectors\n", vectors_file.c_str(), n + queries);
      return 2;
    }
  } else {
    std::mt19937 rng(42);
    std::normal_distribution<float> g;
    for (auto& x : data) x = g(rng);
    for (std::size_t i = 0; i < n; ++i) Normalize(&data[i * kDim]);
  }
  isartor::SemanticIndex::Options o;
  o.max_entries = n;
  o.ttl = std::chrono::hours(24);
  o.initial_slots = 1024;
  o.ef_search = ef;
  isartor::SemanticIndex index(o);
  auto answer = std::make_shared<isartor::StoredAnswer>();
  answer->body = "{}";
  long rss_before = RssKb();
  auto t0 = std::chrono::steady_clock::now();
  // Inserts serialise on the index's writer lock; threads only overlap the entry setup.
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < n; i += threads) {
        std::span<const float> v(&data[i * kDim], kDim);
        auto r = index.Insert("p", v, "prompt number " + std::to_string(i) +
                                          " with some typical question text around it", answer);
        if (!r.ok()) std::abort();
      }
    });
  }
  for (auto& th : pool) th.join();
  double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  long rss_after = RssKb();
  std::vector<Truth> truth;
  if (!real_queries.empty()) {
    truth = ExactNearest(data, n, real_queries,
                         vectors_file + ".truth." + std::to_string(n) + "." + std::to_string(queries));
  }

  // Warm (searches back to back) first, then, when asked, the same queries after each flush.
  for (bool flushing : {false, true}) {
    if (flushing && flush.empty()) break;
    std::mt19937 rng(7);
    std::normal_distribution<float> g;
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    std::vector<double> us;
    int found = 0, hits_expected = 0, hits_found = 0;
    constexpr float kThreshold = 0.93f;
    std::vector<float> q(kDim);
    for (int i = 0; i < queries; ++i) {
      std::size_t src = pick(rng);
      float best = -2;  // exact best score; only computed for real vectors
      if (!real_queries.empty()) {
        std::copy(&real_queries[i * kDim], &real_queries[(i + 1) * kDim], q.begin());
        src = truth[i].index;  // the exact nearest neighbour = the expected answer
        best = truth[i].score;
      } else {
        for (int d = 0; d < kDim; ++d) q[d] = data[src * kDim + d] + noise * g(rng);
        Normalize(q.data());
        best = Dot(&data[src * kDim], q.data());  // in random 384-d data the source is the nearest
      }
      if (flushing) {
        float sum = 0;
        for (std::size_t f = 0; f < flush.size(); f += 16) sum += flush[f];  // one read per line
        flush_sink = flush_sink + sum;
      }
      auto s = std::chrono::steady_clock::now();
      auto r = index.Search("p", q, 4, -1.0f);
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s)
                       .count());
      if (r.ok() && !r->empty() && (*r)[0].entry->text.rfind(
                                       "prompt number " + std::to_string(src) + " ", 0) == 0) {
        ++found;
      }
      if (best >= kThreshold) {
        ++hits_expected;
        if (r.ok() && !r->empty() && (*r)[0].score >= kThreshold) ++hits_found;
      }
    }
    std::sort(us.begin(), us.end());
    std::printf(
        "entries=%zu ef_search=%zu flush_mb=%zu build_s=%.1f insert_us_avg=%.0f search_p50_us=%.1f search_p90_us=%.1f "
        "search_p99_us=%.1f recall_at_1=%.4f rss_delta_mb=%.1f bytes_per_entry=%.0f "
        "index_bytes_estimate_per_entry=%.0f hit_recall_at_0.93=%d/%d\n",
        n, ef, flushing ? flush_mb : 0, build_s, build_s * 1e6 / n, us[us.size() / 2], us[us.size() * 9 / 10],
        us[us.size() * 99 / 100], double(found) / queries, (rss_after - rss_before) / 1024.0,
        (rss_after - rss_before) * 1024.0 / n, double(index.bytes()) / n,
        hits_found, hits_expected);
  }
  return 0;
}
