//===- HostExecTest.cpp - CUDA kernel halves and bodies on the CPU --------===//
//
// Runs every CUDA kernel driver (Drivers.h) with HostExec, which calls the
// device bodies (Bodies.h) in a loop on host memory, and compares the result
// with the CPU kernel: bit for bit where both evaluate the same expressions
// in the same order, within a tolerance where the CPU uses BLAS. Only the
// launches and cuBLAS are left to the GPU run (starch-cuda-smoke).
//
//===----------------------------------------------------------------------===//
#include "test/cuda/HostExecTestUtil.h"

#include <algorithm>

using namespace starch::rt;
using starch::rt::cuda::HostExec;
namespace drivers = starch::rt::cuda::drivers;
using namespace starch::rt::cuda::test;

namespace {

const UnaryKind kUnaryKinds[] = {
    UnaryKind::neg,        UnaryKind::abs,        UnaryKind::exp,
    UnaryKind::log,        UnaryKind::sqrt,       UnaryKind::rsqrt,
    UnaryKind::reciprocal, UnaryKind::tanh,       UnaryKind::erf,
    UnaryKind::sin,        UnaryKind::cos,        UnaryKind::sigmoid,
    UnaryKind::relu,       UnaryKind::floor,      UnaryKind::ceil,
    UnaryKind::sign,       UnaryKind::logicalNot, UnaryKind::silu,
    UnaryKind::geluErf,    UnaryKind::geluTanh,   UnaryKind::geluSigmoid};
const BinaryKind kBinaryKinds[] = {
    BinaryKind::add,       BinaryKind::sub,       BinaryKind::mul,
    BinaryKind::div,       BinaryKind::rem,       BinaryKind::pow,
    BinaryKind::max,       BinaryKind::min,       BinaryKind::logicalAnd,
    BinaryKind::logicalOr, BinaryKind::logicalXor};
const CompareKind kCompareKinds[] = {CompareKind::eq, CompareKind::ne,
                                     CompareKind::lt, CompareKind::le,
                                     CompareKind::gt, CompareKind::ge};

} // namespace

//===--- Elementwise ------------------------------------------------------===//

TEST(CudaHostExec, UnaryEveryKindAndType) {
  HostExec exec;
  for (DType dtype : kNativeTypes)
    for (UnaryKind kind : kUnaryKinds) {
      Tensor in = randomOf(dtype, {5, 13}, 7, /*special=*/true);
      Tensor want = like(in), got = like(in);
      Status cpu = unary(kind, in, want);
      Status dev = drivers::unary(exec, kind, in, got);
      std::string what =
          "unary " + std::to_string(int(kind)) + " " + name(dtype);
      ASSERT_EQ(cpu.ok(), dev.ok()) << what << ": " << dev.message();
      if (!cpu.ok()) {
        EXPECT_EQ(cpu.message(), dev.message()) << what;
        continue;
      }
      expectSame(got, want, what);
    }
}

TEST(CudaHostExec, BinaryEveryKindAndType) {
  HostExec exec;
  for (DType dtype : kNativeTypes)
    for (BinaryKind kind : kBinaryKinds) {
      Tensor a = randomOf(dtype, {4, 9}, 1, true);
      Tensor b = randomOf(dtype, {4, 9}, 2, true);
      Tensor want = like(a), got = like(a);
      std::string what =
          "binary " + std::to_string(int(kind)) + " " + name(dtype);
      EXPECT_OK(binary(kind, a, b, want));
      EXPECT_OK(drivers::binary(exec, kind, a, b, got));
      expectSame(got, want, what);
    }
}

TEST(CudaHostExec, CompareEveryKindAndType) {
  HostExec exec;
  for (DType dtype : kNativeTypes)
    for (CompareKind kind : kCompareKinds) {
      Tensor a = randomOf(dtype, {3, 11}, 3, true);
      Tensor b = randomOf(dtype, {3, 11}, 4, true);
      Tensor want(DType::i1, a.shape()), got(DType::i1, a.shape());
      EXPECT_OK(compare(kind, a, b, want));
      EXPECT_OK(drivers::compare(exec, kind, a, b, got));
      expectSame(got, want,
                 "compare " + std::to_string(int(kind)) + " " + name(dtype));
    }
}

