//===- ResizeHostExecTest.cpp - The CUDA resize drivers on the host -------===//
//
// The drivers launch the same per-element bodies as the CPU kernels, pass by
// pass in the same order, so their results are the CPU's bit for bit, with
// intermediate passes in the scratch buffer.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/Drivers.h"
#include "runtime/cuda/HostExec.h"
#include "runtime/kernels/Kernels.h"
#include "test/unit/TestUtil.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace starch::rt;
using starch::rt::cuda::HostExec;
using starch::rt::test::random;
using starch::rt::test::sameBits;
namespace drivers = starch::rt::cuda::drivers;

TEST(CudaHostExec, ResizeAndItsGradientMatchTheCpuBitForBit) {
  HostExec exec;
  struct Case {
    Shape in, out;
    std::vector<double> scales;
    ResizeMode mode;
    ResizeCoordinates coordinates;
    bool excludeOutside;
  } cases[] = {
      {{1, 3, 4, 4},
       {1, 3, 7, 6},
       {1, 1, 1.75, 1.5},
       ResizeMode::cubic,
       ResizeCoordinates::halfPixel,
       false},
      {{2, 6},
       {2, 4},
       {1, 4.0 / 6},
       ResizeMode::cubic,
       ResizeCoordinates::pytorchHalfPixel,
       true},
      {{1, 1, 4, 3},
       {1, 1, 7, 5},
       {1, 1, 1.75, 5.0 / 3},
       ResizeMode::linear,
       ResizeCoordinates::alignCorners,
       false},
      {{3, 5},
       {3, 3},
       {1, 0.6},
       ResizeMode::nearest,
       ResizeCoordinates::asymmetric,
       false},
      {{2, 3},
       {2, 3},
       {1, 1},
       ResizeMode::linear,
       ResizeCoordinates::halfPixel,
       false}, // nothing resized: a copy
  };
  for (DType dtype : {DType::f32, DType::f64})
    for (const Case &c : cases) {
      SCOPED_TRACE(::testing::Message()
                   << dtypeName(dtype) << " mode " << int(c.mode) << " rank "
                   << c.in.size());
      Tensor x = random(dtype, c.in, 1), d = random(dtype, c.out, 2);
      Tensor y(dtype, c.out), gotY(dtype, c.out);
      Tensor dx(dtype, c.in), gotDx(dtype, c.in);
      ASSERT_TRUE(resize(x, c.mode, c.coordinates,
                         ResizeNearest::roundPreferFloor, -0.75,
                         c.excludeOutside, c.scales, y)
                      .ok());
      ASSERT_TRUE(drivers::resize(exec, x, c.mode, c.coordinates,
                                  ResizeNearest::roundPreferFloor, -0.75,
                                  c.excludeOutside, c.scales, gotY)
                      .ok());
      EXPECT_TRUE(sameBits(gotY, y));
      ASSERT_TRUE(resizeGrad(d, c.mode, c.coordinates,
                             ResizeNearest::roundPreferFloor, -0.75,
                             c.excludeOutside, c.scales, dx)
                      .ok());
      ASSERT_TRUE(drivers::resizeGrad(exec, d, c.mode, c.coordinates,
                                      ResizeNearest::roundPreferFloor, -0.75,
                                      c.excludeOutside, c.scales, gotDx)
                      .ok());
      EXPECT_TRUE(sameBits(gotDx, dx));
    }
}
