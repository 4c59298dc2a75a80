// RUN: starch-opt %s --starch-autodiff=wrt-arguments=true -split-input-file | FileCheck %s

// A strided slice scatters dy back into zeros: the backwards dimension is
// reversed first (-2 from 4 takes 4, 2, 0, so reversed it starts at 0), then
// a unit dimension after each strided one is padded to the stride and merged
// (zeros between the elements), and a last pad places the first element and
// crops the spread past the input's end.
// CHECK-LABEL: func.func @slice_grad
// CHECK-SAME: (%[[X:.*]]: tensor<5x7xf32>)
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<3x2xf32>
// CHECK: %[[REV:.*]] = starch.slice %[[DY]] start = [2, 0] limit = [-1, 2] strides = [-1, 1] {starch.layer = "model.layers.1"}
// CHECK: %[[UNIT:.*]] = starch.reshape %[[REV]] {{.*}} : tensor<3x2xf32> -> tensor<3x1x2x1xf32>
// CHECK: %[[GAPS:.*]] = starch.pad %[[UNIT]] low = [0, 0, 0, 0] high = [0, 1, 0, 2] value = 0.000000e+00 {{.*}} -> tensor<3x2x2x3xf32>
// CHECK: %[[SPREAD:.*]] = starch.reshape %[[GAPS]] {{.*}} : tensor<3x2x2x3xf32> -> tensor<6x6xf32>
// CHECK: %[[DX:.*]] = starch.pad %[[SPREAD]] low = [0, 1] high = [-1, 0] value = 0.000000e+00 {{.*}} -> tensor<5x7xf32>
// CHECK: return %{{.*}}, %[[DX]]
func.func @slice(%x: tensor<5x7xf32>) -> tensor<3x2xf32> {
  %s = starch.slice %x start = [4, 1] limit = [-1, 7] strides = [-2, 3] {starch.layer = "model.layers.1"} : tensor<5x7xf32> -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}

// -----

// Positive strides need no reversal; a dimension the slice takes one element
// of needs no spreading, whatever its stride.
// CHECK-LABEL: func.func @forward_strides_grad
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<2x1x4xf32>
// CHECK-NOT: starch.slice
// CHECK: %[[UNIT:.*]] = starch.reshape %[[DY]] : tensor<2x1x4xf32> -> tensor<2x1x1x4xf32>
// CHECK: %[[GAPS:.*]] = starch.pad %[[UNIT]] low = [0, 0, 0, 0] high = [0, 2, 0, 0]
// CHECK: %[[SPREAD:.*]] = starch.reshape %[[GAPS]] : tensor<2x3x1x4xf32> -> tensor<6x1x4xf32>
// CHECK: %[[DX:.*]] = starch.pad %[[SPREAD]] low = [1, 3, 0] high = [-1, 0, 0] {{.*}} -> tensor<6x4x4xf32>
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward_strides(%x: tensor<6x4x4xf32>) -> tensor<2x1x4xf32> {
  %s = starch.slice %x start = [1, 3, 0] limit = [6, 4, 4] strides = [3, 2, 1] : tensor<6x4x4xf32> -> tensor<2x1x4xf32>
  return %s : tensor<2x1x4xf32>
}

// -----

// An empty window gives zeros.
// CHECK-LABEL: func.func @empty_grad
// CHECK: %[[DX:.*]] = starch.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK: return %{{.*}}, %[[DX]]
func.func @empty(%x: tensor<4xf32>) -> tensor<0xf32> {
  %s = starch.slice %x start = [2] limit = [2] strides = [-1] : tensor<4xf32> -> tensor<0xf32>
  return %s : tensor<0xf32>
}
