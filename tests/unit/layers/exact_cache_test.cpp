#include "layers/l1a_exact/exact_cache.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "layers/l1a_exact/exact_cache_layer.h"

namespace isartor {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  ExactCache::Clock fn() {
    return [this] { return now; };
  }
};

std::shared_ptr<const StoredAnswer> Answer(std::string body) {
  auto a = std::make_shared<StoredAnswer>();
  a->body = std::move(body);
  return a;
}

TEST(ExactCacheTest, StoredAnswerIsAHit) {
  ExactCache cache({});
  cache.Put("k", Answer("v"));
  ASSERT_NE(cache.Get("k"), nullptr);
  EXPECT_EQ(cache.Get("k")->body, "v");
  EXPECT_EQ(cache.Get("other"), nullptr);
}

TEST(ExactCacheTest, ExpiredEntryIsAMiss) {
  FakeClock clock;
  ExactCache::Options o;
  o.ttl = 10s;
  ExactCache cache(o, clock.fn());
  cache.Put("k", Answer("v"));
  clock.now += 9s;
  EXPECT_NE(cache.Get("k"), nullptr);
  clock.now += 2s;
  EXPECT_EQ(cache.Get("k"), nullptr);
  EXPECT_EQ(cache.size(), 0u);  // an expired entry is removed, not just hidden
}

TEST(ExactCacheTest, EntryCountBoundEvictsLeastRecentlyUsed) {
  ExactCache::Options o;
  o.max_entries = 3;
  ExactCache cache(o);
  cache.Put("a", Answer("1"));
  cache.Put("b", Answer("2"));
  cache.Put("c", Answer("3"));
  ASSERT_NE(cache.Get("a"), nullptr);  // a is now the most recently used
  cache.Put("d", Answer("4"));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get("b"), nullptr);
  EXPECT_NE(cache.Get("a"), nullptr);
  EXPECT_NE(cache.Get("d"), nullptr);
  EXPECT_EQ(cache.evictions(), 1u);
}

TEST(ExactCacheTest, ByteBoundEvictsUntilItFits) {
  ExactCache::Options o;
  o.max_entries = 100;
  o.max_bytes = 3 * (1000 + 200);
  ExactCache cache(o);
  for (int i = 0; i < 10; ++i) cache.Put("k" + std::to_string(i), Answer(std::string(1000, 'x')));
  EXPECT_LE(cache.bytes(), o.max_bytes);
  EXPECT_LT(cache.size(), 10u);
  EXPECT_NE(cache.Get("k9"), nullptr);
}

TEST(ExactCacheTest, AnswerLargerThanTheBudgetIsNotStored) {
  ExactCache::Options o;
  o.max_bytes = 2048;
  ExactCache cache(o);
  cache.Put("big", Answer(std::string(4096, 'x')));
  EXPECT_EQ(cache.Get("big"), nullptr);
}

TEST(ExactCacheTest, ReplacingAKeyKeepsOneEntry) {
  ExactCache cache({});
  cache.Put("k", Answer("1"));
  cache.Put("k", Answer("2"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get("k")->body, "2");
}

RequestContext Ctx(const char* json) {
  RequestContext ctx;
  ctx.dialect = dialect::Dialect::kOpenAI;
  ctx.body = boost::json::parse(json).as_object();
  ctx.resolved_model = "m";
  ctx.tenant = "t1";
  return ctx;
}

TEST(ExactCacheKeyTest, KeyOrderAndWhitespaceDoNotChangeTheKey) {
  auto a = Ctx(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5})");
  auto b = Ctx(R"({ "temperature" : 0.5, "messages":[{"content":"hi","role":"user"}], "model":"m"})");
  EXPECT_EQ(ExactCacheLayer::KeyFor(a), ExactCacheLayer::KeyFor(b));
}

TEST(ExactCacheKeyTest, StreamFlagDoesNotChangeTheKey) {
  auto a = Ctx(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto b = Ctx(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(ExactCacheLayer::KeyFor(a), ExactCacheLayer::KeyFor(b));
}

TEST(ExactCacheKeyTest, EverySemanticDifferenceChangesTheKey) {
  auto base = Ctx(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  const char* variants[] = {
      R"({"model":"m","messages":[{"role":"user","content":"hi!"}]})",
      R"({"model":"m","messages":[{"role":"system","content":"hi"}]})",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.2})",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5})",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"seed":1})",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["x"]})",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}})",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]})",
      R"({"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"none"})",
  };
  for (const char* v : variants) {
    EXPECT_NE(ExactCacheLayer::KeyFor(base), ExactCacheLayer::KeyFor(Ctx(v))) << v;
  }
}

TEST(ExactCacheKeyTest, TenantSessionAndResolvedModelPartitionTheKey) {
  auto base = Ctx(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto other_tenant = base;
  other_tenant.tenant = "t2";
  auto other_session = base;
  other_session.session = "s1";
  auto other_model = base;
  other_model.resolved_model = "m2";
  auto other_dialect = base;
  other_dialect.dialect = dialect::Dialect::kAnthropic;
  EXPECT_NE(ExactCacheLayer::KeyFor(base), ExactCacheLayer::KeyFor(other_tenant));
  EXPECT_NE(ExactCacheLayer::KeyFor(base), ExactCacheLayer::KeyFor(other_session));
  EXPECT_NE(ExactCacheLayer::KeyFor(base), ExactCacheLayer::KeyFor(other_model));
  EXPECT_NE(ExactCacheLayer::KeyFor(base), ExactCacheLayer::KeyFor(other_dialect));
}

}  // namespace
}  // namespace isartor
