//===- ResizeTest.cpp - resize and its gradient ---------------------------===//
//
// The forward is checked against ONNX's node tests (test/conformance); here
// the gradient is checked as the transpose of the forward, <resize(x), d> ==
// <x, resizeGrad(d)> for random x and d, in every mode and over several
// resized dimensions, and against the forward's one-hot columns.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "runtime/kernels/Kernels.h"

#include <cmath>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

struct Case {
  Shape in, out;
  std::vector<double> scales;
  ResizeSampling how;
};

double dot(const Tensor &a, const Tensor &b) {
  double sum = 0;
  for (int64_t i = 0; i < a.numElements(); ++i)
    sum += elementAsDouble(a, i) * elementAsDouble(b, i);
  return sum;
}

Status forward(const Case &c, const Tensor &x, Tensor &y) {
  return resize(x, c.how.mode, c.how.coordinates, c.how.nearest, c.how.cubicA,
                c.how.excludeOutside, c.scales, y);
}

Status backward(const Case &c, const Tensor &d, Tensor &dx) {
  return resizeGrad(d, c.how.mode, c.how.coordinates, c.how.nearest,
                    c.how.cubicA, c.how.excludeOutside, c.scales, dx);
}

const Case kCases[] = {
    // A 3x3 position grid to 5x5, bicubic (PyTorch's interpolate).
    {{1, 2, 3, 3},
     {1, 2, 5, 5},
     {1, 1, 5.0 / 3, 5.0 / 3},
     {ResizeMode::cubic, ResizeCoordinates::halfPixel,
      ResizeNearest::roundPreferFloor, -0.75, false}},
    // One dimension of two, downsampled, outside taps excluded.
    {{2, 6},
     {2, 4},
     {1, 4.0 / 6},
     {ResizeMode::cubic, ResizeCoordinates::pytorchHalfPixel,
      ResizeNearest::roundPreferFloor, -0.5, true}},
    {{1, 1, 4, 3},
     {1, 1, 7, 5},
     {1, 1, 1.75, 5.0 / 3},
     {ResizeMode::linear, ResizeCoordinates::alignCorners,
      ResizeNearest::roundPreferFloor, -0.75, false}},
    {{3, 5},
     {3, 3},
     {1, 0.6},
     {ResizeMode::nearest, ResizeCoordinates::asymmetric,
      ResizeNearest::roundPreferCeil, -0.75, false}},
};

} // namespace

TEST(Resize, GradientIsTheTransposedInterpolation) {
  for (const Case &c : kCases) {
    Tensor x = random(DType::f64, c.in, 1), d = random(DType::f64, c.out, 2);
    Tensor y(DType::f64, c.out), dx(DType::f64, c.in);
    ASSERT_TRUE(forward(c, x, y).ok());
    ASSERT_TRUE(backward(c, d, dx).ok());
    EXPECT_NEAR(dot(y, d), dot(x, dx), 1e-12);
    // Element by element: dx[i] is <resize(e_i), d>.
    for (int64_t i = 0; i < x.numElements(); ++i) {
      Tensor e(DType::f64, c.in), column(DType::f64, c.out);
      storeFromDouble(e, i, 1.0);
      ASSERT_TRUE(forward(c, e, column).ok());
      EXPECT_NEAR(elementAsDouble(dx, i), dot(column, d), 1e-12)
          << "input element " << i;
    }
  }
}

TEST(Resize, FloatMatchesDoubleAndRejectsBadScales) {
  const Case &c = kCases[0];
  Tensor x = random(DType::f64, c.in, 3), y(DType::f64, c.out);
  Tensor x32(DType::f32, c.in), y32(DType::f32, c.out);
  for (int64_t i = 0; i < x.numElements(); ++i)
    storeFromDouble(x32, i, elementAsDouble(x, i));
  ASSERT_TRUE(forward(c, x, y).ok());
  ASSERT_TRUE(forward(c, x32, y32).ok());
  expectNear(y32, values(y), 1e-6);
  Case bad = c;
  bad.scales[2] = 0;
  Status st = forward(bad, x, y);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("scales must be positive and finite"),
            std::string::npos);
}