TEST(CudaHostExec, SelectMovesBitsOfEveryType) {
  HostExec exec;
  Tensor condition = randomOf(DType::i1, {6, 7}, 5);
  for (DType dtype : {DType::f32, DType::f64, DType::f16, DType::bf16,
                      DType::i64, DType::i8, DType::i1}) {
    Tensor a = randomOf(dtype, {6, 7}, 6), b = randomOf(dtype, {6, 7}, 8);
    Tensor want = like(a), got = like(a);
    EXPECT_OK(select(condition, a, b, want));
    EXPECT_OK(drivers::select(exec, condition, a, b, got));
    expectSame(got, want, "select " + name(dtype));
  }
}

TEST(CudaHostExec, ConvertEveryPairOfTypes) {
  HostExec exec;
  for (DType from : kNativeTypes)
    for (DType to : kNativeTypes) {
      Tensor in = randomOf(from, {2, 17}, 9, true);
      Tensor want(to, in.shape()), got(to, in.shape());
      EXPECT_OK(convert(in, want));
      EXPECT_OK(drivers::convert(exec, in, got));
      expectSame(got, want, "convert " + name(from) + " -> " + name(to));
    }
}

TEST(CudaHostExec, IotaEveryDimAndType) {
  HostExec exec;
  for (DType dtype : kNativeTypes)
    for (int64_t dim = 0; dim < 3; ++dim) {
      Tensor want(dtype, {3, 4, 5}), got(dtype, {3, 4, 5});
      EXPECT_OK(iota(dim, want));
      EXPECT_OK(drivers::iota(exec, dim, got));
      expectSame(got, want, "iota " + name(dtype));
    }
}

TEST(CudaHostExec, FillRoundsAsTheCpuForEveryType) {
  HostExec exec;
  for (DType dtype :
       {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i64, DType::i32,
        DType::i16, DType::i8, DType::u8, DType::i1})
    for (double value : {0.0, -2.75, 1e10, kNaN, -kInf, 3.3}) {
      Tensor want(dtype, {3, 5}), got(dtype, {3, 5});
      EXPECT_OK(fill(value, want));
      EXPECT_OK(drivers::fill(exec, value, got));
      expectSame(got, want, "fill " + name(dtype));
    }
}

TEST(CudaHostExec, HalfTypesAreUnsupportedWhereTheyCompute) {
  HostExec exec;
  Tensor half(DType::f16, {4}), out(DType::f16, {4});
  EXPECT_ERROR(drivers::unary(exec, UnaryKind::exp, half, out),
               "f16 tensors are not supported on CUDA yet");
  EXPECT_ERROR(drivers::binary(exec, BinaryKind::add, half, half, out),
               "not supported on CUDA yet");
  Tensor matrix(DType::f16, {2, 2});
  EXPECT_ERROR(drivers::matmul(exec, matrix, matrix, false, false, matrix),
               "f16 tensors are not supported on CUDA yet");
  Tensor f32(DType::f32, {4});
  EXPECT_ERROR(drivers::convert(exec, f32, out), "not supported on CUDA yet");
}

TEST(CudaHostExec, ElementwiseChecksShapesAndTypes) {
  HostExec exec;
  Tensor a(DType::f32, {4}), b(DType::f32, {5}), i(DType::i32, {4});
  EXPECT_ERROR(drivers::binary(exec, BinaryKind::add, a, b, a),
               "binary: shapes 4 and 5 differ");
  EXPECT_ERROR(drivers::binary(exec, BinaryKind::add, a, a, i),
               "binary output: expected f32, got i32");
  EXPECT_ERROR(drivers::unary(exec, UnaryKind::exp, i, i),
               "unary op needs a float tensor, got i32");
  EXPECT_ERROR(drivers::compare(exec, CompareKind::lt, a, a, a),
               "compare output: expected i1");
}

//===--- Data movement ----------------------------------------------------===//

TEST(CudaHostExec, Broadcast) {
  HostExec exec;
  for (DType dtype : {DType::f32, DType::i64, DType::f16, DType::i1}) {
    Tensor in = randomOf(dtype, {3, 1, 4}, 11);
    Tensor want(dtype, {2, 3, 5, 4}), got(dtype, {2, 3, 5, 4});
    EXPECT_OK(broadcast(in, {1, 2, 3}, want));
    EXPECT_OK(drivers::broadcast(exec, in, {1, 2, 3}, got));
    expectSame(got, want, "broadcast " + name(dtype));
  }
  Tensor scalar = randomOf(DType::f64, {}, 12);
  Tensor want(DType::f64, {3, 2}), got(DType::f64, {3, 2});
  EXPECT_OK(broadcast(scalar, {}, want));
  EXPECT_OK(drivers::broadcast(exec, scalar, {}, got));
  expectSame(got, want, "broadcast of a scalar");
}

