//===- ExpF64Test.cpp - The loss's vectorisable e^x -----------------------===//
//
// expF64 (ExpF64.h) against long double's expl, the reference: within 2 ulp
// over the range the loss uses and far beyond it, the edges as documented;
// and the loss rows built on it (LossRowsVector.h, where the CPU runs them)
// against the same rows with std::exp.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/ExpF64.h"
#include "runtime/kernels/Loss.h"
#include "runtime/kernels/LossBlock.h"
#include "runtime/kernels/LossRowsVector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace starch::rt;

namespace {

/// |got - e^x| in units of the last place of e^x (long double reference).
double ulpError(double got, double x) {
  long double exact = expl(static_cast<long double>(x));
  double rounded = static_cast<double>(exact);
  double ulp = std::nextafter(rounded, HUGE_VAL) - rounded;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - exact) /
                             ulp);
}

} // namespace

TEST(ExpF64, WithinTwoUlpOfExpl) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> wide(-708, 709), loss(-40, 0);
  double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    double x = i % 2 ? wide(random) : loss(random);
    worst = std::max(worst, ulpError(expF64(x), x));
  }
  EXPECT_LT(worst, 2.0);
  // Exact points: e^0, and the reduction's edges.
  EXPECT_EQ(expF64(0.0), 1.0);
  for (double x : {-708.0, 709.0, std::log(2.0) / 2, -std::log(2.0) / 2, 1.0})
    EXPECT_LT(ulpError(expF64(x), x), 2.0) << x;
}

TEST(ExpF64, Edges) {
  EXPECT_EQ(expF64(-708.5), 0.0);
  EXPECT_EQ(expF64(-INFINITY), 0.0);
  EXPECT_EQ(expF64(709.5), HUGE_VAL);
  EXPECT_EQ(expF64(INFINITY), HUGE_VAL);
  EXPECT_TRUE(std::isnan(expF64(NAN)));
}

// The rows the f32 loss runs with expF64 differ from std::exp's by rounding
// only: far below an f32 ulp, so the loss and its gradient (f32) agree.
TEST(ExpF64, LossRowsAgreeWithStdExp) {
  std::mt19937_64 random(3);
  std::normal_distribution<float> logit(0.0f, 4.0f);
  for (int64_t n : {1, 15, 16, 17, 8192}) {
    std::vector<float> row(n), vector(n), reference(n);
    for (float &x : row)
      x = logit(random);
    double lse = logSumExpRow(row.data(), n);
    EXPECT_NEAR(logSumExpRowVector(row.data(), n), lse,
                1e-13 * std::fabs(lse) + 1e-13)
        << n;
    crossEntropyGradRowVector(row.data(), vector.data(), n, n / 2, 0.25);
    crossEntropyGradRow(row.data(), reference.data(), n, n / 2, 0.25);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(vector[i], reference[i],
                  1e-7 * std::fabs(reference[i]) + 1e-12)
          << n << " " << i;
  }
  // The vocabulary-parallel rows (a block of the classes) likewise.
  std::vector<float> row(1000), vector(1000), reference(1000);
  for (float &x : row)
    x = logit(random);
  double vectorSums[2], referenceSums[2], cotangent[2] = {0.5, -0.25};
  crossEntropyBlockRowVector(row.data(), 1000, 7, 3.0, vectorSums);
  crossEntropyBlockRow(row.data(), 1000, 7, 3.0, referenceSums);
  EXPECT_NEAR(vectorSums[0], referenceSums[0], 1e-13 * referenceSums[0]);
  EXPECT_EQ(vectorSums[1], referenceSums[1]);
  crossEntropyBlockGradRowVector(row.data(), vector.data(), 1000, 7, 3.0,
                                 cotangent);
  crossEntropyBlockGradRow(row.data(), reference.data(), 1000, 7, 3.0,
                           cotangent);
  for (int64_t i = 0; i < 1000; ++i)
    EXPECT_NEAR(vector[i], reference[i], 1e-7 * std::fabs(reference[i]) + 1e-12)
        << i;
  // Whether this CPU runs them in vector registers is printed, not tested.
  std::printf("vector exp on this CPU: %s\n", hasVectorExp() ? "yes" : "no");
}
