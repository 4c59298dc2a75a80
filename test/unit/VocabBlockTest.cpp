//===- VocabBlockTest.cpp - Kernels of vocabulary parallelism -------------===//
//
// A vocabulary split into blocks over ranks must give what the whole
// vocabulary gives: the block gathers of a table sum to the whole gather,
// the block scatter-adds are the blocks of the whole scatter-add, and the
// block cross-entropy sums, added over the blocks and combined as
// starch-tensor-parallel combines them, give starch.cross_entropy's loss
// and gradient. The references are the unsplit kernels, which have their
// own tests against PyTorch (KernelsTest, test/fixtures).
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "runtime/kernels/Kernels.h"

#include <cmath>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

void check(Status status) { ASSERT_TRUE(status.ok()) << status.message(); }

/// Rows [first, first + count) of a 2-d tensor.
Tensor rows(const Tensor &t, int64_t first, int64_t count) {
  int64_t width = t.numElements() / t.shape()[0];
  Tensor out(t.dtype(), {count, width});
  for (int64_t i = 0; i < count * width; ++i)
    storeFromDouble(out, i, elementAsDouble(t, first * width + i));
  return out;
}

/// Columns [first, first + count) of a 2-d tensor.
Tensor columns(const Tensor &t, int64_t first, int64_t count) {
  int64_t height = t.shape()[0], width = t.shape()[1];
  Tensor out(t.dtype(), {height, count});
  for (int64_t r = 0; r < height; ++r)
    for (int64_t c = 0; c < count; ++c)
      storeFromDouble(out, r * count + c,
                      elementAsDouble(t, r * width + first + c));
  return out;
}

TEST(VocabBlock, BlockGathersSumToTheWholeGather) {
  Tensor table = random(DType::f32, {8, 3}, 3);
  Tensor ids = make(DType::i64, {2, 3}, {0, 7, 3, 4, 3, 5});
  Tensor whole(DType::f32, {2, 3, 3});
  check(gather(table, ids, 0, whole));
  std::vector<double> sum(whole.numElements(), 0.0);
  for (int64_t block = 0; block < 2; ++block) {
    Tensor start = make(DType::i64, {1}, {4.0 * block});
    Tensor part(DType::f32, {2, 3, 3});
    check(gather(rows(table, 4 * block, 4), ids, 0, part, &start));
    for (int64_t i = 0; i < part.numElements(); ++i) {
      int64_t id = static_cast<int64_t>(elementAsDouble(ids, i / 3));
      bool mine = id / 4 == block;
      // Rows outside the block are exactly zero; others are copied.
      EXPECT_EQ(elementAsDouble(part, i), mine ? elementAsDouble(whole, i) : 0)
          << "block " << block << " element " << i;
      sum[i] += elementAsDouble(part, i);
    }
  }
  expectNear(whole, sum, 0);
}

TEST(VocabBlock, BlockScatterAddsAreBlocksOfTheWhole) {
  Tensor updates = random(DType::f32, {2, 3, 3}, 5);
  Tensor ids = make(DType::i32, {2, 3}, {0, 7, 3, 4, 3, 5});
  Tensor whole(DType::f32, {8, 3});
  check(scatterAdd(updates, ids, 0, whole));
  for (int64_t block = 0; block < 2; ++block) {
    Tensor start = make(DType::i32, {1}, {4.0 * block});
    Tensor part(DType::f32, {4, 3});
    check(scatterAdd(updates, ids, 0, part, &start));
    expectNear(part, values(rows(whole, 4 * block, 4)), 0);
  }
  // The offset must be one index of the indices' type.
  Tensor wrongType = make(DType::i64, {1}, {0});
  Tensor part(DType::f32, {4, 3});
  EXPECT_FALSE(scatterAdd(updates, ids, 0, part, &wrongType).ok());
}