TEST(CudaHostExec, TransposeEveryPermutationOfRank3) {
  HostExec exec;
  std::vector<std::vector<int64_t>> perms = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                             {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  Tensor in = randomOf(DType::f32, {2, 3, 4}, 13);
  for (const auto &perm : perms) {
    Shape shape = {in.shape()[perm[0]], in.shape()[perm[1]],
                   in.shape()[perm[2]]};
    Tensor want(DType::f32, shape), got(DType::f32, shape);
    EXPECT_OK(transpose(in, perm, want));
    EXPECT_OK(drivers::transpose(exec, in, perm, got));
    expectSame(got, want, "transpose");
  }
  Tensor bad(DType::f32, {2, 3, 4});
  EXPECT_ERROR(drivers::transpose(exec, in, {0, 0, 1}, bad),
               "transpose: not a permutation");
}

TEST(CudaHostExec, ConcatEveryAxis) {
  HostExec exec;
  for (int64_t axis = 0; axis < 3; ++axis) {
    std::vector<Tensor> inputs;
    Shape outShape = {2, 3, 4};
    outShape[axis] = 0;
    for (int part = 1; part <= 3; ++part) {
      Shape shape = {2, 3, 4};
      shape[axis] = part;
      outShape[axis] += part;
      inputs.push_back(randomOf(DType::i32, shape, 20 + part));
    }
    Tensor want(DType::i32, outShape), got(DType::i32, outShape);
    EXPECT_OK(concat(inputs, axis, want));
    EXPECT_OK(drivers::concat(exec, inputs, axis, got));
    expectSame(got, want, "concat axis " + std::to_string(axis));
  }
}

TEST(CudaHostExec, SliceWithPositiveAndNegativeStrides) {
  HostExec exec;
  Tensor in = randomOf(DType::f64, {5, 6, 7}, 30);
  struct Case {
    std::vector<int64_t> start, strides;
    Shape shape;
  } cases[] = {{{0, 0, 0}, {1, 1, 1}, {5, 6, 7}},
               {{4, 1, 6}, {-1, 2, -3}, {5, 3, 3}},
               {{1, 5, 2}, {2, -2, 1}, {2, 3, 4}},
               {{3, 0, 0}, {1, 1, 1}, {0, 6, 7}}};
  for (const Case &c : cases) {
    Tensor want(DType::f64, c.shape), got(DType::f64, c.shape);
    EXPECT_OK(slice(in, c.start, c.strides, want));
    EXPECT_OK(drivers::slice(exec, in, c.start, c.strides, got));
    expectSame(got, want, "slice");
  }
  Tensor out(DType::f64, {3, 1, 1});
  EXPECT_ERROR(drivers::slice(exec, in, {3, 0, 0}, {1, 1, 1}, out),
               "slice: window leaves dimension 0");
}

TEST(CudaHostExec, PadGrowsAndCrops) {
  HostExec exec;
  Tensor in = randomOf(DType::f32, {3, 4, 5}, 40);
  struct Case {
    std::vector<int64_t> low, high;
  } cases[] = {{{1, 0, 2}, {0, 3, 1}},
               {{-1, 2, -2}, {1, -1, 0}},
               {{0, 0, 0}, {0, 0, 0}},
               {{-3, 0, 0}, {1, 0, 0}}};
  for (const Case &c : cases) {
    Shape shape(3);
    for (int d = 0; d < 3; ++d)
      shape[d] = in.shape()[d] + c.low[d] + c.high[d];
    Tensor want(DType::f32, shape), got(DType::f32, shape);
    EXPECT_OK(pad(in, c.low, c.high, -7.5, want));
    EXPECT_OK(drivers::pad(exec, in, c.low, c.high, -7.5, got));
    expectSame(got, want, "pad");
  }
}

TEST(CudaHostExec, GatherEveryAxisAndIndexType) {
  HostExec exec;
  Tensor data = randomOf(DType::f32, {4, 5, 3}, 50);
  for (DType indexType : {DType::i32, DType::i64})
    for (int64_t axis = 0; axis < 3; ++axis) {
      int64_t size = data.shape()[axis];
      Tensor indices(indexType, {2, 3});
      std::vector<double> picks = {0, double(size - 1), -1,
                                   1, double(-size),    0};
      for (int i = 0; i < 6; ++i)
        storeFromDouble(indices, i, picks[i]);
      Shape shape;
      for (int64_t d = 0; d < axis; ++d)
        shape.push_back(data.shape()[d]);
      shape.push_back(2);
      shape.push_back(3);
      for (int64_t d = axis + 1; d < 3; ++d)
        shape.push_back(data.shape()[d]);
      Tensor want(DType::f32, shape), got(DType::f32, shape);
      EXPECT_OK(gather(data, indices, axis, want));
      EXPECT_OK(drivers::gather(exec, data, indices, axis, got));
      EXPECT_OK(exec.synchronize());
      expectSame(got, want, "gather axis " + std::to_string(axis));
    }
}

TEST(CudaHostExec, ScatterAddMatchesTheCpuKernel) {
  HostExec exec;
  Tensor indices(DType::i64, {2, 3});
  int64_t picks[] = {0, 3, -1, 1, 3, 0}; // repeats, and a negative index
  std::memcpy(indices.bytes(), picks, sizeof(picks));
  for (int64_t axis = 0; axis < 2; ++axis) {
    Shape table = axis == 0 ? Shape{4, 5} : Shape{5, 4};
    Shape shape = axis == 0 ? Shape{2, 3, 5} : Shape{5, 2, 3};
    Tensor updates = randomOf(DType::f64, shape, 52 + axis);
    Tensor want(DType::f64, table), got(DType::f64, table);
    EXPECT_OK(scatterAdd(updates, indices, axis, want));
    EXPECT_OK(drivers::scatterAdd(exec, updates, indices, axis, got));
    EXPECT_OK(exec.synchronize());
    expectSame(got, want, "scatter_add axis " + std::to_string(axis));
  }
}

TEST(CudaHostExec, GatherOutOfRangeIsReportedAtSynchronize) {
  HostExec exec;
  Tensor data = randomOf(DType::f32, {4, 2}, 51);
  Tensor indices(DType::i64, {2});
  indices.data<int64_t>()[0] = 1;
  indices.data<int64_t>()[1] = 4;
  Tensor out(DType::f32, {2, 2});
  Tensor cpuOut(DType::f32, {2, 2});
  EXPECT_ERROR(gather(data, indices, 0, cpuOut), "out of range");
  EXPECT_OK(drivers::gather(exec, data, indices, 0, out)); // queued
  EXPECT_ERROR(exec.synchronize(), "gather or scatter_add: an index is out of range");
  EXPECT_OK(exec.synchronize()); // reported once
  EXPECT_EQ(out.data<float>()[2], 0.0f);
}

TEST(CudaHostExec, RankAboveTheKernelLimitIsAnError) {
  HostExec exec;
  Shape shape(9, 1);
  Tensor in(DType::f32, shape), out(DType::f32, shape);
  std::vector<int64_t> perm = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_ERROR(drivers::transpose(exec, in, perm, out),
               "cuda transpose: rank 9 exceeds 8");
}

//===--- Reductions and rows ----------------------------------------------===//

TEST(CudaHostExec, ReduceEveryKindOverDimSets) {
  HostExec exec;
  std::vector<std::vector<int64_t>> dimSets = {{},     {0},    {1},      {2},
                                               {0, 2}, {1, 2}, {0, 1, 2}};
  const ReduceKind kinds[] = {ReduceKind::sum, ReduceKind::mean,
                              ReduceKind::max, ReduceKind::min,
                              ReduceKind::prod};
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::i8,
                      DType::u8, DType::i1})
    for (ReduceKind kind : kinds)
      for (const auto &dims : dimSets) {
        Tensor in = randomOf(dtype, {3, 4, 5}, 80, true);
        Shape shape;
        for (int64_t d = 0; d < 3; ++d)
          if (std::find(dims.begin(), dims.end(), d) == dims.end())
            shape.push_back(in.shape()[d]);
        Tensor want(dtype, shape), got(dtype, shape);
        EXPECT_OK(reduce(kind, in, dims, want));
        EXPECT_OK(drivers::reduce(exec, kind, in, dims, got));
        expectSame(got, want,
                   "reduce " + std::to_string(int(kind)) + " " + name(dtype) +
                       " over " + std::to_string(dims.size()) + " dims");
      }
}

