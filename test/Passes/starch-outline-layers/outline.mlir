// Two layers with equal bodies become one function called twice: the
// parameter reads stay in the caller (hoisted in front of the call) and are
// passed by their role; what a layer reads from before it is an argument and
// what is read of it after it a result. (tiny-llama.test checks the
// numbers, on a whole training step.)
// RUN: starch-opt %s --starch-outline-layers -split-input-file | FileCheck %s

starch.param @layers.0.w : tensor<4x4xf32>
starch.param @layers.0.b : tensor<4xf32>
starch.param @layers.1.w : tensor<4x4xf32>
starch.param @layers.1.b : tensor<4xf32>

// CHECK-LABEL: func.func private @layers(
// CHECK-SAME: %[[X:.*]]: tensor<2x4xf32>, %[[W:.*]]: tensor<4x4xf32> {starch.name = "w"}, %[[B:.*]]: tensor<4xf32> {starch.name = "b"}) -> tensor<2x4xf32>
// CHECK-SAME: starch.layer_family = "layers.*", starch.layers = ["layers.0", "layers.1"]
// CHECK-NEXT: %[[Y:.*]] = starch.matmul %[[X]], %[[W]] :
// CHECK-NEXT: %[[BB:.*]] = starch.broadcast %[[B]]
// CHECK-NOT: starch.layer =
// CHECK-NEXT: %[[Z:.*]] = starch.add %[[Y]], %[[BB]]
// CHECK-NEXT: %[[T:.*]] = starch.tanh %[[Z]]
// CHECK-NEXT: return %[[T]]
// CHECK-LABEL: func.func @stack(
// CHECK-NEXT: %[[W0:.*]] = starch.read_param @layers.0.w {starch.layer = "layers.0"}
// CHECK-NEXT: %[[B0:.*]] = starch.read_param @layers.0.b {starch.layer = "layers.0"}
// CHECK-NEXT: %[[H0:.*]] = call @layers(%arg0, %[[W0]], %[[B0]])
// CHECK-NEXT: %[[W1:.*]] = starch.read_param @layers.1.w
// CHECK-NEXT: %[[B1:.*]] = starch.read_param @layers.1.b
// CHECK-NEXT: %[[H1:.*]] = call @layers(%[[H0]], %[[W1]], %[[B1]])
// CHECK-NEXT: %[[S:.*]] = starch.reduce sum %[[H1]]
// CHECK-NEXT: return %[[S]]
func.func @stack(%x: tensor<2x4xf32>) -> tensor<f32> {
  %w0 = starch.read_param @layers.0.w {starch.layer = "layers.0"} : tensor<4x4xf32>
  %y0 = starch.matmul %x, %w0 {starch.layer = "layers.0"} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %b0 = starch.read_param @layers.0.b {starch.layer = "layers.0"} : tensor<4xf32>
  %bb0 = starch.broadcast %b0 dims = [1] {starch.layer = "layers.0"} : tensor<4xf32> -> tensor<2x4xf32>
  %z0 = starch.add %y0, %bb0 {starch.layer = "layers.0"} : tensor<2x4xf32>
  %h0 = starch.tanh %z0 {starch.layer = "layers.0"} : tensor<2x4xf32>
  %w1 = starch.read_param @layers.1.w {starch.layer = "layers.1"} : tensor<4x4xf32>
  %y1 = starch.matmul %h0, %w1 {starch.layer = "layers.1"} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %b1 = starch.read_param @layers.1.b {starch.layer = "layers.1"} : tensor<4xf32>
  %bb1 = starch.broadcast %b1 dims = [1] {starch.layer = "layers.1"} : tensor<4xf32> -> tensor<2x4xf32>
  %z1 = starch.add %y1, %bb1 {starch.layer = "layers.1"} : tensor<2x4xf32>
  %h1 = starch.tanh %z1 {starch.layer = "layers.1"} : tensor<2x4xf32>
  %s = starch.reduce sum %h1 dims = [0, 1] : tensor<2x4xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// Bodies that differ (here a shape) are different functions of the family;
// the later one is numbered.
starch.param @blocks.0.w : tensor<4x4xf32>
starch.param @blocks.1.w : tensor<4x8xf32>

// CHECK-LABEL: func.func private @blocks(
// CHECK-SAME: tensor<4x4xf32> {starch.name = "w"}
// CHECK-SAME: starch.layers = ["blocks.0"]
// CHECK-LABEL: func.func private @blocks.1(
// CHECK-SAME: tensor<4x8xf32> {starch.name = "w"}
// CHECK-SAME: starch.layers = ["blocks.1"]
// CHECK-LABEL: func.func @widening(
// CHECK: call @blocks(
// CHECK: call @blocks.1(
func.func @widening(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  %w0 = starch.read_param @blocks.0.w {starch.layer = "blocks.0"} : tensor<4x4xf32>
  %y0 = starch.matmul %x, %w0 {starch.layer = "blocks.0"} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %h0 = starch.tanh %y0 {starch.layer = "blocks.0"} : tensor<2x4xf32>
  %w1 = starch.read_param @blocks.1.w {starch.layer = "blocks.1"} : tensor<4x8xf32>
  %y1 = starch.matmul %h0, %w1 {starch.layer = "blocks.1"} : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  %h1 = starch.tanh %y1 {starch.layer = "blocks.1"} : tensor<2x8xf32>
  return %h1 : tensor<2x8xf32>
}
