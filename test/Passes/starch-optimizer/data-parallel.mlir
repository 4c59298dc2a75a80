// RUN: starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=micro-batches=2 data-parallel=3" | FileCheck %s
// RUN: not starch-opt %s --starch-autodiff=functions=loss "--starch-optimizer=data-parallel=0" 2>&1 | FileCheck %s --check-prefix=BAD

// One of 3 data-parallel replicas: the loss and each gradient, summed over
// this replica's 2 micro-batches, are summed over the replicas, then divided
// once by 2 x 3, before the norm and AdamW.
// CHECK: module attributes {starch.data_parallel = 3 : i64}
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[G0:.*]]:2 = call @loss_grad(
// CHECK: %[[G1:.*]]:2 = call @loss_grad(
// CHECK: %[[LSUM:.*]] = starch.add %[[G0]]#0, %[[G1]]#0 : tensor<f32>
// CHECK: %[[GSUM:.*]] = starch.add %[[G0]]#1, %[[G1]]#1 : tensor<4x3xf32>
// CHECK: %[[LALL:.*]] = starch.all_reduce %[[LSUM]] reduce = sum : tensor<f32>
// CHECK: %[[GALL:.*]] = starch.all_reduce %[[GSUM]] reduce = sum : tensor<4x3xf32>
// CHECK: %[[SIXTH:.*]] = starch.constant dense<0.1666{{[0-9]*}}> : tensor<f32>
// CHECK: starch.mul %[[LALL]], %[[SIXTH]]
// CHECK: starch.mul %[[GALL]]
// CHECK: starch.sqrt
// CHECK: starch.adamw

// BAD: starch-optimizer: data-parallel must be >= 1, got 0

starch.param @w : tensor<4x3xf32>
func.func @loss(%x: tensor<2x4xf32>) -> tensor<f32> {
  %w = starch.read_param @w : tensor<4x3xf32>
  %y = starch.matmul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %l = starch.reduce sum %y dims = [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