TEST(CudaHostExec, ArgmaxTiesAndNaN) {
  HostExec exec;
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::u8})
    for (DType indexType : {DType::i32, DType::i64})
      for (int64_t axis = 0; axis < 3; ++axis) {
        Tensor in = randomOf(dtype, {3, 4, 5}, 90, true);
        Shape shape = in.shape();
        shape.erase(shape.begin() + axis);
        Tensor want(indexType, shape), got(indexType, shape);
        EXPECT_OK(argmax(in, axis, want));
        EXPECT_OK(drivers::argmax(exec, in, axis, got));
        expectSame(got, want, "argmax " + name(dtype));
      }
}

TEST(CudaHostExec, SoftmaxAndLogSoftmaxEveryAxis) {
  HostExec exec;
  for (DType dtype : kFloatTypes)
    for (bool logarithm : {false, true})
      for (int64_t axis = 0; axis < 3; ++axis) {
        Tensor in = randomOf(dtype, {3, 4, 6}, 100);
        Tensor want = like(in), got = like(in);
        EXPECT_OK(softmax(in, axis, logarithm, want));
        EXPECT_OK(drivers::softmax(exec, in, axis, logarithm, got));
        expectSame(got, want, "softmax " + name(dtype));
      }
}

TEST(CudaHostExec, CumsumEveryAxisFlagAndType) {
  HostExec exec;
  for (DType dtype : {DType::f32, DType::f64, DType::i64, DType::i32,
                      DType::i16, DType::i8, DType::u8})
    for (int64_t axis = 0; axis < 3; ++axis)
      for (bool exclusive : {false, true})
        for (bool reverse : {false, true}) {
          Tensor in = randomOf(dtype, {3, 4, 5}, 105, true);
          Tensor want = like(in), got = like(in);
          EXPECT_OK(cumsum(in, axis, exclusive, reverse, want));
          EXPECT_OK(drivers::cumsum(exec, in, axis, exclusive, reverse, got));
          expectSame(got, want,
                     "cumsum " + name(dtype) + " axis " + std::to_string(axis) +
                         (exclusive ? " exclusive" : "") +
                         (reverse ? " reverse" : ""));
        }
  Tensor flags = randomOf(DType::i1, {4}, 106), out = like(flags);
  EXPECT_ERROR(drivers::cumsum(exec, flags, 0, false, false, out), "not i1");
  Tensor half(DType::bf16, {4}), halfOut(DType::bf16, {4});
  EXPECT_ERROR(drivers::cumsum(exec, half, 0, false, false, halfOut),
               "not supported on CUDA yet");
  Tensor x = randomOf(DType::f32, {2, 3}, 107), y = like(x);
  EXPECT_ERROR(drivers::cumsum(exec, x, 2, false, false, y), "axis");
}

