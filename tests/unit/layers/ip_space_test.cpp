// The L1b distance kernels and int8 quantisation, and an hnswlib graph over int8 codes. Its own
// binary: the Debian hnswlib headers cannot be included in two translation units of one
// program, and core_tests links semantic_index.cpp, which includes them.
#include "layers/l1b_semantic/ip_space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace isartor {
namespace {

constexpr std::size_t kDim = 384;

std::vector<float> RandomUnit(std::mt19937& rng) {
  std::normal_distribution<float> g;
  std::vector<float> v(kDim);
  float n = 0;
  for (float& x : v) {
    x = g(rng);
    n += x * x;
  }
  for (float& x : v) x /= std::sqrt(n);
  return v;
}

std::vector<char> Code(const std::vector<float>& v) {
  std::vector<char> code(kDim + sizeof(float));
  QuantizeInt8(v, code.data());
  return code;
}

TEST(Int8Kernels, EveryInstructionSetComputesTheSameDistance) {
  std::mt19937 rng(1);
  std::size_t dim = kDim;
  for (int i = 0; i < 50; ++i) {
    auto a = Code(RandomUnit(rng)), b = Code(RandomUnit(rng));
    float baseline = ip_kernels::Int8DistanceBaseline(a.data(), b.data(), &dim);
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
      // Same integer sum; the final scaling may round differently (FMA contraction): <= 4 ulp.
      EXPECT_FLOAT_EQ(ip_kernels::Int8DistanceAvx2(a.data(), b.data(), &dim), baseline);
    }
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
      EXPECT_FLOAT_EQ(ip_kernels::Int8DistanceAvx512(a.data(), b.data(), &dim), baseline);
    }
  }
}

TEST(Int8Kernels, QuantisedDotProductIsCloseToTheFloatOne) {
  std::mt19937 rng(2);
  std::size_t dim = kDim;
  Int8InnerProductSpace space(kDim);
  for (int i = 0; i < 200; ++i) {
    auto a = RandomUnit(rng), b = RandomUnit(rng);
    if (i % 2) {  // also near-duplicates, where cache decisions are made
      for (std::size_t d = 0; d < kDim; ++d) b[d] = a[d] + 0.01f * b[d];
    }
    float exact = 0, nb = 0;
    for (std::size_t d = 0; d < kDim; ++d) exact += a[d] * b[d], nb += b[d] * b[d];
    exact /= std::sqrt(nb);
    for (float& x : b) x /= std::sqrt(nb);
    float approx = 1.0f - space.get_dist_func()(Code(a).data(), Code(b).data(), &dim);
    EXPECT_NEAR(approx, exact, 0.01f);
  }
}

TEST(Int8Kernels, ZeroVectorQuantisesToZeroDistanceOne) {
  std::vector<float> zero(kDim, 0.0f);
  std::mt19937 rng(3);
  std::size_t dim = kDim;
  EXPECT_EQ(ip_kernels::Int8DistanceBaseline(Code(zero).data(), Code(RandomUnit(rng)).data(), &dim),
            1.0f);
}

TEST(Int8Graph, AStoredVectorFindsItselfAndAParaphraseItsSource) {
  std::mt19937 rng(4);
  Int8InnerProductSpace space(kDim);
  hnswlib::HierarchicalNSW<float> graph(&space, 3000, 16, 100);
  std::vector<std::vector<float>> vectors;
  for (std::size_t i = 0; i < 3000; ++i) {
    vectors.push_back(RandomUnit(rng));
    graph.addPoint(Code(vectors.back()).data(), i);
  }
  graph.setEf(64);
  std::normal_distribution<float> g;
  int found_self = 0, found_source = 0;
  for (std::size_t i = 0; i < 3000; i += 30) {
    auto self = graph.searchKnn(Code(vectors[i]).data(), 1);
    found_self += !self.empty() && self.top().second == i;
    std::vector<float> near(vectors[i]);
    float n = 0;
    for (float& x : near) {
      x += 0.012f * g(rng);  // cosine ~0.97 to its source
      n += x * x;
    }
    for (float& x : near) x /= std::sqrt(n);
    auto source = graph.searchKnn(Code(near).data(), 1);
    found_source += !source.empty() && source.top().second == i;
  }
  EXPECT_EQ(found_self, 100);
  EXPECT_GE(found_source, 99);
}

}  // namespace
}  // namespace isartor
