#include <gtest/gtest.h>

#include "runtime/container/round_robin_chooser.h"

namespace eddy::runtime {
namespace {

TEST(RoundRobinChooser, TakesReadyPartitionsInTurn) {
  RoundRobinChooser c(3);
  EXPECT_EQ(c.Next(), -1);
  c.Ready(2);
  c.Ready(0);
  c.Ready(2);  // idempotent
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) {
    int p = c.Next();
    if (p < 0) break;
    order.push_back(p);
    if (p == 2 || i < 2) c.Ready(p);  // partition 2 keeps having records
  }
  EXPECT_EQ(order, (std::vector<int>{2, 0, 2, 0, 2, 2}));
}

TEST(RoundRobinChooser, EmptyWhenNothingIsBuffered) {
  RoundRobinChooser c(1);
  EXPECT_TRUE(c.empty());
  c.Ready(0);
  EXPECT_FALSE(c.empty());
  EXPECT_EQ(c.Next(), 0);
  EXPECT_TRUE(c.empty());
}

}  // namespace
}  // namespace eddy::runtime