TEST(CudaHostExec, RmsNormAndLayerNorm) {
  HostExec exec;
  for (DType dtype : kFloatTypes) {
    Tensor in = randomOf(dtype, {2, 3, 8}, 110);
    Tensor weight = randomOf(dtype, {8}, 111);
    Tensor want = like(in), got = like(in);
    EXPECT_OK(rmsNorm(in, weight, 1e-5, want));
    EXPECT_OK(drivers::rmsNorm(exec, in, weight, 1e-5, got));
    expectSame(got, want, "rms_norm " + name(dtype));
    for (int64_t axis : {1, 2}) {
      Shape normalised(in.shape().begin() + axis, in.shape().end());
      Tensor w = randomOf(dtype, normalised, 112);
      Tensor b = randomOf(dtype, normalised, 113);
      Tensor wantLn = like(in), gotLn = like(in);
      EXPECT_OK(layerNorm(in, w, b, axis, 1e-6, wantLn));
      EXPECT_OK(drivers::layerNorm(exec, in, w, b, axis, 1e-6, gotLn));
      expectSame(gotLn, wantLn, "layer_norm " + name(dtype));
    }
  }
}

TEST(CudaHostExec, Rope) {
  HostExec exec;
  for (DType dtype : kFloatTypes) {
    Tensor in = randomOf(dtype, {2, 3, 5, 8}, 120);
    Tensor cos = randomOf(dtype, {2, 5, 8}, 121);
    Tensor sin = randomOf(dtype, {2, 5, 8}, 122);
    Tensor want = like(in), got = like(in);
    EXPECT_OK(rope(in, cos, sin, want));
    EXPECT_OK(drivers::rope(exec, in, cos, sin, got));
    expectSame(got, want, "rope " + name(dtype));
  }
}