/// The loss and d(loss)/d(sums) from the group's summed block sums, as the
/// pass combines them: mean over scored rows of log(s0) - s1.
double combine(const std::vector<double> &sums, const Tensor &labels,
               int64_t ignore, double cotangent, std::vector<double> &dSums) {
  int64_t rows = labels.numElements(), count = 0;
  double total = 0;
  for (int64_t r = 0; r < rows; ++r)
    if (elementAsDouble(labels, r) != ignore) {
      ++count;
      total += std::log(sums[2 * r]) - sums[2 * r + 1];
    }
  dSums.assign(2 * rows, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    if (elementAsDouble(labels, r) != ignore) {
      dSums[2 * r] = cotangent / count / sums[2 * r];
      dSums[2 * r + 1] = -cotangent / count;
    }
  return total / count;
}

TEST(VocabBlock, BlockCrossEntropyEqualsTheWholeOne) {
  const int64_t rowsCount = 6, classes = 12, blocks = 3, width = 4;
  const int64_t ignore = -100;
  Tensor logits = random(DType::f64, {rowsCount, classes}, 9);
  for (int64_t i = 0; i < logits.numElements(); ++i)
    storeFromDouble(logits, i, 6 * elementAsDouble(logits, i));
  Tensor labels = make(DType::i64, {rowsCount}, {0, 11, -100, 5, 4, 8});
  Tensor loss(DType::f64, {});
  check(crossEntropy(logits, labels, ignore, loss));
  Tensor cotangent = make(DType::f64, {}, {0.7});
  Tensor grad(DType::f64, {rowsCount, classes});
  check(crossEntropyGrad(logits, labels, cotangent, ignore, grad));

  // Any shift gives the same loss: the true row maxima, and maxima off by
  // 3 (the gradient rule's claim that max needs no cotangent).
  for (double shift : {0.0, 3.0}) {
    Tensor max(DType::f64, {rowsCount});
    for (int64_t r = 0; r < rowsCount; ++r) {
      double peak = -INFINITY;
      for (int64_t c = 0; c < classes; ++c)
        peak = std::max(peak, elementAsDouble(logits, r * classes + c));
      storeFromDouble(max, r, peak + shift);
    }
    std::vector<double> sums(2 * rowsCount, 0.0);
    for (int64_t b = 0; b < blocks; ++b) {
      Tensor start = make(DType::i64, {1}, {double(b * width)});
      Tensor part(DType::f64, {rowsCount, 2});
      check(crossEntropyBlock(columns(logits, b * width, width), labels, start,
                              max, part));
      for (int64_t i = 0; i < 2 * rowsCount; ++i)
        sums[i] += elementAsDouble(part, i);
    }
    std::vector<double> dSums;
    double combined = combine(sums, labels, ignore, 0.7, dSums);
    EXPECT_NEAR(combined, elementAsDouble(loss, 0), 1e-12) << "shift " << shift;
    Tensor dSumsTensor = make(DType::f64, {rowsCount, 2}, dSums);
    for (int64_t b = 0; b < blocks; ++b) {
      Tensor start = make(DType::i64, {1}, {double(b * width)});
      Tensor part(DType::f64, {rowsCount, width});
      check(crossEntropyBlockGrad(columns(logits, b * width, width), labels,
                                  start, max, dSumsTensor, part));
      expectNear(part, values(columns(grad, b * width, width)), 1e-12);
    }
  }
}

TEST(VocabBlock, BlockCrossEntropyRefusesMismatchedOperands) {
  Tensor logits = random(DType::f32, {2, 4});
  Tensor labels = make(DType::i64, {2}, {0, 1});
  Tensor max = make(DType::f32, {2}, {1, 1});
  Tensor out(DType::f64, {2, 2});
  Tensor wideStart = make(DType::i64, {2}, {0, 0});
  EXPECT_FALSE(crossEntropyBlock(logits, labels, wideStart, max, out).ok());
  Tensor start = make(DType::i64, {1}, {0});
  Tensor narrowOut(DType::f32, {2, 2});
  EXPECT_FALSE(crossEntropyBlock(logits, labels, start, max, narrowOut).ok());
}

} // namespace
