// RUN: starch-opt %s --split-input-file "--starch-tensor-parallel=tp=2" | FileCheck %s
// The row-parallel product sums its K = 16 terms as two partial sums of 8
// and an all-reduce, not in one order, so results of magnitude ~30 agree to
// float rounding (atol 1e-4), not bit for bit.
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --atol 1e-4 %s -- "--starch-tensor-parallel=tp=2"

// A gated MLP: gate and up are split by output rows (column parallel), down
// by input columns (row parallel); the replicated input enters the shards
// once, and the partial sum of down is summed before the residual add.
// CHECK: starch.param @down {shard_dim = 1 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<8x8xf32>
// CHECK: starch.param @gate {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<8x8xf32>
// CHECK: starch.param @up {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<8x8xf32>
// CHECK-LABEL: func.func @loss(
// CHECK-SAME: %[[X:.*]]: tensor<4x8xf32>
// CHECK: %[[IN:.*]] = starch.enter_shards %[[X]] groups = [array<i64: 0, 1>] : tensor<4x8xf32>
// CHECK: starch.matmul %[[IN]], %{{.*}} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK: starch.silu %{{.*}} : tensor<4x8xf32>
// CHECK: starch.matmul %[[IN]], %{{.*}} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK: %[[PART:.*]] = starch.matmul %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK: %[[SUM:.*]] = starch.all_reduce %[[PART]] reduce = sum groups = [array<i64: 0, 1>] {{.*}}: tensor<4x8xf32>
// CHECK: starch.add %[[X]], %[[SUM]] {{.*}}: tensor<4x8xf32>
starch.param @down : tensor<8x16xf32>
starch.param @gate : tensor<16x8xf32>
starch.param @up : tensor<16x8xf32>
func.func @loss(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %g = starch.read_param @gate {starch.layer = "layers.0"} : tensor<16x8xf32>
  %gt = starch.transpose %g perm = [1, 0] {starch.layer = "layers.0"} : tensor<16x8xf32> -> tensor<8x16xf32>
  %h = starch.matmul %x, %gt {starch.layer = "layers.0"} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %a = starch.silu %h {starch.layer = "layers.0"} : tensor<4x16xf32>
  %u = starch.read_param @up {starch.layer = "layers.0"} : tensor<16x8xf32>
  %ut = starch.transpose %u perm = [1, 0] {starch.layer = "layers.0"} : tensor<16x8xf32> -> tensor<8x16xf32>
  %v = starch.matmul %x, %ut {starch.layer = "layers.0"} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %p = starch.mul %a, %v {starch.layer = "layers.0"} : tensor<4x16xf32>
  %d = starch.read_param @down {starch.layer = "layers.0"} : tensor<8x16xf32>
  %dt = starch.transpose %d perm = [1, 0] {starch.layer = "layers.0"} : tensor<8x16xf32> -> tensor<16x8xf32>
  %y = starch.matmul %p, %dt {starch.layer = "layers.0"} : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %r = starch.add %x, %y {starch.layer = "layers.0"} : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
