//===- MatmulHostExecTest.cpp - CUDA matmul drivers on the CPU -----------===//
//
// The matmul and gemm drivers with HostExec (a reference triple loop for
// cuBLAS) against the CPU kernels: the column-major swap, the transpose
// flags, empty contractions, and bf16 mixed precision's converts and
// products.
//
//===----------------------------------------------------------------------===//
#include "test/cuda/HostExecTestUtil.h"

using namespace starch::rt;
using starch::rt::cuda::HostExec;
namespace drivers = starch::rt::cuda::drivers;
using namespace starch::rt::cuda::test;

TEST(CudaHostExec, BatchedMatmulThroughTheColumnMajorSwap) {
  HostExec exec;
  for (DType dtype : kFloatTypes) {
    Tensor a = randomOf(dtype, {2, 3, 5, 7}, 60);
    Tensor b = randomOf(dtype, {2, 3, 7, 4}, 61);
    Tensor want(dtype, {2, 3, 5, 4}), got(dtype, {2, 3, 5, 4});
    EXPECT_OK(matmul(a, b, false, false, want));
    EXPECT_OK(drivers::matmul(exec, a, b, false, false, got));
    expectClose(got, want, dtype == DType::f32 ? 1e-5 : 1e-12,
                "matmul " + name(dtype));
  }
  // Transpose flags: the same products from operands stored transposed.
  Tensor a0 = randomOf(DType::f32, {2, 5, 7}, 63);
  Tensor b0 = randomOf(DType::f32, {2, 7, 4}, 64);
  Tensor a0t(DType::f32, {2, 7, 5}), b0t(DType::f32, {2, 4, 7});
  EXPECT_OK(transpose(a0, {0, 2, 1}, a0t));
  EXPECT_OK(transpose(b0, {0, 2, 1}, b0t));
  Tensor want(DType::f32, {2, 5, 4});
  EXPECT_OK(matmul(a0, b0, false, false, want));
  for (bool tl : {false, true})
    for (bool tr : {false, true}) {
      Tensor flagged(DType::f32, {2, 5, 4});
      EXPECT_OK(
          drivers::matmul(exec, tl ? a0t : a0, tr ? b0t : b0, tl, tr, flagged));
      expectClose(flagged, want, 1e-5,
                  "matmul flags " + std::to_string(tl) + std::to_string(tr));
    }
  Tensor a(DType::f32, {3, 0}), b(DType::f32, {0, 2});
  Tensor got = randomOf(DType::f32, {3, 2}, 62);
  EXPECT_OK(drivers::matmul(exec, a, b, false, false, got));
  expectSame(got, Tensor(DType::f32, {3, 2}), "empty contraction");
  Tensor c(DType::f32, {3, 4}), d(DType::f32, {5, 2}), e(DType::f32, {3, 2});
  EXPECT_ERROR(drivers::matmul(exec, c, d, false, false, e),
               "contraction sizes differ");
}

// bf16 mixed precision on CUDA: the converts round as the CPU's, bit for
// bit, and the bf16 product (every flag) matches the CPU's up to the one
// rounding of an f32 sum taken in another order.
TEST(CudaHostExec, Bf16ConvertsAndProductsAsTheCpu) {
  HostExec exec;
  Tensor wide = randomOf(DType::f32, {3, 37}, 70, /*special=*/true);
  Tensor want(DType::bf16, wide.shape()), got(DType::bf16, wide.shape());
  EXPECT_OK(convert(wide, want));
  EXPECT_OK(drivers::convert(exec, wide, got));
  expectSame(got, want, "convert f32 -> bf16");
  Tensor back(DType::f32, wide.shape()), backWant(DType::f32, wide.shape());
  EXPECT_OK(convert(want, backWant));
  EXPECT_OK(drivers::convert(exec, want, back));
  expectSame(back, backWant, "convert bf16 -> f32");

  auto bf16Of = [](Tensor f32) {
    Tensor out(DType::bf16, f32.shape());
    EXPECT_TRUE(convert(f32, out).ok());
    return out;
  };
  Tensor a = bf16Of(randomOf(DType::f32, {2, 5, 7}, 71));
  Tensor b = bf16Of(randomOf(DType::f32, {2, 7, 4}, 72));
  Tensor at(DType::bf16, {2, 7, 5}), bt(DType::bf16, {2, 4, 7});
  EXPECT_OK(transpose(a, {0, 2, 1}, at));
  EXPECT_OK(transpose(b, {0, 2, 1}, bt));
  Tensor product(DType::bf16, {2, 5, 4});
  EXPECT_OK(matmul(a, b, false, false, product));
  for (bool tl : {false, true})
    for (bool tr : {false, true}) {
      Tensor flagged(DType::bf16, {2, 5, 4});
      EXPECT_OK(
          drivers::matmul(exec, tl ? at : a, tr ? bt : b, tl, tr, flagged));
      // One bf16 step (2^-8 relative) at most.
      expectClose(flagged, product, 1.0 / 128,
                  "bf16 matmul flags " + std::to_string(tl) +
                      std::to_string(tr));
    }
  // starch.matmul's `bf16` on f32 tensors: converts around the same product.
  Tensor a32(DType::f32, a.shape()), b32(DType::f32, b.shape());
  EXPECT_OK(convert(a, a32));
  EXPECT_OK(convert(b, b32));
  Tensor rounded(DType::f32, {2, 5, 4}), roundedWant(DType::f32, {2, 5, 4});
  EXPECT_OK(drivers::matmul(exec, a32, b32, false, false, rounded, true));
  EXPECT_OK(matmul(a32, b32, false, false, roundedWant, true));
  expectClose(rounded, roundedWant, 1.0 / 128, "bf16-rounded f32 matmul");
}

TEST(CudaHostExec, GemmTransposesAsTheCpu) {
  HostExec exec;
  int64_t m = 4, n = 3, k = 5;
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      Tensor a = randomOf(DType::f64, transA ? Shape{k, m} : Shape{m, k}, 70);
      Tensor b = randomOf(DType::f64, transB ? Shape{n, k} : Shape{k, n}, 71);
      Tensor want = randomOf(DType::f64, {m, n}, 72), got = want.clone();
      int64_t lda = transA ? m : k, ldb = transB ? k : n;
      gemm(transA, transB, m, n, k, 0.5, a.data<double>(), lda,
           b.data<double>(), ldb, 2.0, want.data<double>(), n);
      EXPECT_OK(drivers::gemm(exec, transA, transB, m, n, k, 0.5,
                              a.data<double>(), lda, b.data<double>(), ldb, 2.0,
                              got.data<double>(), n));
      expectClose(got, want, 1e-12, "gemm");
    }
}
