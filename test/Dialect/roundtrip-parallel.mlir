// RUN: starch-opt %s | starch-opt | FileCheck %s

// CHECK: starch.param @w {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>, array<i64: 2, 3>]} : tensor<2x4xf32>
starch.param @w {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>, array<i64: 2, 3>]} : tensor<2x4xf32>

// CHECK-LABEL: func.func @collectives(
func.func @collectives(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: starch.enter_shards %{{.*}} groups = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<4xf32>
  %a = starch.enter_shards %x groups = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<4xf32>
  // CHECK: starch.all_reduce %{{.*}} reduce = sum groups = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<4xf32>
  %b = starch.all_reduce %a reduce = sum groups = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<4xf32>
  // CHECK: starch.all_reduce %{{.*}} reduce = max : tensor<4xf32>
  %c = starch.all_reduce %b reduce = max : tensor<4xf32>
  return %c : tensor<4xf32>
}

// CHECK: starch.param @v {stage = 1 : i64} : tensor<4xf32>
starch.param @v {stage = 1 : i64} : tensor<4xf32>
// CHECK: starch.param @tied {stage = 0 : i64, tied_stages = array<i64: 2, 3>} : tensor<4xf32>
starch.param @tied {stage = 0 : i64, tied_stages = array<i64: 2, 3>} : tensor<4xf32>

// CHECK-LABEL: func.func @point_to_point(
func.func @point_to_point(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: starch.send %{{.*}} pairs = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<4xf32>
  starch.send %x pairs = [array<i64: 0, 1>, array<i64: 2, 3>] : tensor<4xf32>
  // CHECK: starch.recv pairs = [array<i64: 1, 0>] : tensor<4xf32>
  %y = starch.recv pairs = [array<i64: 1, 0>] : tensor<4xf32>
  // One sender feeding two receivers (tp 1 to tp 2).
  // CHECK: starch.send %{{.*}} pairs = [array<i64: 0, 1>, array<i64: 0, 2>] : tensor<4xf32>
  starch.send %x pairs = [array<i64: 0, 1>, array<i64: 0, 2>] : tensor<4xf32>
  return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @zero1_blocks(
func.func @zero1_blocks(%g: tensor<8x4xf32>, %p: tensor<8x4xf32>) -> tensor<8x4xf32> {
  // CHECK: starch.reduce_scatter %{{.*}} reduce = sum dim = 0 groups = [array<i64: 0, 1>] : tensor<8x4xf32> -> tensor<4x4xf32>
  %gb = starch.reduce_scatter %g reduce = sum dim = 0 groups = [array<i64: 0, 1>] : tensor<8x4xf32> -> tensor<4x4xf32>
  // CHECK: starch.local_block %{{.*}} dim = 0 groups = [array<i64: 0, 1>] : tensor<8x4xf32> -> tensor<4x4xf32>
  %pb = starch.local_block %p dim = 0 groups = [array<i64: 0, 1>] : tensor<8x4xf32> -> tensor<4x4xf32>
  %n = starch.add %pb, %gb : tensor<4x4xf32>
  // CHECK: starch.all_gather %{{.*}} dim = 0 groups = [array<i64: 0, 1>] : tensor<4x4xf32> -> tensor<8x4xf32>
  %w = starch.all_gather %n dim = 0 groups = [array<i64: 0, 1>] : tensor<4x4xf32> -> tensor<8x4xf32>
  return %w : tensor<8x4xf32>
}

// Context parallelism's deal of a micro-batch's tokens to two ranks.
// CHECK-LABEL: func.func @token_distribution
// CHECK: starch.token_distribution %{{.*}} parts = 2 block = 128 strategy = makespan : tensor<2x1024xi64> -> tensor<1024xi64>
// CHECK: starch.token_distribution %{{.*}} parts = 4 block = 64 strategy = zigzag : tensor<2x1024xi64> -> tensor<1024xi64>
func.func @token_distribution(%bits: tensor<2x1024xi64>) -> (tensor<1024xi64>, tensor<1024xi64>) {
  %order, %inverse = starch.token_distribution %bits parts = 2 block = 128 strategy = makespan : tensor<2x1024xi64> -> tensor<1024xi64>
  %zig, %back = starch.token_distribution %bits parts = 4 block = 64 strategy = zigzag : tensor<2x1024xi64> -> tensor<1024xi64>
  return %order, %zig : tensor<1024xi64>, tensor<1024xi64>
}
