//===- PlacementTest.cpp - Stage boundaries of compiler/Plan --------------===//
//
// balancedSplit against hand-derived optima: the costliest stage as cheap
// as a contiguous split can make it, every stage at least one layer.
//
//===----------------------------------------------------------------------===//
#include "compiler/Plan/Placement.h"

#include <gtest/gtest.h>

using starch::plan::balancedSplit;

TEST(BalancedSplit, EqualLayersSplitEvenly) {
  EXPECT_EQ(balancedSplit({1, 1, 1, 1}, 0, 0, 2),
            (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(balancedSplit({1, 1, 1, 1, 1, 1}, 0, 0, 3),
            (std::vector<int64_t>{2, 2, 2}));
}

TEST(BalancedSplit, TheHeadMovesLayersToEarlierStages) {
  // Six unit layers and a head of 3 on the last stage: cuts after 4 or 5
  // layers both give a bottleneck of 5; the earlier cut is kept.
  EXPECT_EQ(balancedSplit({1, 1, 1, 1, 1, 1}, 0, 3, 2),
            (std::vector<int64_t>{4, 2}));
  // An embedding of 2 on the first stage: [1 1 | 1 1 1 1] costs 4 | 4.
  EXPECT_EQ(balancedSplit({1, 1, 1, 1, 1, 1}, 2, 0, 2),
            (std::vector<int64_t>{2, 4}));
}

TEST(BalancedSplit, TrainedLayersCostMoreThanFrozenOnes) {
  // Two layers that train (3 each: forward and both backwards) before four
  // frozen ones that need no backward (1 each): 3 | 3 | 4 is optimal.
  EXPECT_EQ(balancedSplit({3, 3, 1, 1, 1, 1}, 0, 0, 3),
            (std::vector<int64_t>{1, 1, 4}));
}

TEST(BalancedSplit, EveryStageHoldsALayer) {
  // One very costly layer cannot be split; the others still get a stage.
  EXPECT_EQ(balancedSplit({100, 1, 1}, 0, 0, 3),
            (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(balancedSplit({5}, 1, 1, 1), (std::vector<int64_t>{1}));
}

TEST(BalancedSplit, TheLastStageMayCostLess) {
  // The pipeline's last stage runs no separate forward: its layers cost 1
  // where the others' cost 2. [1 | 3] gives max(2, 3) = 3; [2 | 2] gives 4.
  EXPECT_EQ(balancedSplit({2, 2, 2, 2}, 0, 0, 2, {1, 1, 1, 1}),
            (std::vector<int64_t>{1, 3}));
  // One stage is the last: its cost is the last stage's.
  EXPECT_EQ(balancedSplit({2, 2}, 0, 0, 1, {1, 1}), (std::vector<int64_t>{2}));
}
