// RUN: starch-opt %s "--starch-autodiff=recompute=all" | FileCheck %s
// RUN: starch-opt %s "--starch-autodiff=recompute=layers.1" | FileCheck %s --check-prefix=ONE
// RUN: not starch-opt %s "--starch-autodiff=recompute=layers.7" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin --rtol 0 --atol 0 --functions loss_grad --before="--starch-autodiff" %s -- "--starch-autodiff=recompute=all"

// Activation recompute: the backward of each layer reads a copy of the
// layer's forward, made just before that backward (layer 1's first, as the
// reverse walk meets it), from the layer's input; the forward's own
// intermediates (silu, the product) are read by the forward alone. The
// numbers are the same, bit for bit (the RUN line above: tolerance 0).
// CHECK-LABEL: func.func @loss_grad(
// CHECK: %[[H0:.*]] = starch.matmul %arg0, %{{.*}} {starch.layer = "layers.0"}
// CHECK: %[[S0:.*]] = starch.silu %[[H0]] {starch.layer = "layers.0"}
// CHECK: %[[Y0:.*]] = starch.mul %[[S0]], %[[H0]] {starch.layer = "layers.0"}
// CHECK: %[[H1:.*]] = starch.matmul %[[Y0]], %{{.*}} {starch.layer = "layers.1"}
// CHECK: starch.silu %[[H1]] {starch.layer = "layers.1"}
// CHECK: starch.reduce sum
// Layer 1's copy, from its input, then its backward.
// CHECK: %[[C1:.*]] = starch.matmul %[[Y0]], %{{.*}} {starch.layer = "layers.1"}
// CHECK: %[[CS1:.*]] = starch.silu %[[C1]] {starch.layer = "layers.1"}
// CHECK-NOT: starch.silu %[[H1]]
// CHECK: starch.mul %[[CS1]], %{{.*}} {starch.layer = "layers.1"}
// Layer 0's copy comes after layer 1's backward.
// CHECK: %[[C0:.*]] = starch.matmul %arg0, %{{.*}} {starch.layer = "layers.0"}
// CHECK: %[[CS0:.*]] = starch.silu %[[C0]] {starch.layer = "layers.0"}
// CHECK: starch.mul %[[CS0]], %{{.*}} {starch.layer = "layers.0"}
// CHECK: return

// Only layer 1 recomputed: layer 0's backward reads its forward.
// ONE-LABEL: func.func @loss_grad(
// ONE: %[[S0:.*]] = starch.silu %{{.*}} {starch.layer = "layers.0"}
// ONE: starch.reduce sum
// ONE: starch.matmul %{{.*}}, %{{.*}} {starch.layer = "layers.1"}
// ONE-NOT: starch.matmul %arg0
// ONE: starch.mul %[[S0]], %{{.*}} {starch.layer = "layers.0"}

// UNKNOWN: starch-autodiff: recompute names layer 'layers.7', which no differentiated function has

starch.param @w0 : tensor<4x4xf32>
starch.param @w1 : tensor<4x4xf32>

func.func @loss(%x: tensor<3x4xf32>) -> tensor<f32> {
  %w0 = starch.read_param @w0 {starch.layer = "layers.0"} : tensor<4x4xf32>
  %h0 = starch.matmul %x, %w0 {starch.layer = "layers.0"} : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  %s0 = starch.silu %h0 {starch.layer = "layers.0"} : tensor<3x4xf32>
  %y0 = starch.mul %s0, %h0 {starch.layer = "layers.0"} : tensor<3x4xf32>
  %w1 = starch.read_param @w1 {starch.layer = "layers.1"} : tensor<4x4xf32>
  %h1 = starch.matmul %y0, %w1 {starch.layer = "layers.1"} : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  %s1 = starch.silu %h1 {starch.layer = "layers.1"} : tensor<3x4xf32>
  %y1 = starch.mul %s1, %h1 {starch.layer = "layers.1"} : tensor<3x4xf32>
  %l = starch.reduce sum %y1 dims = [0, 1] : tensor<3x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
