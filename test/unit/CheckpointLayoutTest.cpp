//===- CheckpointLayoutTest.cpp - Sharded checkpoints' arithmetic ---------===//
//
// Which rank writes which block (checkpointLayout), the index's text and
// its checks (formatCheckpointIndex, parseCheckpointIndex), and cutting a
// rank's region out of stored blocks (copyOverlap), against expectations
// worked out by hand.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/CheckpointIndex.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace starch::rt;

namespace {

/// dp 2 x tp 2 (ranks 0 1 | 2 3): `w` split along dim 1 by tp, its moment
/// split along dim 0 over the replicas (ZeRO-1), `norm` replicated.
ProgramSpec dp2tp2() {
  ProgramSpec spec;
  spec.model = "m";
  spec.dataParallel = 2;
  spec.tensorParallel = 2;
  ParamShard tp{1, {0, 1, 2, 3}, 2};
  ParamShard zero1{0, {0, 2, 1, 3}, 2};
  spec.params = {
      {"w", "w", DType::f32, {4, 3}, ParamKind::trainable, "", tp},
      {"norm", "norm", DType::f32, {6}, ParamKind::trainable},
      {"norm.m", "", DType::f32, {3}, ParamKind::optimizerState, "", zero1},
  };
  return spec;
}

Tensor iota(Shape shape) {
  Tensor tensor(DType::f32, shape);
  float *values = tensor.data<float>();
  std::iota(values, values + tensor.numElements(), 0.0f);
  return tensor;
}

std::vector<float> valuesOf(const Tensor &tensor) {
  const float *values = tensor.data<float>();
  return std::vector<float>(values, values + tensor.numElements());
}

TEST(CheckpointLayout, LowestRankHoldingABlockWritesIt) {
  std::vector<StoredTensor> layout = checkpointLayout(dp2tp2());
  ASSERT_EQ(layout.size(), 3u);
  // w: whole 4x6, blocks of 3 columns from ranks 0 and 1 (2 and 3 repeat).
  EXPECT_EQ(layout[0].shape, (Shape{4, 6}));
  ASSERT_EQ(layout[0].blocks.size(), 2u);
  EXPECT_EQ(layout[0].blocks[0].holder, 0);
  EXPECT_EQ(layout[0].blocks[0].region, (TensorRegion{1, 0, 3}));
  EXPECT_EQ(layout[0].blocks[1].holder, 1);
  EXPECT_EQ(layout[0].blocks[1].region, (TensorRegion{1, 3, 3}));
  // norm: whole, once, by rank 0.
  ASSERT_EQ(layout[1].blocks.size(), 1u);
  EXPECT_EQ(layout[1].blocks[0].holder, 0);
  EXPECT_EQ(layout[1].blocks[0].region.dim, -1);
  // norm.m: groups {0, 2} and {1, 3}: block 1 first held by rank 2.
  ASSERT_EQ(layout[2].blocks.size(), 2u);
  EXPECT_EQ(layout[2].blocks[0].holder, 0);
  EXPECT_EQ(layout[2].blocks[1].holder, 2);
  EXPECT_EQ(layout[2].blocks[1].region, (TensorRegion{0, 3, 3}));
}

TEST(CheckpointLayout, StagesWriteTheirOwnParameters) {
  ProgramSpec spec;
  spec.dataParallel = 2;
  spec.pipelineStages = 2;
  spec.stageOfRank = {0, 1}; // ranks 0 2: stage 0; ranks 1 3: stage 1
  spec.params = {
      {"embed", "e", DType::f32, {2}, ParamKind::trainable},
      {"head", "h", DType::f32, {2}, ParamKind::trainable},
  };
  spec.params[0].stage = 0;
  spec.params[1].stage = 1;
  std::vector<StoredTensor> layout = checkpointLayout(spec);
  EXPECT_EQ(layout[0].blocks[0].holder, 0);
  EXPECT_EQ(layout[1].blocks[0].holder, 1);
  EXPECT_EQ(heldRegion(spec.params[1], 3).dim, -1);
}

TEST(CheckpointIndex, RoundTripsTheLayout) {
  std::vector<StoredTensor> layout = checkpointLayout(dp2tp2());
  std::string text =
      formatCheckpointIndex(layout, {"r0.safetensors", "r1.safetensors",
                                     "r2.safetensors", "r3.safetensors"});
  CheckpointIndex index;
  std::string error;
  ASSERT_TRUE(parseCheckpointIndex(text, index, error)) << error;
  // Rank 3 writes nothing, so it has no file.
  EXPECT_EQ(index.files,
            (std::vector<std::string>{"r0.safetensors", "r1.safetensors",
                                      "r2.safetensors"}));
  const StoredTensor &moment = index.tensors.at("norm.m");
  EXPECT_EQ(moment.shape, (Shape{6}));
  EXPECT_EQ(moment.blocks[1].holder, 2); // file 2 is rank 2's
  EXPECT_EQ(moment.blocks[1].region, (TensorRegion{0, 3, 3}));
}

std::string parseError(const std::string &text) {
  CheckpointIndex index;
  std::string error;
  EXPECT_FALSE(parseCheckpointIndex(text, index, error)) << text;
  return error;
}

TEST(CheckpointIndex, RefusesBlocksThatDoNotCoverATensorOnce) {
  std::string head = R"({"files": ["a", "b"], "tensors": {"w": {"dtype": "f32",
      "shape": [4, 6], "dim": 1, "blocks": )";
  EXPECT_EQ(parseError(head + "[[0, 0, 3]]}}}"),
            "the index entry of tensor 'w' has blocks that do not cover it "
            "exactly once");
  parseError(head + "[[0, 0, 3], [1, 2, 4]]}}}"); // overlap
  parseError(head + "[[0, 0, 3], [1, 4, 2]]}}}"); // gap
  parseError(head + "[[0, 3, 3], [1, 0, 3]]}}}"); // out of order
  parseError(head + "[[0, 0, 3], [2, 3, 3]]}}}"); // no file 2
  parseError(head + "[]}}}");
  EXPECT_NE(parseError(R"({"files": ["../x"], "tensors": {}})")
                .find("not a plain file name"),
            std::string::npos);
  parseError(R"({"files": [], "tensors": {"w": {"dtype": "q8", "shape": [1],
      "dim": -1, "blocks": [[0, 0, 0]]}}})");
  parseError(R"({"files": ["a"], "tensors": {"w": {"dtype": "f32",
      "shape": [1], "dim": 1, "blocks": [[0, 0, 1]]}}})");
  parseError("[1, 2]");
  parseError("{");
}