//===--- Attention --------------------------------------------------------===//

TEST(CudaHostExec, AttentionMasksAndGroupedHeads) {
  HostExec exec;
  struct Case {
    int64_t batch, heads, kvHeads, s, t, d, dv;
    AttentionMask mask;
    Shape biasShape;
  } cases[] = {
      {2, 4, 2, 5, 5, 8, 6, AttentionMask::full, {}},
      {1, 4, 1, 3, 7, 4, 4, AttentionMask::causal, {}}, // offset T - S = 4
      {1, 2, 2, 6, 4, 4, 3, AttentionMask::causal, {}}, // rows fully masked
      {2, 4, 4, 3, 5, 4, 4, AttentionMask::additive, {1, 4, 3, 5}},
      {2, 2, 1, 3, 5, 4, 4, AttentionMask::additive, {2, 1, 3, 5}},
  };
  for (DType dtype : kFloatTypes)
    for (const Case &c : cases) {
      Tensor q = randomOf(dtype, {c.batch, c.heads, c.s, c.d}, 130);
      Tensor k = randomOf(dtype, {c.batch, c.kvHeads, c.t, c.d}, 131);
      Tensor v = randomOf(dtype, {c.batch, c.kvHeads, c.t, c.dv}, 132);
      Tensor bias;
      if (c.mask == AttentionMask::additive) {
        bias = randomOf(dtype, c.biasShape, 133);
        storeFromDouble(bias, 1, -kInf); // a masked key
      }
      Shape shape = {c.batch, c.heads, c.s, c.dv};
      Tensor want(dtype, shape), got(dtype, shape);
      const Tensor *b = bias.empty() ? nullptr : &bias;
      EXPECT_OK(attention(q, k, v, b, nullptr, c.mask, 0.5, want));
      EXPECT_OK(
          drivers::attention(exec, q, k, v, b, nullptr, c.mask, 0.5, got));
      expectClose(got, want, dtype == DType::f32 ? 2e-6 : 1e-13,
                  "attention " + name(dtype));
    }
}

//===--- Loss and optimizer -----------------------------------------------===//

TEST(CudaHostExec, CrossEntropyAndGradientWithIgnoredRows) {
  HostExec exec;
  for (DType dtype : kFloatTypes)
    for (DType labelType : {DType::i32, DType::i64}) {
      Tensor logits = randomOf(dtype, {2, 3, 7}, 140);
      Tensor labels(labelType, {2, 3});
      const double picks[] = {3, -100, 0, 6, -100, 2};
      for (int i = 0; i < 6; ++i)
        storeFromDouble(labels, i, picks[i]);
      Tensor want(dtype, {}), got(dtype, {});
      EXPECT_OK(crossEntropy(logits, labels, -100, want));
      EXPECT_OK(drivers::crossEntropy(exec, logits, labels, -100, got));
      EXPECT_OK(exec.synchronize());
      expectSame(got, want, "cross_entropy " + name(dtype));

      Tensor cotangent(dtype, {});
      storeFromDouble(cotangent, 0, 0.75);
      Tensor wantGrad = like(logits), gotGrad = randomOf(dtype, {2, 3, 7}, 141);
      EXPECT_OK(crossEntropyGrad(logits, labels, cotangent, -100, wantGrad));
      EXPECT_OK(drivers::crossEntropyGrad(exec, logits, labels, cotangent, -100,
                                          gotGrad));
      EXPECT_OK(exec.synchronize());
      expectSame(gotGrad, wantGrad, "cross_entropy_grad " + name(dtype));
    }
  Tensor logits = randomOf(DType::f32, {2, 4}, 142);
  Tensor ignored(DType::i64, {2});
  ignored.data<int64_t>()[0] = ignored.data<int64_t>()[1] = -1;
  Tensor loss(DType::f32, {});
  EXPECT_OK(drivers::crossEntropy(exec, logits, ignored, -1, loss));
  EXPECT_EQ(loss.data<float>()[0], 0.0f); // every row ignored
}

