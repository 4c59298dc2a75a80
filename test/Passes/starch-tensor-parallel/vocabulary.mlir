// RUN: starch-opt %s "--starch-tensor-parallel=tp=2" | FileCheck %s
// RUN: starch-opt %s "--starch-tensor-parallel=tp=2 vocabulary=0" | FileCheck %s --check-prefix=WHOLE
// RUN: starch-opt %s "--starch-tensor-parallel=tp=2" | starch-opt "--starch-autodiff=functions=loss" | FileCheck %s --check-prefix=GRAD
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --functions loss %s -- "--starch-tensor-parallel=tp=2"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions loss %s -- "--starch-tensor-parallel=tp=4"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 2 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=1})" %s -- "--pass-pipeline=builtin.module(starch-tensor-parallel{tp=2},starch-autodiff{functions=loss},starch-optimizer{micro-batches=1})"
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --ranks 4 --functions train_step --before="--pass-pipeline=builtin.module(starch-autodiff{functions=loss},starch-optimizer{micro-batches=1})" %s -- "--pass-pipeline=builtin.module(starch-tensor-parallel{tp=4},starch-autodiff{functions=loss},starch-optimizer{micro-batches=1})"

// Vocabulary parallelism: a 16-token vocabulary over 2 ranks. The token
// ids and labels are spread over every block (4 * id + 1 and 4 * label
// for inputs in [0, 4)); a column of tokens is the padding token 5 and a
// column of labels the ignore index. The embedding is
// looked up by blocks (a partial sum, summed before the norm), the head
// computes its block's logits, and the loss is formed from the blocks'
// sums; the embedding's padding row (5: block 0 of 2, block 1 of 4) gets
// no gradient however its lookup is split.
// CHECK: starch.param @embed {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<8x4xf32>
// CHECK: starch.param @norm : tensor<4xf32>
// CHECK: starch.param @head {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<8x4xf32>
// @forward returns the logits gathered whole.
// CHECK-LABEL: func.func @forward(
// CHECK: %[[PART:.*]] = starch.reshape %{{.*}} : tensor<6x8xf32> -> tensor<2x3x8xf32>
// CHECK: %[[GATHERED:.*]] = starch.all_gather %[[PART]] dim = 2 groups = [array<i64: 0, 1>] : tensor<2x3x8xf32> -> tensor<2x3x16xf32>
// CHECK: return %[[GATHERED]]
// CHECK-LABEL: func.func @loss(
// CHECK: %[[START:.*]] = starch.local_block %{{.*}} dim = 0 groups = [array<i64: 0, 1>] : tensor<2xi64> -> tensor<1xi64>
// CHECK: %[[ROWS:.*]] = starch.gather %{{.*}}[%{{.*}}] axis = 0 offset = %[[START]] : tensor<1xi64> {padding_idx = 5 : i64} : (tensor<8x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
// CHECK: %[[SUM:.*]] = starch.all_reduce %[[ROWS]] reduce = sum
// CHECK: starch.rms_norm %[[SUM]]
// CHECK: starch.enter_shards
// CHECK: %[[LOGITS:.*]] = starch.matmul {{.*}} transposed : (tensor<6x4xf32>, tensor<8x4xf32>) -> tensor<6x8xf32>
// CHECK: %[[OWNMAX:.*]] = starch.reduce max %{{.*}} dims = [2] : tensor<2x3x8xf32> -> tensor<2x3xf32>
// CHECK: %[[MAX:.*]] = starch.all_reduce %[[OWNMAX]] reduce = max
// CHECK: %[[BLOCK:.*]] = starch.cross_entropy_block %{{.*}}, %{{.*}}, %{{.*}}, %[[MAX]] : (tensor<2x3x8xf32>, tensor<2x3xi64>, tensor<1xi64>, tensor<2x3xf32>) -> tensor<2x3x2xf64>
// CHECK: starch.all_reduce %[[BLOCK]] reduce = sum
// CHECK: starch.log
// CHECK: starch.compare ne, %{{.*}}, %{{.*}} : tensor<2x3xi64>
// CHECK-NOT: starch.cross_entropy %
// CHECK: return