TEST(CopyOverlap, JoinsColumnBlocksIntoRows) {
  // A 4x6 tensor stored as two 4x3 column blocks, read back as the two
  // 2x6 row blocks another plan holds.
  Tensor whole = iota({4, 6});
  std::vector<Tensor> columns(2), rows;
  for (int64_t b = 0; b < 2; ++b) {
    columns[b] = Tensor(DType::f32, {4, 3});
    EXPECT_EQ(copyOverlap(whole, {0, 0}, columns[b], {0, 3 * b}), 12);
  }
  EXPECT_EQ(valuesOf(columns[1]),
            (std::vector<float>{3, 4, 5, 9, 10, 11, 15, 16, 17, 21, 22, 23}));
  for (int64_t r = 0; r < 2; ++r) {
    Tensor row(DType::f32, {2, 6});
    int64_t copied = 0;
    for (int64_t b = 0; b < 2; ++b)
      copied += copyOverlap(columns[b], {0, 3 * b}, row, {2 * r, 0});
    EXPECT_EQ(copied, 12);
    std::vector<float> expected(12);
    std::iota(expected.begin(), expected.end(), float(12 * r));
    EXPECT_EQ(valuesOf(row), expected);
  }
}

TEST(CopyOverlap, CopiesNothingFromADisjointBlock) {
  Tensor block = iota({2, 3}), target(DType::f32, {2, 3});
  EXPECT_EQ(copyOverlap(block, {0, 0}, target, {2, 0}), 0);
  EXPECT_EQ(copyOverlap(block, {0, 0}, target, {0, 3}), 0);
}

TEST(CopyOverlap, HandlesOneDimensionAndScalars) {
  Tensor source = iota({6}), target(DType::f32, {4});
  EXPECT_EQ(copyOverlap(source, {2}, target, {4}), 4); // elements 4..7 of 2..7
  EXPECT_EQ(valuesOf(target)[0], 2.0f);
  EXPECT_EQ(valuesOf(target)[1], 3.0f);
  Tensor scalar(DType::f32, {}), out(DType::f32, {});
  scalar.data<float>()[0] = 7;
  EXPECT_EQ(copyOverlap(scalar, {}, out, {}), 1);
  EXPECT_EQ(out.data<float>()[0], 7.0f);
}

TEST(CopyOverlap, CutsAThreeDimensionalRegion) {
  // Source: whole[1:3, :, 2:4] of a 3x2x4 iota; target: whole[2:3, 1:2, :].
  Tensor whole = iota({3, 2, 4});
  Tensor source(DType::f32, {2, 2, 2}), target(DType::f32, {1, 1, 4});
  EXPECT_EQ(copyOverlap(whole, {0, 0, 0}, source, {1, 0, 2}), 8);
  std::fill(target.data<float>(), target.data<float>() + 4, -1.0f);
  EXPECT_EQ(copyOverlap(source, {1, 0, 2}, target, {2, 1, 0}), 2);
  // whole[2][1][2..3] = 2*8 + 1*4 + 2.. = 22, 23.
  EXPECT_EQ(valuesOf(target), (std::vector<float>{-1, -1, 22, 23}));
}

} // namespace
