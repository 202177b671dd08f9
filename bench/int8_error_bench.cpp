// How far the int8 graph distance is from the exact cosine, on real embeddings.
//   isartor_int8_error_bench <vectors.f32> [truth file from isartor_semantic_bench] [first_query]
// Prints mean and max |int8 dot - float dot| over 20,000 random pairs, and over each query and
// its exact nearest neighbour (the pairs cache decisions are made on) when a truth file is given;
// queries are the vectors from `first_query` on (default 100000, as in the index benchmark).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <vector>

#include "layers/l1b_semantic/ip_space.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <vectors.f32> [truth] [first_query]\n", argv[0]);
    return 2;
  }
  constexpr std::size_t kDim = 384;
  std::ifstream in(argv[1], std::ios::binary | std::ios::ate);
  const std::size_t n = static_cast<std::size_t>(in.tellg()) / (kDim * sizeof(float));
  std::vector<float> v(n * kDim);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), v.size() * sizeof(float));
  isartor::Int8InnerProductSpace space(kDim);
  auto distance = space.get_dist_func();
  std::size_t dim = kDim;
  std::vector<char> a(kDim + sizeof(float)), b(kDim + sizeof(float));
  auto error = [&](std::size_t x, std::size_t y) {
    float exact = 0;
    for (std::size_t d = 0; d < kDim; ++d) exact += v[x * kDim + d] * v[y * kDim + d];
    isartor::QuantizeInt8({&v[x * kDim], kDim}, a.data());
    isartor::QuantizeInt8({&v[y * kDim], kDim}, b.data());
    return std::fabs(1.0f - distance(a.data(), b.data(), &dim) - exact);
  };
  auto report = [](const char* what, const std::vector<double>& errors) {
    double sum = 0, max = 0;
    for (double e : errors) sum += e, max = std::max(max, e);
    std::printf("%s: pairs=%zu mean_abs_error=%.2e max_abs_error=%.2e\n", what, errors.size(),
                sum / errors.size(), max);
  };
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  std::vector<double> errors;
  for (int i = 0; i < 20000; ++i) errors.push_back(error(pick(rng), pick(rng)));
  report("random pairs", errors);
  if (argc > 2) {
    struct Truth {
      uint32_t index;
      float score;
    };
    std::ifstream t(argv[2], std::ios::binary | std::ios::ate);
    std::vector<Truth> truth(static_cast<std::size_t>(t.tellg()) / sizeof(Truth));
    t.seekg(0);
    t.read(reinterpret_cast<char*>(truth.data()), truth.size() * sizeof(Truth));
    const std::size_t first = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 100000;
    errors.clear();
    for (std::size_t i = 0; i < truth.size() && first + i < n; ++i) {
      errors.push_back(error(first + i, truth[i].index));
    }
    report("query and its nearest neighbour", errors);
  }
  return 0;
}
