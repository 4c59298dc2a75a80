//===- TokenDistributionTest.cpp - Context-parallel token shares ----------===//
//
// The query-block weights and the three deals on layouts small enough to
// count the non-empty mask tiles by hand.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/TokenDistribution.h"

#include <gtest/gtest.h>

#include <vector>

using namespace starch::rt;

namespace {

constexpr int64_t kText = 1 | 2 | 4, kImage = 2, kAudio = 4;

std::vector<int64_t>
words(std::initializer_list<std::pair<int64_t, int64_t>> runs) {
  std::vector<int64_t> out;
  for (auto [word, count] : runs)
    out.insert(out.end(), count, word);
  return out;
}

TEST(TokenDistribution, CausalTextWeighsItsPrefix) {
  // 128 text tokens, blocks of 32 = one key tile: block i sees tiles 0..i.
  std::vector<int64_t> bits = words({{kText, 128}});
  EXPECT_EQ(queryBlockWeights(bits.data(), 1, 128, 32),
            (std::vector<int64_t>{1, 2, 3, 4}));
  // Blocks of 64 span two tiles each: 2 and 4 non-empty tiles.
  EXPECT_EQ(queryBlockWeights(bits.data(), 1, 128, 64),
            (std::vector<int64_t>{2, 4}));
}

TEST(TokenDistribution, ModalitiesSeeOnlyThemselves) {
  // An image of 32 tokens, 32 text tokens, 32 audio tokens, 32 of padding.
  std::vector<int64_t> bits =
      words({{kImage, 32}, {kText, 32}, {kAudio, 32}, {0, 32}});
  // Image queries: the image tile only. Text: image and text tiles (audio
  // comes after it). Audio: its own tile. Padding: nothing.
  EXPECT_EQ(queryBlockWeights(bits.data(), 1, 128, 32),
            (std::vector<int64_t>{1, 2, 1, 0}));
  // Two sequences add up, the second being all text (1, 2, 3, 4).
  std::vector<int64_t> two = bits;
  std::vector<int64_t> text = words({{kText, 128}});
  two.insert(two.end(), text.begin(), text.end());
  EXPECT_EQ(queryBlockWeights(two.data(), 2, 128, 32),
            (std::vector<int64_t>{2, 4, 4, 4}));
}

TEST(TokenDistribution, DealsByStrategy) {
  std::vector<int64_t> weights{1, 2, 3, 4, 5, 6, 7, 8};
  using Deal = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(dealQueryBlocks(weights, 2, TokenStrategy::uniform),
            (Deal{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(dealQueryBlocks(weights, 2, TokenStrategy::zigzag),
            (Deal{{0, 1, 6, 7}, {2, 3, 4, 5}}));
  // Descending weights to the least-loaded rank with room (ties to rank 0):
  // 8->0, 7->1, 6->1 (7 < 8), 5->0 (8 < 13), 4->0 (13 = 13), 3->1 (16 < 17),
  // 2->1 (16 < 17, its fourth block), 1->0 (rank 1 is full): 18 and 18.
  EXPECT_EQ(dealQueryBlocks(weights, 2, TokenStrategy::makespan),
            (Deal{{0, 3, 4, 7}, {1, 2, 5, 6}}));
}

TEST(TokenDistribution, OrderListsTheRanksTokens) {
  Tensor bits(DType::i64, {1, 128});
  std::vector<int64_t> text = words({{kText, 128}});
  std::copy(text.begin(), text.end(), bits.data<int64_t>());
  Tensor order(DType::i64, {128}), inverse(DType::i64, {128});
  // Weights 1 2 3 4: rank 0 takes blocks 3 and 0, rank 1 blocks 2 and 1.
  ASSERT_TRUE(
      tokenDistribution(bits, 2, 32, TokenStrategy::makespan, order, inverse)
          .ok());
  const int64_t *o = order.data<int64_t>(), *inv = inverse.data<int64_t>();
  EXPECT_EQ(o[0], 0);
  EXPECT_EQ(o[31], 31);
  EXPECT_EQ(o[32], 96);
  EXPECT_EQ(o[63], 127);
  EXPECT_EQ(o[64], 32);
  EXPECT_EQ(o[127], 95);
  for (int64_t i = 0; i < 128; ++i)
    ASSERT_EQ(o[inv[i]], i) << i;
}

TEST(TokenDistribution, BadGeometryIsAnError) {
  Tensor bits(DType::i64, {1, 96});
  Tensor order(DType::i64, {96}), inverse(DType::i64, {96});
  EXPECT_FALSE(
      tokenDistribution(bits, 2, 32, TokenStrategy::uniform, order, inverse)
          .ok()); // 3 blocks for 2 ranks
  EXPECT_FALSE(
      tokenDistribution(bits, 2, 16, TokenStrategy::zigzag, order, inverse)
          .ok()); // 6 blocks are not 4 equal chunks
  EXPECT_TRUE(
      tokenDistribution(bits, 2, 16, TokenStrategy::uniform, order, inverse)
          .ok());
}

} // namespace
