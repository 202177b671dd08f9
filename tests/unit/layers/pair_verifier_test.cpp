#include "layers/l1b_semantic/pair_verifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace isartor {
namespace {

std::vector<float> Unit(int hot, int dim = 384) {
  std::vector<float> v(dim, 0.0f);
  v[hot] = 1.0f;
  return v;
}

TEST(PairVerifierTest, FeaturesAreTheDifferenceTheProductTheCosineAndTheLexicalSignals) {
  std::vector<float> u = Unit(0), v = Unit(1);
  std::vector<float> x = VerifierFeatures({u, v, "is it safe", "is it not safe"});
  ASSERT_EQ(x.size(), 2u * 384 + 1 + 8);
  EXPECT_EQ(x[0], 1.0f);           // |u - v| at 0
  EXPECT_EQ(x[384], 0.0f);         // u * v at 0
  EXPECT_EQ(x[2 * 384], 0.0f);     // cosine
  EXPECT_EQ(x[2 * 384 + 4], 1.0f);  // negation
  EXPECT_EQ(x[2 * 384 + 1], 0.0f);  // number
  EXPECT_EQ(x[2 * 384 + 8], 0.0f);  // same up to typos
  x = VerifierFeatures({u, v, "how do I map a netowrk drive", "How do I map a network drive?"});
  EXPECT_EQ(x[2 * 384 + 8], 1.0f);
}

TEST(PairVerifierTest, VectorsOfDifferentSizesHaveNoFeaturesAndNoScore) {
  std::vector<float> u = Unit(0), v = Unit(0, 64);
  EXPECT_TRUE(VerifierFeatures({u, v, "a", "a"}).empty());
  EXPECT_TRUE(std::isnan(MakeTrainedPairVerifier()->Score({u, v, "a", "a"})));
  std::vector<float> w = Unit(0, 64);
  EXPECT_TRUE(std::isnan(MakeTrainedPairVerifier()->Score({v, w, "a", "a"})));  // not 384
}

TEST(PairVerifierTest, AnExactRepeatVerifiesAndANegatedOneScoresLower) {
  std::vector<float> u = Unit(3);
  auto verifier = MakeTrainedPairVerifier();
  float same = verifier->Score({u, u, "Is it safe to eat raw eggs?", "Is it safe to eat raw eggs?"});
  float negated =
      verifier->Score({u, u, "Is it not safe to eat raw eggs?", "Is it safe to eat raw eggs?"});
  EXPECT_GT(same, 0.5f);
  EXPECT_LT(negated, same);
  EXPECT_GE(negated, 0.0f);
}

}  // namespace
}  // namespace isartor