// Without vocabulary parallelism all of it stays whole.
// WHOLE-NOT: shard_dim
// WHOLE-NOT: offset
// WHOLE: starch.cross_entropy %
// WHOLE-NOT: cross_entropy_block

// The backward: the block's gradient, the embedding's into its block.
// GRAD-LABEL: func.func @loss_grad(
// GRAD: starch.cross_entropy_block_grad
// GRAD: starch.scatter_add %{{.*}}[%{{.*}}] axis = 0 offset = %{{.*}} : tensor<1xi64> : (tensor<2x3x4xf32>, tensor<2x3xi64>) -> tensor<8x4xf32>

starch.param @embed : tensor<16x4xf32>
starch.param @norm : tensor<4xf32>
starch.param @head : tensor<16x4xf32>

func.func @forward(%ids: tensor<2x2xi64>) -> tensor<2x3x16xf32> {
  %four = starch.constant dense<4> : tensor<2x2xi64>
  %one = starch.constant dense<1> : tensor<2x2xi64>
  %spread = starch.mul %ids, %four : tensor<2x2xi64>
  %text = starch.add %spread, %one : tensor<2x2xi64>
  %pad = starch.constant dense<5> : tensor<2x1xi64>
  %tokens = starch.concat %pad, %text axis = 1 : (tensor<2x1xi64>, tensor<2x2xi64>) -> tensor<2x3xi64>
  %e = starch.read_param @embed : tensor<16x4xf32>
  %x = starch.gather %e[%tokens] axis = 0 {padding_idx = 5 : i64} : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %w = starch.read_param @norm : tensor<4xf32>
  %h = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %head = starch.read_param @head : tensor<16x4xf32>
  %rows = starch.reshape %h : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %l = starch.matmul %rows, %head transposed : (tensor<6x4xf32>, tensor<16x4xf32>) -> tensor<6x16xf32>
  %logits = starch.reshape %l : tensor<6x16xf32> -> tensor<2x3x16xf32>
  return %logits : tensor<2x3x16xf32>
}

func.func @loss(%ids: tensor<2x2xi64>, %labels: tensor<2x2xi64>) -> tensor<f32> {
  %four = starch.constant dense<4> : tensor<2x2xi64>
  %one = starch.constant dense<1> : tensor<2x2xi64>
  %spread = starch.mul %ids, %four : tensor<2x2xi64>
  %text = starch.add %spread, %one : tensor<2x2xi64>
  %pad = starch.constant dense<5> : tensor<2x1xi64>
  %tokens = starch.concat %pad, %text axis = 1 : (tensor<2x1xi64>, tensor<2x2xi64>) -> tensor<2x3xi64>
  %e = starch.read_param @embed : tensor<16x4xf32>
  %x = starch.gather %e[%tokens] axis = 0 {padding_idx = 5 : i64} : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %w = starch.read_param @norm : tensor<4xf32>
  %h = starch.rms_norm %x, %w epsilon = 1.0e-6 : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %head = starch.read_param @head : tensor<16x4xf32>
  %rows = starch.reshape %h : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %l = starch.matmul %rows, %head transposed : (tensor<6x4xf32>, tensor<16x4xf32>) -> tensor<6x16xf32>
  %logits = starch.reshape %l : tensor<6x16xf32> -> tensor<2x3x16xf32>
  %four2 = starch.constant dense<4> : tensor<2x2xi64>
  %classes = starch.mul %labels, %four2 : tensor<2x2xi64>
  %ignored = starch.constant dense<-100> : tensor<2x1xi64>
  %all = starch.concat %classes, %ignored axis = 1 : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x3xi64>
  %loss = starch.cross_entropy %logits, %all ignore_index = -100 : (tensor<2x3x16xf32>, tensor<2x3xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
