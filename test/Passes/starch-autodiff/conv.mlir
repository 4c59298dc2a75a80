// RUN: starch-opt %s --starch-autodiff=wrt-arguments=true -split-input-file | FileCheck %s

// Stride 1: d input is one conv of dy with the flipped filter (output and
// input channels swapped), keeping the dilation and padded by (K - 1) d
// minus the forward's pad_low; d filter is a conv of the input with dy as the
// filter, the batch as the channels and stride and dilation swapped.
// CHECK-LABEL: func.func @dilated_grad
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x8xf32>, %[[W:.*]]: tensor<3x2x3xf32>)
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<1x3x4xf32>
// CHECK: %[[W4:.*]] = starch.reshape %[[W]] {starch.layer = "encoder.layers.0"} : tensor<3x2x3xf32> -> tensor<1x3x2x3xf32>
// CHECK: %[[FLIP:.*]] = starch.slice %[[W4]] start = [0, 0, 0, 2] limit = [1, 3, 2, -1] strides = [1, 1, 1, -1]
// CHECK: %[[SWAP:.*]] = starch.transpose %[[FLIP]] perm = [0, 2, 1, 3]
// CHECK: %[[WT:.*]] = starch.reshape %[[SWAP]] {{.*}} -> tensor<2x3x3xf32>
// CHECK: %[[DX:.*]] = starch.conv %[[DY]], %[[WT]] strides = [1] pad_low = [3] pad_high = [5] dilations = [2] groups = 1
// CHECK-SAME: -> tensor<1x2x8xf32>
// CHECK: %[[XT:.*]] = starch.transpose %[[X]] perm = [1, 0, 2] {{.*}} -> tensor<2x1x8xf32>
// CHECK: %[[DYT:.*]] = starch.transpose %[[DY]] perm = [1, 0, 2] {{.*}} -> tensor<3x1x4xf32>
// CHECK: %[[DWT:.*]] = starch.conv %[[XT]], %[[DYT]] strides = [2] pad_low = [1] pad_high = [-1] dilations = [1] groups = 1
// CHECK-SAME: -> tensor<2x3x3xf32>
// CHECK: %[[DW:.*]] = starch.transpose %[[DWT]] perm = [1, 0, 2]
// CHECK: return %{{.*}}, %[[DX]], %[[DW]]
func.func @dilated(%x: tensor<1x2x8xf32>, %w: tensor<3x2x3xf32>) -> tensor<1x3x4xf32> {
  %y = starch.conv %x, %w strides = [1] pad_low = [1] pad_high = [-1] dilations = [2] groups = 1 {starch.layer = "encoder.layers.0"} : (tensor<1x2x8xf32>, tensor<3x2x3xf32>) -> tensor<1x3x4xf32>
  return %y : tensor<1x3x4xf32>
}

// -----

// A patch embedding (stride = kernel): d input spreads no zeros into dy. The
// filter becomes 48 = 3 channels x 4 x 4 phases of one tap each, a 1x1 conv
// computes every phase and a reshape/transpose puts the phases back in place
// (depth to space), no larger than the input. d filter reads the image at
// dilation 4.
// CHECK-LABEL: func.func @patches_grad
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8x8xf32>, %[[W:.*]]: tensor<8x3x4x4xf32>)
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<2x8x2x2xf32>
// CHECK-NOT: starch.slice
// CHECK: %[[SPLIT:.*]] = starch.reshape %[[W]] : tensor<8x3x4x4xf32> -> tensor<1x8x3x1x4x1x4xf32>
// CHECK: %[[PHASES:.*]] = starch.transpose %[[SPLIT]] perm = [0, 2, 4, 6, 1, 3, 5] : tensor<1x8x3x1x4x1x4xf32> -> tensor<1x3x4x4x8x1x1xf32>
// CHECK: %[[WT:.*]] = starch.reshape %[[PHASES]] : tensor<1x3x4x4x8x1x1xf32> -> tensor<48x8x1x1xf32>
// CHECK: %[[DEPTH:.*]] = starch.conv %[[DY]], %[[WT]] strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1
// CHECK-SAME: -> tensor<2x48x2x2xf32>
// CHECK: %[[BYPHASE:.*]] = starch.reshape %[[DEPTH]] : tensor<2x48x2x2xf32> -> tensor<2x3x4x4x2x2xf32>
// CHECK: %[[PLACED:.*]] = starch.transpose %[[BYPHASE]] perm = [0, 1, 4, 2, 5, 3] : tensor<2x3x4x4x2x2xf32> -> tensor<2x3x2x4x2x4xf32>
// CHECK: %[[DX:.*]] = starch.reshape %[[PLACED]] : tensor<2x3x2x4x2x4xf32> -> tensor<2x3x8x8xf32>
// CHECK-NOT: starch.pad
// CHECK: %[[XT:.*]] = starch.transpose %[[X]] perm = [1, 0, 2, 3]
// CHECK: %[[DYT:.*]] = starch.transpose %[[DY]] perm = [1, 0, 2, 3]
// CHECK: %[[DWT:.*]] = starch.conv %[[XT]], %[[DYT]] strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [4, 4] groups = 1
// CHECK-SAME: -> tensor<3x8x4x4xf32>
// CHECK: %[[DW:.*]] = starch.transpose %[[DWT]] perm = [1, 0, 2, 3]
// CHECK: return %{{.*}}, %[[DX]], %[[DW]]
func.func @patches(%x: tensor<2x3x8x8xf32>, %w: tensor<8x3x4x4xf32>) -> tensor<2x8x2x2xf32> {
  %y = starch.conv %x, %w strides = [4, 4] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<2x3x8x8xf32>, tensor<8x3x4x4xf32>) -> tensor<2x8x2x2xf32>
  return %y : tensor<2x8x2x2xf32>
}

