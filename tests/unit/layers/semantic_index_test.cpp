#include "layers/l1b_semantic/semantic_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace isartor {
namespace {

using namespace std::chrono_literals;

constexpr int kDim = 8;

std::vector<float> Unit(std::vector<float> v) {
  float n = 0;
  for (float x : v) n += x * x;
  for (float& x : v) x /= std::sqrt(n);
  return v;
}

std::vector<float> Axis(int i, float tilt = 0) {
  std::vector<float> v(kDim, 0.0f);
  v[i % kDim] = 1.0f;
  v[(i + 1) % kDim] = tilt;
  return Unit(v);
}

std::shared_ptr<const StoredAnswer> Answer(std::string body) {
  auto a = std::make_shared<StoredAnswer>();
  a->body = std::move(body);
  return a;
}

// Every test runs twice: partitions as HNSW graphs from the first entry (param 0), and as flat
// exact arrays (param 512, more than any test inserts).
class SemanticIndexTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  SemanticIndex::Options Small(std::size_t max_entries = 100) {
    SemanticIndex::Options o;
    o.dimension = kDim;
    o.max_entries = max_entries;
    o.initial_slots = 2;
    o.flat_max_slots = GetParam();
    return o;
  }
};

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  SemanticIndex::Clock fn() {
    return [this] { return now; };
  }
};

TEST_P(SemanticIndexTest, NearVectorIsFoundWithItsCosine) {
  SemanticIndex index(Small());
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("A")).ok());
  ASSERT_TRUE(index.Insert("p", Axis(3), "b", Answer("B")).ok());
  auto query = Axis(0, 0.2f);
  auto found = index.Search("p", query, 4, 0.9f);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].entry->answer->body, "A");
  EXPECT_NEAR((*found)[0].score, 1.0f / std::sqrt(1.04f), 1e-4);
}

TEST_P(SemanticIndexTest, ResultsBelowTheThresholdAreNotReturned) {
  SemanticIndex index(Small());
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("A")).ok());
  auto found = index.Search("p", Axis(0, 1.0f), 4, 0.8f);  // cosine 0.707
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
}

TEST_P(SemanticIndexTest, SearchNeverCrossesPartitions) {
  SemanticIndex index(Small());
  ASSERT_TRUE(index.Insert("tenant-a", Axis(0), "a", Answer("A")).ok());
  auto found = index.Search("tenant-b", Axis(0), 4, 0.0f);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
  EXPECT_EQ(index.partitions(), 1u);
}

TEST_P(SemanticIndexTest, MatchesComeBestFirst) {
  SemanticIndex index(Small());
  ASSERT_TRUE(index.Insert("p", Axis(0, 0.3f), "far", Answer("far")).ok());
  ASSERT_TRUE(index.Insert("p", Axis(0, 0.1f), "near", Answer("near")).ok());
  auto found = index.Search("p", Axis(0), 4, 0.5f);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].entry->text, "near");
  EXPECT_GE((*found)[0].score, (*found)[1].score);
}

TEST_P(SemanticIndexTest, ExpiredEntryIsNeverReturnedAndIsSweptAway) {
  FakeClock clock;
  auto o = Small();
  o.ttl = 10s;
  SemanticIndex index(o, clock.fn());
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("A")).ok());
  clock.now += 9s;
  EXPECT_EQ(index.Search("p", Axis(0), 1, 0.5f)->size(), 1u);
  clock.now += 2s;
  EXPECT_TRUE(index.Search("p", Axis(0), 1, 0.5f)->empty());
  EXPECT_EQ(index.Sweep(), 1u);
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.partitions(), 0u);  // the empty partition's graph is freed
  EXPECT_EQ(index.stats().expired, 1u);
}

