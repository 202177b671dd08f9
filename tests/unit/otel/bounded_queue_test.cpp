#include "otel/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace isartor::otel {
namespace {

TEST(BoundedQueueTest, FullQueueRefusesAPushAndKeepsTheValue) {
  BoundedQueue<std::string> q(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.TryPush(std::to_string(i)));
  std::string extra = "extra";
  EXPECT_FALSE(q.TryPush(std::move(extra)));
  EXPECT_EQ(extra, "extra");
  std::string out;
  EXPECT_TRUE(q.TryPop(out));
  EXPECT_EQ(out, "0");
  EXPECT_TRUE(q.TryPush(std::string("4")));
}

TEST(BoundedQueueTest, PopsInFifoOrderAndReportsEmpty) {
  BoundedQueue<int> q(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.TryPush(int{i}));
  int v = -1;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(q.TryPop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(q.TryPop(v));
}

TEST(BoundedQueueTest, ConcurrentProducersLoseNothingThatWasAccepted) {
  BoundedQueue<int> q(256);
  std::atomic<int> accepted{0};
  std::atomic<int> producing{4};
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        if (q.TryPush(int{i})) accepted.fetch_add(1);
      }
      producing.fetch_sub(1);
    });
  }
  int popped = 0;
  int v;
  for (;;) {
    bool done = producing.load() == 0;  // read before popping: nothing can arrive after
    while (q.TryPop(v)) ++popped;
    if (done) break;
  }
  for (auto& p : producers) p.join();
  EXPECT_EQ(popped, accepted.load());
  EXPECT_GT(popped, 0);
}

}  // namespace
}  // namespace isartor::otel
