//===- ContiguousPartsTest.cpp - Collectives as contiguous parts ----------===//
//
// The layouts runtime/cuda/Nccl.cpp hands NCCL, checked on the CPU against
// the host communicator's arithmetic (Collectives.h): what a transport of
// contiguous rank-major parts moves, transposed as ContiguousParts.h says,
// is the all-gather along any dimension, and the pieces it scatters are the
// blocks along that dimension.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "runtime/comm/Collectives.h"
#include "runtime/comm/ContiguousParts.h"
#include "runtime/kernels/DataMovement.h"

#include <cstring>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

/// A tensor of `shape` holding first, first + 1, ...
Tensor counting(const Shape &shape, float first) {
  Tensor tensor(DType::f32, shape);
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    tensor.data<float>()[i] = first + static_cast<float>(i);
  return tensor;
}

struct Case {
  Shape whole;
  int64_t dim, members;
};

const Case kCases[] = {{{6, 4, 2}, 0, 2}, {{6, 4, 2}, 1, 2}, {{6, 4, 2}, 2, 2},
                       {{3, 6, 5}, 1, 3}, {{2, 3, 8}, 2, 4}, {{1, 8, 3}, 1, 4}};

} // namespace

TEST(ContiguousParts, RankMajorPartsTransposeToTheGather) {
  for (const Case &c : kCases) {
    Shape partShape = c.whole;
    partShape[c.dim] /= c.members;
    std::vector<Tensor> parts;
    for (int64_t m = 0; m < c.members; ++m)
      parts.push_back(counting(partShape, 1000.0f * m));
    Tensor expected;
    ASSERT_TRUE(gatherParts(parts, c.dim, expected));

    // What a transport gathers: every part's bytes, rank after rank.
    Tensor moved(DType::f32, c.whole);
    int64_t partBytes = parts[0].byteSize();
    for (int64_t m = 0; m < c.members; ++m)
      std::memcpy(moved.bytes() + m * partBytes, parts[m].bytes(), partBytes);
    PartLayout layout = partLayout(c.whole, c.dim, c.members);
    Tensor joined(DType::f32, c.whole);
    Tensor joinedView =
        Tensor::view(DType::f32, layout.whole(), joined.bytes());
    ASSERT_TRUE(
        transpose(Tensor::view(DType::f32, layout.rankMajor(), moved.bytes()),
                  {1, 0, 2}, joinedView));
    EXPECT_EQ(values(joined), values(expected))
        << "dim " << c.dim << " of " << shapeString(c.whole);
    if (layout.outer == 1) { // nothing to transpose: the gather as moved
      EXPECT_EQ(values(moved), values(expected));
    }
  }
}

TEST(ContiguousParts, TransposedInputScattersTheBlocks) {
  for (const Case &c : kCases) {
    Tensor input = counting(c.whole, 1.0f);
    PartLayout layout = partLayout(c.whole, c.dim, c.members);
    Tensor grouped(DType::f32, layout.rankMajor());
    ASSERT_TRUE(
        transpose(Tensor::view(DType::f32, layout.whole(), input.bytes()),
                  {1, 0, 2}, grouped));
    Shape blockShape;
    ASSERT_TRUE(scatteredShape(c.whole, c.dim, c.members, blockShape));
    for (int64_t m = 0; m < c.members; ++m) {
      // Rank m's contiguous piece, as a transport scatters it.
      Tensor piece(DType::f32, blockShape);
      std::memcpy(piece.bytes(), grouped.bytes() + m * piece.byteSize(),
                  piece.byteSize());
      // The host's reduce-scatter of this input and zeros from the other
      // members gives rank m its block of the input.
      std::vector<Tensor> contributions{input};
      for (int64_t other = 1; other < c.members; ++other)
        contributions.emplace_back(DType::f32, c.whole);
      Tensor expected;
      ASSERT_TRUE(reduceScatterParts(contributions, c.dim, CollectiveOp::sum,
                                     static_cast<int>(m), expected));
      EXPECT_EQ(values(piece), values(expected))
          << "rank " << m << ", dim " << c.dim << " of "
          << shapeString(c.whole);
    }
  }
}