TEST(CudaHostExec, CrossEntropyLabelOutOfRangeIsReportedAtSynchronize) {
  HostExec exec;
  Tensor logits = randomOf(DType::f32, {2, 4}, 143);
  Tensor labels(DType::i64, {2});
  labels.data<int64_t>()[0] = 1;
  labels.data<int64_t>()[1] = 4;
  Tensor loss(DType::f32, {}), cpuLoss(DType::f32, {});
  EXPECT_ERROR(crossEntropy(logits, labels, -100, cpuLoss), "outside [0, 4)");
  EXPECT_OK(drivers::crossEntropy(exec, logits, labels, -100, loss));
  EXPECT_ERROR(exec.synchronize(), "cross_entropy: a label is outside");
}

TEST(CudaHostExec, AdamWInPlaceAndOutOfPlace) {
  HostExec exec;
  AdamWHyper hyper;
  hyper.weightDecay = 0.1;
  for (DType dtype : kFloatTypes) {
    Tensor p = randomOf(dtype, {5, 6}, 150), g = randomOf(dtype, {5, 6}, 151);
    Tensor m = randomOf(dtype, {5, 6}, 152), v = randomOf(dtype, {5, 6}, 153);
    for (int64_t i = 0; i < v.numElements(); ++i) // second moments are >= 0
      storeFromDouble(v, i, std::fabs(elementAsDouble(v, i)));
    Tensor wantP = like(p), wantM = like(p), wantV = like(p);
    EXPECT_OK(adamw(p, g, nullptr, m, v, 1e-3, 3, hyper, wantP, wantM, wantV));
    Tensor gotP = p.clone(), gotM = m.clone(), gotV = v.clone();
    EXPECT_OK(drivers::adamw(exec, gotP, g, nullptr, gotM, gotV, 1e-3, 3, hyper,
                             gotP, gotM, gotV)); // in place
    expectSame(gotP, wantP, "adamw param " + name(dtype));
    expectSame(gotM, wantM, "adamw exp_avg " + name(dtype));
    expectSame(gotV, wantV, "adamw exp_avg_sq " + name(dtype));

    // A gradient scale is the update of the scaled gradient, bit for bit.
    Tensor scale = randomOf(dtype, {}, 154), scaled = like(g), full = like(g);
    for (int64_t i = 0; i < full.numElements(); ++i)
      storeFromDouble(full, i, elementAsDouble(scale, 0));
    EXPECT_OK(binary(BinaryKind::mul, g, full, scaled));
    EXPECT_OK(
        adamw(p, scaled, nullptr, m, v, 1e-3, 3, hyper, wantP, wantM, wantV));
    gotP = p.clone(), gotM = m.clone(), gotV = v.clone();
    EXPECT_OK(drivers::adamw(exec, gotP, g, &scale, gotM, gotV, 1e-3, 3, hyper,
                             gotP, gotM, gotV));
    expectSame(gotP, wantP, "scaled adamw param " + name(dtype));
    expectSame(gotV, wantV, "scaled adamw exp_avg_sq " + name(dtype));
    Tensor cpuP = like(p), cpuM = like(p), cpuV = like(p);
    EXPECT_OK(adamw(p, g, &scale, m, v, 1e-3, 3, hyper, cpuP, cpuM, cpuV));
    expectSame(cpuP, wantP, "scaled cpu adamw param " + name(dtype));
  }
  Tensor p(DType::f32, {3}), q(DType::f32, {3}), wide(DType::f64, {});
  EXPECT_ERROR(
      drivers::adamw(exec, p, p, nullptr, p, p, 1e-3, 0, hyper, q, q, q),
      "step count starts at 1");
  EXPECT_ERROR(drivers::adamw(exec, p, p, &wide, p, p, 1e-3, 1, hyper, q, q, q),
               "gradient scale must be a 0-d tensor of the param's type");
}

TEST(CudaHostExec, ConvIsNotSupportedYet) {
  HostExec exec;
  Tensor in(DType::f32, {1, 1, 4}), filter(DType::f32, {1, 1, 2}),
      out(DType::f32, {1, 1, 3});
  EXPECT_ERROR(drivers::conv(exec, in, filter, ConvParams{}, out),
               "not supported on CUDA yet");
}