TEST_P(SemanticIndexTest, AtCapacityTheOldestEntryIsEvicted) {
  SemanticIndex index(Small(2));
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("A")).ok());
  ASSERT_TRUE(index.Insert("p", Axis(2), "b", Answer("B")).ok());
  auto evicted = index.Insert("p", Axis(4), "c", Answer("C"));
  ASSERT_TRUE(evicted.ok());
  EXPECT_EQ(*evicted, 1u);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_TRUE(index.Search("p", Axis(0), 1, 0.99f)->empty());
  EXPECT_EQ(index.Search("p", Axis(2), 1, 0.99f)->size(), 1u);
  EXPECT_EQ(index.Search("p", Axis(4), 1, 0.99f)->size(), 1u);
}

TEST_P(SemanticIndexTest, AnEntryThatServedAHitGetsASecondChanceAtEviction) {
  SemanticIndex index(Small(2));
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("A")).ok());
  ASSERT_TRUE(index.Insert("p", Axis(2), "b", Answer("B")).ok());
  auto hit = index.Search("p", Axis(0), 1, 0.99f);
  ASSERT_EQ(hit->size(), 1u);
  SemanticIndex::MarkUsed(*(*hit)[0].entry);
  auto evicted = index.Insert("p", Axis(4), "c", Answer("C"));
  ASSERT_TRUE(evicted.ok());
  EXPECT_EQ(*evicted, 1u);
  EXPECT_EQ(index.Search("p", Axis(0), 1, 0.99f)->size(), 1u);  // used: kept
  EXPECT_TRUE(index.Search("p", Axis(2), 1, 0.99f)->empty());   // oldest unused: evicted
  // The second chance is spent: with no new hit, "a" is now the oldest and goes next.
  evicted = index.Insert("p", Axis(6), "d", Answer("D"));
  ASSERT_TRUE(evicted.ok());
  EXPECT_EQ(*evicted, 1u);
  EXPECT_TRUE(index.Search("p", Axis(0), 1, 0.99f)->empty());
  EXPECT_EQ(index.Search("p", Axis(4), 1, 0.99f)->size(), 1u);
  EXPECT_EQ(index.stats().evicted, 2u);
}

TEST_P(SemanticIndexTest, EveryEntryUsedStillLeavesRoomForTheNewOne) {
  SemanticIndex index(Small(2));
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("A")).ok());
  ASSERT_TRUE(index.Insert("p", Axis(2), "b", Answer("B")).ok());
  for (int axis : {0, 2}) {
    auto hit = index.Search("p", Axis(axis), 1, 0.99f);
    ASSERT_EQ(hit->size(), 1u);
    SemanticIndex::MarkUsed(*(*hit)[0].entry);
  }
  auto evicted = index.Insert("p", Axis(4), "c", Answer("C"));
  ASSERT_TRUE(evicted.ok());
  EXPECT_EQ(*evicted, 1u);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.Search("p", Axis(4), 1, 0.99f)->size(), 1u);
}

// Real embedding width, enough entries for the SIMD int8 kernels and a multi-level graph: the
// graph finds the source of a paraphrase-like query and reports its exact float cosine.
TEST_P(SemanticIndexTest, ScoresAreExactCosinesAtEmbeddingWidth) {
  constexpr int kWide = 384;
  auto o = Small(2000);
  o.dimension = kWide;
  SemanticIndex index(o);
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  std::vector<std::vector<float>> stored;
  for (int i = 0; i < 1500; ++i) {
    std::vector<float> v(kWide);
    for (float& x : v) x = g(rng);
    stored.push_back(Unit(v));
    ASSERT_TRUE(index.Insert("p", stored.back(), "e" + std::to_string(i), Answer("A")).ok());
  }
  int found_source = 0;
  for (int i = 0; i < 100; ++i) {
    const auto& src = stored[i * 15];
    std::vector<float> q(src);
    for (float& x : q) x += 0.012f * g(rng);  // cosine ~0.97 to its source
    q = Unit(q);
    auto found = index.Search("p", q, 1, 0.5f);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u);
    float exact = 0;
    for (int d = 0; d < kWide; ++d) exact += src[d] * q[d];
    if ((*found)[0].entry->text == "e" + std::to_string(i * 15)) {
      ++found_source;
      EXPECT_NEAR((*found)[0].score, exact, 1e-5);
    }
  }
  EXPECT_GE(found_source, 98);
}