// -----

// Stride 2 with a kernel of 3 and groups: the filter is zero-padded to 2 taps
// of 2 phases, the taps reversed, and the phases of each group's channels
// become that group's output channels. The rows that were padded are cropped
// at the end. Only the input needs a gradient here.
// CHECK-LABEL: func.func @depthwise_stride2_grad
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x6xf32>)
// CHECK: %[[W:.*]] = starch.constant dense<5.000000e-01> : tensor<4x1x3xf32>
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<1x4x3xf32>
// CHECK: %[[TAPS:.*]] = starch.pad %[[W]] low = [0, 0, 0] high = [0, 0, 1]
// CHECK: %[[SPLIT:.*]] = starch.reshape %[[TAPS]] : tensor<4x1x4xf32> -> tensor<4x1x1x2x2xf32>
// CHECK: %[[FLIP:.*]] = starch.slice %[[SPLIT]] start = [0, 0, 0, 1, 0] limit = [4, 1, 1, -1, 2] strides = [1, 1, 1, -1, 1]
// CHECK: %[[PHASES:.*]] = starch.transpose %[[FLIP]] perm = [0, 2, 4, 1, 3]
// CHECK: %[[WT:.*]] = starch.reshape %[[PHASES]] {{.*}} -> tensor<8x1x2xf32>
// CHECK: %[[DEPTH:.*]] = starch.conv %[[DY]], %[[WT]] strides = [1] pad_low = [1] pad_high = [1] dilations = [1] groups = 4
// CHECK-SAME: -> tensor<1x8x4xf32>
// CHECK: %[[BYPHASE:.*]] = starch.reshape %[[DEPTH]] : tensor<1x8x4xf32> -> tensor<1x4x2x4xf32>
// CHECK: %[[PLACED:.*]] = starch.transpose %[[BYPHASE]] perm = [0, 1, 3, 2]
// CHECK: %[[ROWS:.*]] = starch.reshape %[[PLACED]] : tensor<1x4x4x2xf32> -> tensor<1x4x8xf32>
// CHECK: %[[DX:.*]] = starch.pad %[[ROWS]] low = [0, 0, -1] high = [0, 0, -1] {{.*}} -> tensor<1x4x6xf32>
// CHECK-NOT: starch.conv
// CHECK: return %{{.*}}, %[[DX]]
func.func @depthwise_stride2(%x: tensor<1x4x6xf32>) -> tensor<1x4x3xf32> {
  %w = starch.constant dense<0.5> : tensor<4x1x3xf32>
  %y = starch.conv %x, %w strides = [2] pad_low = [1] pad_high = [0] dilations = [1] groups = 4 : (tensor<1x4x6xf32>, tensor<4x1x3xf32>) -> tensor<1x4x3xf32>
  return %y : tensor<1x4x3xf32>
}

// -----

// A frozen image (pixels) needs no gradient: only the filter conv is built,
// with each group's batch as its channels.
// CHECK-LABEL: func.func @frozen_input_grad
// CHECK-SAME: (%[[W:.*]]: tensor<4x2x2xf32>)
// CHECK: %[[X:.*]] = starch.constant dense<1.000000e+00> : tensor<2x4x5xf32>
// CHECK: %[[DY:.*]] = starch.constant dense<1.000000e+00> : tensor<2x4x2xf32>
// CHECK-NOT: starch.slice
// CHECK: %[[SPLIT:.*]] = starch.reshape %[[X]] : tensor<2x4x5xf32> -> tensor<2x2x2x5xf32>
// CHECK: %[[SWAP:.*]] = starch.transpose %[[SPLIT]] perm = [2, 1, 0, 3]
// CHECK: %[[XT:.*]] = starch.reshape %[[SWAP]] : tensor<2x2x2x5xf32> -> tensor<2x4x5xf32>
// CHECK: %[[DYT:.*]] = starch.transpose %[[DY]] perm = [1, 0, 2] : tensor<2x4x2xf32> -> tensor<4x2x2xf32>
// CHECK: %[[DWT:.*]] = starch.conv %[[XT]], %[[DYT]] strides = [1] pad_low = [0] pad_high = [-1] dilations = [2] groups = 2
// CHECK-SAME: -> tensor<2x4x2xf32>
// CHECK: %[[DW:.*]] = starch.transpose %[[DWT]] perm = [1, 0, 2]
// CHECK-NOT: starch.conv
// CHECK: return %{{.*}}, %[[DW]]
func.func @frozen_input(%w: tensor<4x2x2xf32>) -> tensor<2x4x2xf32> {
  %x = starch.constant dense<1.0> : tensor<2x4x5xf32>
  %y = starch.conv %x, %w strides = [2] pad_low = [0] pad_high = [0] dilations = [1] groups = 2 : (tensor<2x4x5xf32>, tensor<4x2x2xf32>) -> tensor<2x4x2xf32>
  return %y : tensor<2x4x2xf32>
}

// -----

// Without elements both gradients are zeros.
// CHECK-LABEL: func.func @empty_batch_grad
// CHECK: %[[DX:.*]] = starch.constant dense<0.000000e+00> : tensor<0x2x5xf32>
// CHECK: %[[DW:.*]] = starch.constant dense<0.000000e+00> : tensor<3x2x2xf32>
// CHECK: return %{{.*}}, %[[DX]], %[[DW]]
func.func @empty_batch(%x: tensor<0x2x5xf32>, %w: tensor<3x2x2xf32>) -> tensor<0x3x4xf32> {
  %y = starch.conv %x, %w strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 1 : (tensor<0x2x5xf32>, tensor<3x2x2xf32>) -> tensor<0x3x4xf32>
  return %y : tensor<0x3x4xf32>
}
