//===- VocabBlockHostExecTest.cpp - Vocabulary blocks on the host ---------===//
//
// The CUDA drivers of the block gather, block scatter-add and block
// cross-entropy run the per-element bodies the CPU kernels share, so their
// results are the CPU's bit for bit.
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
using starch::rt::test::make;
using starch::rt::test::random;
using starch::rt::test::sameBits;
namespace drivers = starch::rt::cuda::drivers;

namespace {

TEST(CudaHostExec, BlockGatherAndScatterAddMatchTheCpu) {
  HostExec exec;
  Tensor block = random(DType::f32, {4, 3}, 2);
  Tensor ids = make(DType::i64, {5}, {0, 7, 3, 4, 5});
  Tensor start = make(DType::i64, {1}, {4});
  Tensor cpu(DType::f32, {5, 3}), device(DType::f32, {5, 3});
  ASSERT_TRUE(gather(block, ids, 0, cpu, &start).ok());
  ASSERT_TRUE(drivers::gather(exec, block, ids, 0, device, &start).ok());
  EXPECT_TRUE(sameBits(cpu, device));
  EXPECT_TRUE(exec.synchronize().ok());

  Tensor updates = random(DType::f32, {5, 3}, 4);
  Tensor cpuSum(DType::f32, {4, 3}), deviceSum(DType::f32, {4, 3});
  ASSERT_TRUE(scatterAdd(updates, ids, 0, cpuSum, &start).ok());
  ASSERT_TRUE(
      drivers::scatterAdd(exec, updates, ids, 0, deviceSum, &start).ok());
  EXPECT_TRUE(sameBits(cpuSum, deviceSum));
  EXPECT_TRUE(exec.synchronize().ok());
}

TEST(CudaHostExec, BlockCrossEntropyMatchesTheCpu) {
  HostExec exec;
  Tensor logits = random(DType::f32, {4, 6}, 7);
  Tensor labels = make(DType::i32, {4}, {6, 8, -100, 11});
  Tensor start = make(DType::i32, {1}, {6});
  Tensor max = make(DType::f32, {4}, {0.9f, 1.0f, 0.5f, 0.7f});
  Tensor cpu(DType::f64, {4, 2}), device(DType::f64, {4, 2});
  ASSERT_TRUE(crossEntropyBlock(logits, labels, start, max, cpu).ok());
  ASSERT_TRUE(
      drivers::crossEntropyBlock(exec, logits, labels, start, max, device)
          .ok());
  EXPECT_TRUE(sameBits(cpu, device));

  Tensor dSums = random(DType::f64, {4, 2}, 11);
  Tensor cpuGrad(DType::f32, {4, 6}), deviceGrad(DType::f32, {4, 6});
  ASSERT_TRUE(
      crossEntropyBlockGrad(logits, labels, start, max, dSums, cpuGrad).ok());
  ASSERT_TRUE(drivers::crossEntropyBlockGrad(exec, logits, labels, start, max,
                                             dSums, deviceGrad)
                  .ok());
  EXPECT_TRUE(sameBits(cpuGrad, deviceGrad));
}

} // namespace
