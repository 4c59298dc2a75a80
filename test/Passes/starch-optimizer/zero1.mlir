// ZeRO-1: each of 2 replicas keeps half of @w's and @u's AdamW moments (their
// first dimensions are even); @b (3 rows) keeps whole moments everywhere.
// RUN: starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=data-parallel=2 zero1=1" | FileCheck %s
// Two and four replicas given the same micro-batches against one process:
// the same loss, norms and updated weights (moments joined from the blocks).
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2})" %s -- "--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=2 data-parallel=2 zero1=1})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=1})" %s -- "--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=1 data-parallel=4 zero1=1})"

// CHECK: starch.param @adamw.exp_avg.w {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>], state} : tensor<2x3xf32>
// CHECK: starch.param @adamw.exp_avg.b {state} : tensor<3xf32>
// CHECK: starch.param @adamw.exp_avg.u {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>], state} : tensor<2x5xf32>
// CHECK-LABEL: func.func @train_step(
// CHECK: starch.reduce_scatter %{{.*}} reduce = sum dim = 0 groups = [array<i64: 0, 1>] : tensor<4x3xf32> -> tensor<2x3xf32>
// CHECK: starch.reduce_scatter %{{.*}} reduce = sum dim = 0 groups = [array<i64: 0, 1>] : tensor<4x5xf32> -> tensor<2x5xf32>
// CHECK: starch.all_reduce %{{.*}} reduce = sum : tensor<3xf32>
// CHECK: %[[W:.*]] = starch.read_param @w : tensor<4x3xf32>
// CHECK: %[[WB:.*]] = starch.local_block %[[W]] dim = 0 groups = [array<i64: 0, 1>] : tensor<4x3xf32> -> tensor<2x3xf32>
// CHECK: %[[NEW:[^,]*]], %{{.*}}, %{{.*}} = starch.adamw %[[WB]]
// CHECK: starch.all_gather %[[NEW]] dim = 0 groups = [array<i64: 0, 1>] : tensor<2x3xf32> -> tensor<4x3xf32>

starch.param @w : tensor<4x3xf32>
starch.param @b : tensor<3xf32>
starch.param @u : tensor<4x5xf32>
func.func @loss(%x: tensor<2x4xf32>) -> tensor<f32> {
  %w = starch.read_param @w : tensor<4x3xf32>
  %b = starch.read_param @b : tensor<3xf32>
  %u = starch.read_param @u : tensor<4x5xf32>
  %h = starch.matmul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %bb = starch.broadcast %b dims = [1] : tensor<3xf32> -> tensor<2x3xf32>
  %t = starch.tanh %h : tensor<2x3xf32>
  %tb = starch.add %t, %bb : tensor<2x3xf32>
  %ut = starch.slice %u start = [0, 0] limit = [3, 5] strides = [1, 1] : tensor<4x5xf32> -> tensor<3x5xf32>
  %y = starch.matmul %tb, %ut : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf32>
  %s = starch.mul %y, %y : tensor<2x5xf32>
  %l = starch.reduce sum %s dims = [0, 1] : tensor<2x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}
