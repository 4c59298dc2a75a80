// Round trip of the training ops (cross_entropy, cross_entropy_grad, adamw,
// write_param, state params), in the custom and in the generic form.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// CHECK: starch.param @w : tensor<4x3xf32>
// CHECK: starch.param @m {state} : tensor<4x3xf32>
// CHECK-LABEL: func.func @loss
// CHECK: starch.cross_entropy %{{.*}}, %{{.*}} ignore_index = -100 : (tensor<2x7x5xf32>, tensor<2x7xi64>) -> tensor<f32>
// CHECK: starch.cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} ignore_index = -100 : (tensor<2x7x5xf32>, tensor<2x7xi64>, tensor<f32>) -> tensor<2x7x5xf32>
starch.param @w : tensor<4x3xf32>
starch.param @m {state} : tensor<4x3xf32>
func.func @loss(%logits: tensor<2x7x5xf32>, %labels: tensor<2x7xi64>, %d: tensor<f32>) -> (tensor<f32>, tensor<2x7x5xf32>) {
  %l = starch.cross_entropy %logits, %labels ignore_index = -100 : (tensor<2x7x5xf32>, tensor<2x7xi64>) -> tensor<f32>
  %g = starch.cross_entropy_grad %logits, %labels, %d ignore_index = -100 : (tensor<2x7x5xf32>, tensor<2x7xi64>, tensor<f32>) -> tensor<2x7x5xf32>
  return %l, %g : tensor<f32>, tensor<2x7x5xf32>
}

// CHECK-LABEL: func.func @update
// CHECK: %[[P:.*]], %[[M:.*]], %{{.*}} = starch.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} beta1 = 9.000000e-01 beta2 = 0.99899999999999999 epsilon = 1.000000e-08 weight_decay = 0.000000e+00 : tensor<4x3xf32>, tensor<f64>, tensor<i64>
// CHECK: starch.write_param @w, %[[P]] : tensor<4x3xf32>
// CHECK: starch.write_param @m, %[[M]] : tensor<4x3xf32>
// CHECK: starch.adamw {{.*}} weight_decay = 0.000000e+00 grad_scale = %{{.*}} : tensor<f32> : tensor<4x3xf32>, tensor<f64>, tensor<i64>
func.func @update(%g: tensor<4x3xf32>, %v: tensor<4x3xf32>, %lr: tensor<f64>, %step: tensor<i64>, %clip: tensor<f32>) {
  %p = starch.read_param @w : tensor<4x3xf32>
  %m = starch.read_param @m : tensor<4x3xf32>
  %u:3 = starch.adamw %p, %g, %m, %v, %lr, %step beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = 0.0 : tensor<4x3xf32>, tensor<f64>, tensor<i64>
  starch.write_param @w, %u#0 : tensor<4x3xf32>
  starch.write_param @m, %u#1 : tensor<4x3xf32>
  %s:3 = starch.adamw %p, %g, %m, %v, %lr, %step beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = 0.0 grad_scale = %clip : tensor<f32> : tensor<4x3xf32>, tensor<f64>, tensor<i64>
  return
}

// CHECK-LABEL: func.func @vocabulary_block
// CHECK: starch.cross_entropy_block %arg0, %arg1, %arg2, %arg3 : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi64>, tensor<4xf32>) -> tensor<4x2xf64>
// CHECK: starch.cross_entropy_block_grad %arg0, %arg1, %arg2, %arg3, %{{.*}} : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi64>, tensor<4xf32>, tensor<4x2xf64>) -> tensor<4x8xf32>
// CHECK: starch.gather %arg4[%arg1] axis = 0 offset = %arg2 : tensor<1xi64> {padding_idx = 70 : i64} : (tensor<8x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
// CHECK: starch.scatter_add %{{.*}}[%arg1] axis = 0 offset = %arg2 : tensor<1xi64> : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<8x3xf32>
func.func @vocabulary_block(%logits: tensor<4x8xf32>, %labels: tensor<4xi64>, %start: tensor<1xi64>, %max: tensor<4xf32>, %table: tensor<8x3xf32>) -> (tensor<4x8xf32>, tensor<8x3xf32>) {
  %sums = starch.cross_entropy_block %logits, %labels, %start, %max : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi64>, tensor<4xf32>) -> tensor<4x2xf64>
  %d = starch.cross_entropy_block_grad %logits, %labels, %start, %max, %sums : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi64>, tensor<4xf32>, tensor<4x2xf64>) -> tensor<4x8xf32>
  %rows = starch.gather %table[%labels] axis = 0 offset = %start : tensor<1xi64> {padding_idx = 70 : i64} : (tensor<8x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  %back = starch.scatter_add %rows[%labels] axis = 0 offset = %start : tensor<1xi64> : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<8x3xf32>
  return %d, %back : tensor<4x8xf32>, tensor<8x3xf32>
}
