// RUN: starch-opt %s "--starch-tensor-parallel=tp=2" | FileCheck %s
// RUN: starch-opt %s "--starch-tensor-parallel=tp=4 verbose=1" 2>&1 | FileCheck %s --check-prefix=WHOLE
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --atol 1e-4 %s -- "--starch-tensor-parallel=tp=2"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 %s -- "--starch-tensor-parallel=tp=4"

// Grouped-query attention, 4 query heads over 2 key/value heads of 4: at
// tp 2 each rank keeps 2 query heads and their key/value head (q, k, v by
// output rows, o by input columns, the biases of q like q, o's bias whole
// and added after the sum).
// CHECK: starch.param @bq {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<8xf32>
// CHECK: starch.param @bo : tensor<16xf32>
// CHECK: starch.param @wk {shard_dim = 0 : i64, {{.*}}} : tensor<4x16xf32>
// CHECK: starch.param @wo {shard_dim = 1 : i64, {{.*}}} : tensor<16x8xf32>
// CHECK: starch.param @wq {shard_dim = 0 : i64, {{.*}}} : tensor<8x16xf32>
// CHECK: starch.param @wv {shard_dim = 0 : i64, {{.*}}} : tensor<4x16xf32>
// CHECK-LABEL: func.func @loss(
// CHECK: %[[IN:.*]] = starch.enter_shards %arg0
// CHECK-NOT: starch.enter_shards
// CHECK: starch.attention {{.*}} : (tensor<2x2x3x4xf32>, tensor<2x1x3x4xf32>, tensor<2x1x3x4xf32>) -> tensor<2x2x3x4xf32>
// CHECK: %[[PART:.*]] = starch.matmul {{.*}} -> tensor<6x16xf32>
// CHECK: %[[SUM:.*]] = starch.all_reduce %[[PART]] reduce = sum
// CHECK: starch.add %[[SUM]], %{{.*}} : tensor<6x16xf32>

// At tp 4 the 2 key/value heads cannot be split: the layer stays whole.
// WHOLE: starch-tensor-parallel: layer 'layers.0' stays whole on every rank ('starch.reshape' cannot run on these shards)
// WHOLE: starch-tensor-parallel: 0 parameters split over 4 ranks, 1 layers kept whole
// WHOLE-NOT: shard_dim
// WHOLE-NOT: enter_shards
// WHOLE-NOT: all_reduce

starch.param @bq : tensor<16xf32>
starch.param @bo : tensor<16xf32>
starch.param @wk : tensor<8x16xf32>
starch.param @wo : tensor<16x16xf32>
starch.param @wq : tensor<16x16xf32>
starch.param @wv : tensor<8x16xf32>
func.func @loss(%x: tensor<6x16xf32>) -> tensor<6x16xf32> {
  %wq = starch.read_param @wq {starch.layer = "layers.0"} : tensor<16x16xf32>
  %wqt = starch.transpose %wq perm = [1, 0] {starch.layer = "layers.0"} : tensor<16x16xf32> -> tensor<16x16xf32>
  %q0 = starch.matmul %x, %wqt {starch.layer = "layers.0"} : (tensor<6x16xf32>, tensor<16x16xf32>) -> tensor<6x16xf32>
  %bq = starch.read_param @bq {starch.layer = "layers.0"} : tensor<16xf32>
  %bqb = starch.broadcast %bq dims = [1] {starch.layer = "layers.0"} : tensor<16xf32> -> tensor<6x16xf32>
  %q1 = starch.add %q0, %bqb {starch.layer = "layers.0"} : tensor<6x16xf32>
  %q2 = starch.reshape %q1 {starch.layer = "layers.0"} : tensor<6x16xf32> -> tensor<2x3x4x4xf32>
  %q = starch.transpose %q2 perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x3x4x4xf32> -> tensor<2x4x3x4xf32>
  %wk = starch.read_param @wk {starch.layer = "layers.0"} : tensor<8x16xf32>
  %wkt = starch.transpose %wk perm = [1, 0] {starch.layer = "layers.0"} : tensor<8x16xf32> -> tensor<16x8xf32>
  %k0 = starch.matmul %x, %wkt {starch.layer = "layers.0"} : (tensor<6x16xf32>, tensor<16x8xf32>) -> tensor<6x8xf32>
  %k1 = starch.reshape %k0 {starch.layer = "layers.0"} : tensor<6x8xf32> -> tensor<2x3x2x4xf32>
  %k = starch.transpose %k1 perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x3x2x4xf32> -> tensor<2x2x3x4xf32>
  %wv = starch.read_param @wv {starch.layer = "layers.0"} : tensor<8x16xf32>
  %wvt = starch.transpose %wv perm = [1, 0] {starch.layer = "layers.0"} : tensor<8x16xf32> -> tensor<16x8xf32>
  %v0 = starch.matmul %x, %wvt {starch.layer = "layers.0"} : (tensor<6x16xf32>, tensor<16x8xf32>) -> tensor<6x8xf32>
  %v1 = starch.reshape %v0 {starch.layer = "layers.0"} : tensor<6x8xf32> -> tensor<2x3x2x4xf32>
  %v = starch.transpose %v1 perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x3x2x4xf32> -> tensor<2x2x3x4xf32>
  %a = starch.attention %q, %k, %v mask = causal scale = 0.5 {starch.layer = "layers.0"} : (tensor<2x4x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>) -> tensor<2x4x3x4xf32>
  %a1 = starch.transpose %a perm = [0, 2, 1, 3] {starch.layer = "layers.0"} : tensor<2x4x3x4xf32> -> tensor<2x3x4x4xf32>
  %a2 = starch.reshape %a1 {starch.layer = "layers.0"} : tensor<2x3x4x4xf32> -> tensor<6x16xf32>
  %wo = starch.read_param @wo {starch.layer = "layers.0"} : tensor<16x16xf32>
  %wot = starch.transpose %wo perm = [1, 0] {starch.layer = "layers.0"} : tensor<16x16xf32> -> tensor<16x16xf32>
  %o0 = starch.matmul %a2, %wot {starch.layer = "layers.0"} : (tensor<6x16xf32>, tensor<16x16xf32>) -> tensor<6x16xf32>
  %bo = starch.read_param @bo {starch.layer = "layers.0"} : tensor<16xf32>
  %bob = starch.broadcast %bo dims = [1] {starch.layer = "layers.0"} : tensor<16xf32> -> tensor<6x16xf32>
  %o = starch.add %o0, %bob {starch.layer = "layers.0"} : tensor<6x16xf32>
  %r = starch.add %x, %o {starch.layer = "layers.0"} : tensor<6x16xf32>
  return %r : tensor<6x16xf32>
}
