//===- AttentionPositionsTest.cpp - Queries placed among the keys ---------===//
//
// attention and attentionGrad with `positions` (the queries of a context-
// parallel rank: some of the sequence's tokens, in any order, against every
// key) against the same kernels on the whole sequence: each part's output
// and d_query rows are the whole run's rows at its positions, and the parts'
// d_key and d_value add up to the whole run's. Causal and bitfield masks,
// grouped heads, padding, a scrambled token order.
//
//===----------------------------------------------------------------------===//
#include "BitfieldReference.h"
#include "TestUtil.h"

#include "runtime/kernels/Kernels.h"

#include <algorithm>
#include <numeric>
#include <random>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

void check(Status status) { ASSERT_TRUE(status.ok()) << status.message(); }

/// Rows `rows` of dimension 2 of a `B x H x S x D` tensor of f64.
Tensor takeRows(const Tensor &t, const std::vector<int64_t> &rows) {
  int64_t batch = t.shape()[0], heads = t.shape()[1], s = t.shape()[2],
          d = t.shape()[3];
  int64_t n = rows.size();
  Tensor out(t.dtype(), {batch, heads, n, d});
  for (int64_t p = 0; p < batch * heads; ++p)
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < d; ++c)
        out.data<double>()[(p * n + r) * d + c] =
            t.data<double>()[(p * s + rows[r]) * d + c];
  return out;
}

Tensor positionsOf(const std::vector<int64_t> &rows) {
  Tensor out(DType::i64, {static_cast<int64_t>(rows.size())});
  std::copy(rows.begin(), rows.end(), out.data<int64_t>());
  return out;
}

void expectNear(const Tensor &got, const Tensor &want, const char *what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.numElements(); ++i)
    ASSERT_NEAR(elementAsDouble(got, i), elementAsDouble(want, i), 1e-12)
        << "at flat index " << i;
}

/// Splits the tokens of `layouts` (scrambled) into `parts` query sets and
/// checks each against the whole sequence's attention under `mask`.
void checkParts(AttentionMask mask, int64_t parts, unsigned seed) {
  std::vector<Layout> layouts = multimodalLayouts();
  int64_t batch = layouts.size(), s = layouts[0].tokens.size();
  int64_t heads = 4, kvHeads = 2, d = 8;
  Tensor q = random(DType::f64, {batch, heads, s, d}, seed),
         k = random(DType::f64, {batch, kvHeads, s, d}, seed + 1),
         v = random(DType::f64, {batch, kvHeads, s, d}, seed + 2),
         dOut = random(DType::f64, {batch, heads, s, d}, seed + 3);
  Tensor bits = maskWords(layouts);
  const Tensor *words = mask == AttentionMask::bitfield ? &bits : nullptr;
  if (mask == AttentionMask::bitfield)
    zeroPaddingRows(layouts, dOut); // as the loss gives them
  Tensor whole(DType::f64, q.shape()), dq(DType::f64, q.shape()),
      dk(DType::f64, k.shape()), dv(DType::f64, v.shape());
  check(attention(q, k, v, words, nullptr, mask, 0.4, whole));
  check(attentionGrad(q, k, v, words, nullptr, whole, dOut, mask, 0.4, &dq, &dk,
                      &dv, nullptr));

  std::vector<int64_t> order(s);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  Tensor dkSum(DType::f64, k.shape()), dvSum(DType::f64, v.shape());
  std::fill_n(dkSum.data<double>(), dkSum.numElements(), 0.0);
  std::fill_n(dvSum.data<double>(), dvSum.numElements(), 0.0);
  int64_t each = s / parts;
  ASSERT_EQ(each * parts, s);
  for (int64_t part = 0; part < parts; ++part) {
    std::vector<int64_t> rows(order.begin() + part * each,
                              order.begin() + (part + 1) * each);
    Tensor positions = positionsOf(rows);
    Tensor partQ = takeRows(q, rows), partDOut = takeRows(dOut, rows);
    Tensor out(DType::f64, partQ.shape()), partDq(DType::f64, partQ.shape()),
        partDk(DType::f64, k.shape()), partDv(DType::f64, v.shape());
    check(attention(partQ, k, v, words, &positions, mask, 0.4, out));
    expectNear(out, takeRows(whole, rows), "output rows");
    check(attentionGrad(partQ, k, v, words, &positions, out, partDOut, mask,
                        0.4, &partDq, &partDk, &partDv, nullptr));
    expectNear(partDq, takeRows(dq, rows), "d_query rows");
    for (int64_t i = 0; i < k.numElements(); ++i) {
      dkSum.data<double>()[i] += partDk.data<double>()[i];
      dvSum.data<double>()[i] += partDv.data<double>()[i];
    }
  }
  expectNear(dkSum, dk, "d_key summed over the parts");
  expectNear(dvSum, dv, "d_value summed over the parts");
}

TEST(AttentionPositions, BitfieldPartsMatchTheWholeSequence) {
  checkParts(AttentionMask::bitfield, 2, 5);
  checkParts(AttentionMask::bitfield, 5, 7);
}

TEST(AttentionPositions, CausalPartsMatchTheWholeSequence) {
  checkParts(AttentionMask::causal, 2, 9);
  checkParts(AttentionMask::causal, 7, 13);
}

TEST(AttentionPositions, BadPositionsAreErrors) {
  Tensor q = random(DType::f32, {1, 2, 4, 8}, 1),
         k = random(DType::f32, {1, 2, 8, 8}, 2);
  Tensor out(DType::f32, q.shape());
  Tensor outside = positionsOf({0, 3, 8, 1});
  Status status =
      attention(q, k, k, nullptr, &outside, AttentionMask::causal, 0.5, out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("position 8 is outside [0, 8)"),
            std::string::npos)
      << status.message();
  Tensor fine = positionsOf({0, 3, 7, 1});
  EXPECT_FALSE(
      attention(q, k, k, nullptr, &fine, AttentionMask::full, 0.5, out).ok());
  Tensor short_ = positionsOf({0, 3});
  EXPECT_FALSE(
      attention(q, k, k, nullptr, &short_, AttentionMask::causal, 0.5, out)
          .ok());
  EXPECT_TRUE(
      attention(q, k, k, nullptr, &fine, AttentionMask::causal, 0.5, out).ok());
}

} // namespace