TEST_P(SemanticIndexTest, EvictedSlotsAreReusedSoTheGraphDoesNotGrow) {
  SemanticIndex index(Small(4));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(index.Insert("p", Axis(i), "t" + std::to_string(i), Answer("x")).ok());
  }
  std::size_t bytes_full = index.bytes();
  std::mt19937 rng(7);
  std::normal_distribution<float> g;
  for (int i = 0; i < 200; ++i) {
    std::vector<float> v(kDim);
    for (float& x : v) x = g(rng);
    ASSERT_TRUE(index.Insert("p", Unit(v), "r" + std::to_string(i), Answer("x")).ok());
  }
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.stats().evicted, 200u);
  // Same texts sizes, same slot count: recycled labels keep the graph at 4 slots.
  EXPECT_LE(index.bytes(), bytes_full + 16);
  // The most recent insert is still findable after all that churn.
  std::mt19937 replay(7);
  std::normal_distribution<float> g2;
  std::vector<float> last;
  for (int i = 0; i < 200; ++i) {
    last.assign(kDim, 0);
    for (float& x : last) x = g2(replay);
  }
  auto found = index.Search("p", Unit(last), 1, 0.999f);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].entry->text, "r199");
}

TEST_P(SemanticIndexTest, SameTextReplacesInsteadOfDuplicating) {
  SemanticIndex index(Small());
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("old")).ok());
  ASSERT_TRUE(index.Insert("p", Axis(0), "a", Answer("new")).ok());
  EXPECT_EQ(index.size(), 1u);
  auto found = index.Search("p", Axis(0), 4, 0.5f);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].entry->answer->body, "new");
}

TEST_P(SemanticIndexTest, GraphGrowsPastItsInitialSlots) {
  SemanticIndex index(Small(1000));
  std::mt19937 rng(1);
  std::normal_distribution<float> g;
  std::vector<std::vector<float>> vs;
  for (int i = 0; i < 300; ++i) {
    std::vector<float> v(kDim);
    for (float& x : v) x = g(rng);
    vs.push_back(Unit(v));
    ASSERT_TRUE(index.Insert("p", vs.back(), std::to_string(i), Answer("x")).ok());
  }
  int exact = 0;
  for (int i = 0; i < 300; ++i) {
    auto found = index.Search("p", vs[i], 1, 0.999f);
    exact += found.ok() && found->size() == 1 && (*found)[0].entry->text == std::to_string(i);
  }
  EXPECT_GE(exact, 297);  // approximate search, but nearly perfect at this size
}

TEST_P(SemanticIndexTest, WrongDimensionIsAnError) {
  SemanticIndex index(Small());
  std::vector<float> v(3, 0.5f);
  EXPECT_FALSE(index.Insert("p", v, "a", Answer("A")).ok());
  EXPECT_FALSE(index.Search("p", v, 1, 0.0f).ok());
}

TEST_P(SemanticIndexTest, PromotionFromFlatToGraphKeepsEveryEntry) {
  auto o = Small(1000);
  o.flat_max_slots = 8;
  SemanticIndex index(o);
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  std::vector<std::vector<float>> vs;
  for (int i = 0; i < 50; ++i) {
    std::vector<float> v(kDim);
    for (float& x : v) x = g(rng);
    vs.push_back(Unit(v));
    ASSERT_TRUE(index.Insert("p", vs.back(), std::to_string(i), Answer("x")).ok());
  }
  for (int i = 0; i < 50; ++i) {
    auto found = index.Search("p", vs[i], 1, 0.999f);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u) << i;
    EXPECT_EQ((*found)[0].entry->text, std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(GraphAndFlat, SemanticIndexTest, ::testing::Values(0u, 512u));

}  // namespace
}  // namespace isartor