/// The CPU kernel and the CUDA driver validate with the same check
/// functions (runtime/kernels/Checks.h): a bad argument of every family
/// gets the same message from both.
TEST(CudaHostExec, SameArgumentErrorsAsTheCpu) {
  HostExec exec;
  Tensor a(DType::f32, {2, 3}), b(DType::f32, {3, 2}), c(DType::f32, {2, 2});
  Tensor row(DType::f32, {3}), wide(DType::f32, {2, 4}), i64(DType::i64, {2});
  Tensor flags(DType::i1, {2, 3}), q(DType::f32, {1, 2, 3, 4}),
      kv(DType::f32, {1, 3, 3, 4}), badTable(DType::f32, {1, 3, 3});
  AdamWHyper hyper;
  struct Case {
    const char *what;
    Status cpu, cuda;
  };
  const Case cases[] = {
      {"binary", binary(BinaryKind::add, a, b, a),
       drivers::binary(exec, BinaryKind::add, a, b, a)},
      {"select", select(a, a, a, a), drivers::select(exec, a, a, a, a)},
      {"iota", iota(2, a), drivers::iota(exec, 2, a)},
      {"broadcast", broadcast(row, {0}, a),
       drivers::broadcast(exec, row, {0}, a)},
      {"transpose", transpose(a, {0, 0}, b),
       drivers::transpose(exec, a, {0, 0}, b)},
      {"concat", concat({a, b}, 0, wide),
       drivers::concat(exec, {a, b}, 0, wide)},
      {"slice", slice(a, {2, 0}, {1, 1}, c),
       drivers::slice(exec, a, {2, 0}, {1, 1}, c)},
      {"pad", pad(a, {0, 0}, {0, 2}, 0.0, c),
       drivers::pad(exec, a, {0, 0}, {0, 2}, 0.0, c)},
      {"gather", gather(a, flags, 0, a), drivers::gather(exec, a, flags, 0, a)},
      {"matmul", matmul(a, a, false, false, c),
       drivers::matmul(exec, a, a, false, false, c)},
      {"reduce", reduce(ReduceKind::sum, a, {1, 1}, i64),
       drivers::reduce(exec, ReduceKind::sum, a, {1, 1}, i64)},
      {"argmax", argmax(a, 1, a), drivers::argmax(exec, a, 1, a)},
      {"softmax", softmax(a, 1, false, b),
       drivers::softmax(exec, a, 1, false, b)},
      {"cumsum", cumsum(flags, 1, false, false, flags),
       drivers::cumsum(exec, flags, 1, false, false, flags)},
      {"rms_norm", rmsNorm(a, wide, 1e-6, a),
       drivers::rmsNorm(exec, a, wide, 1e-6, a)},
      {"layer_norm", layerNorm(a, row, row, 1, 1e-5, b),
       drivers::layerNorm(exec, a, row, row, 1, 1e-5, b)},
      {"rope", rope(q, badTable, badTable, q),
       drivers::rope(exec, q, badTable, badTable, q)},
      {"attention",
       attention(q, kv, kv, nullptr, nullptr, AttentionMask::full, 0.5, q),
       drivers::attention(exec, q, kv, kv, nullptr, nullptr,
                          AttentionMask::full, 0.5, q)},
      {"rms_norm_grad", rmsNormGrad(a, row, a, 1e-6, &b, nullptr),
       drivers::rmsNormGrad(exec, a, row, a, 1e-6, &b, nullptr)},
      {"attention_grad",
       attentionGrad(q, q, q, nullptr, nullptr, q, q, AttentionMask::full, 0.5,
                     &kv, nullptr, nullptr, nullptr),
       drivers::attentionGrad(exec, q, q, q, nullptr, nullptr, q, q,
                              AttentionMask::full, 0.5, &kv, nullptr, nullptr,
                              nullptr)},
      {"cross_entropy", crossEntropy(a, i64, -100, a),
       drivers::crossEntropy(exec, a, i64, -100, a)},
      {"cross_entropy_grad", crossEntropyGrad(a, i64, a, -100, a),
       drivers::crossEntropyGrad(exec, a, i64, a, -100, a)},
      {"adamw", adamw(a, row, nullptr, a, a, 1e-3, 1, hyper, a, a, a),
       drivers::adamw(exec, a, row, nullptr, a, a, 1e-3, 1, hyper, a, a, a)},
  };
  for (const Case &c : cases) {
    EXPECT_FALSE(c.cpu.ok()) << c.what;
    EXPECT_EQ(c.cpu.message(), c.cuda.message()) << c.what;
  }
}
