// RUN: starch-opt %s --starch-autodiff -split-input-file | FileCheck %s

// The gradient function returns the loss, then one gradient per trainable
// parameter the function reads. The frozen bias gets none, and nothing of
// the bias's own backward (a sum over the broadcast) is emitted. Backward
// ops carry the layer tag of the forward op they differentiate.
// CHECK-LABEL: func.func @linear(
// CHECK-LABEL: func.func @linear_grad
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>) -> (tensor<f32>, tensor<4x3xf32> {starch.name = "grad.w"})
// CHECK-SAME: attributes {starch.gradient_of = @linear}
// CHECK: %[[LOSS:.*]] = starch.reduce sum
// CHECK: %[[ONE:.*]] = starch.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DY:.*]] = starch.broadcast %[[ONE]] dims = [] : tensor<f32> -> tensor<2x3xf32>
// CHECK-NOT: starch.reduce
// CHECK-NOT: starch.transpose
// CHECK: %[[DW:.*]] = starch.matmul %[[X]] transposed, %[[DY]] {starch.layer = "model.layers.0"} : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: return %[[LOSS]], %[[DW]]
starch.param @w : tensor<4x3xf32>
starch.param @b {frozen} : tensor<3xf32>
func.func @linear(%x: tensor<2x4xf32>) -> tensor<f32> {
  %w = starch.read_param @w : tensor<4x3xf32>
  %b = starch.read_param @b : tensor<3xf32>
  %y = starch.matmul %x, %w {starch.layer = "model.layers.0"} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %bb = starch.broadcast %b dims = [1] : tensor<3xf32> -> tensor<2x3xf32>
  %z = starch.add %y, %bb : tensor<2x3xf32>
  %l = starch.reduce sum %z dims = [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A parameter read twice (tied embedding and head) gets the sum of both
// reads' cotangents; buffers get no gradient.
// CHECK-LABEL: func.func @tied_grad
// CHECK-SAME: -> (tensor<f32>, tensor<3x3xf32> {starch.name = "grad.w"})
// CHECK: %[[A:.*]] = starch.matmul
// CHECK: %[[B:.*]] = starch.matmul
// CHECK: %[[SUM:.*]] = starch.add
// CHECK: return %{{.*}}, %[[SUM]]
starch.param @w : tensor<3x3xf32>
starch.param @rotary {buffer} : tensor<3x3xf32>
func.func @tied(%x: tensor<3x3xf32>) -> tensor<f32> {
  %w1 = starch.read_param @w : tensor<3x3xf32>
  %w2 = starch.read_param @w : tensor<3x3xf32>
  %r = starch.read_param @rotary : tensor<3x3xf32>
  %h = starch.matmul %x, %w1 : (tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3x3xf32>
  %hr = starch.mul %h, %r : tensor<3x3xf32>
  %o = starch.matmul %hr, %w2 : (tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3x3xf32>
  %l = starch.reduce sum %o dims = [0, 1] : tensor<3x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A frozen encoder with nothing trainable upstream gets no backward at all:
// only the projector's weight is differentiated.
// CHECK-LABEL: func.func @frozen_encoder_grad
// CHECK-SAME: -> (tensor<f32>, tensor<3x3xf32> {starch.name = "grad.proj"})
// CHECK: %[[T:.*]] = starch.tanh
// CHECK: starch.reduce sum
// CHECK-NOT: starch.sub
// CHECK-NOT: starch.transpose
// CHECK: %[[DP:.*]] = starch.matmul %[[T]] transposed,
// CHECK-NEXT: return %{{.*}}, %[[DP]]
starch.param @enc {frozen} : tensor<3x3xf32>
starch.param @proj : tensor<3x3xf32>
func.func @frozen_encoder(%x: tensor<3x3xf32>) -> tensor<f32> {
  %e = starch.read_param @enc : tensor<3x3xf32>
  %p = starch.read_param @proj : tensor<3x3xf32>
  %h = starch.matmul %x, %e : (tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3x3xf32>
  %t = starch.tanh %h : tensor<3x3xf32>
  %o = starch.matmul %t, %p : (tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3x3xf32>
  %l = starch.reduce sum %o dims = [0, 1] : tensor<3x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
