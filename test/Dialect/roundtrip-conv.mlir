// Round trip of starch.conv, in the custom and in the generic form: 1-d, 2-d
// and 3-d windows, strides, padding (negative pads crop), dilations, groups,
// a zero-size batch and low precision.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// CLIP's patch embedding: 8x8 patches with stride 8, no padding.
// CHECK-LABEL: func.func @patch_embedding
// CHECK-SAME: (%[[IMG:.*]]: tensor<1x3x32x32xf32>, %[[W:.*]]: tensor<64x3x8x8xf32>)
// CHECK: %[[P:.*]] = starch.conv %[[IMG]], %[[W]] strides = [8, 8] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x3x32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<1x64x4x4xf32>
// CHECK: return %[[P]]
func.func @patch_embedding(%img: tensor<1x3x32x32xf32>, %w: tensor<64x3x8x8xf32>) -> tensor<1x64x4x4xf32> {
  %p = starch.conv %img, %w strides = [8, 8] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x3x32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<1x64x4x4xf32>
  return %p : tensor<1x64x4x4xf32>
}

// -----

// Whisper's audio stem: two 1-d convolutions with padding 1, the second with
// stride 2 (a partial last window is dropped).
// CHECK-LABEL: func.func @whisper_stem
// CHECK-SAME: (%[[MEL:.*]]: tensor<1x80x100xf32>, %[[W1:.*]]: tensor<32x80x3xf32>, %[[W2:.*]]: tensor<32x32x3xf32>)
// CHECK: %[[C1:.*]] = starch.conv %[[MEL]], %[[W1]] strides = [1] pad_low = [1] pad_high = [1] dilations = [1] groups = 1 : (tensor<1x80x100xf32>, tensor<32x80x3xf32>) -> tensor<1x32x100xf32>
// CHECK: %[[C2:.*]] = starch.conv %[[C1]], %[[W2]] strides = [2] pad_low = [1] pad_high = [1] dilations = [1] groups = 1 : (tensor<1x32x100xf32>, tensor<32x32x3xf32>) -> tensor<1x32x50xf32>
// CHECK: return %[[C2]]
func.func @whisper_stem(%mel: tensor<1x80x100xf32>, %w1: tensor<32x80x3xf32>, %w2: tensor<32x32x3xf32>) -> tensor<1x32x50xf32> {
  %c1 = starch.conv %mel, %w1 strides = [1] pad_low = [1] pad_high = [1] dilations = [1] groups = 1 : (tensor<1x80x100xf32>, tensor<32x80x3xf32>) -> tensor<1x32x100xf32>
  %c2 = starch.conv %c1, %w2 strides = [2] pad_low = [1] pad_high = [1] dilations = [1] groups = 1 : (tensor<1x32x100xf32>, tensor<32x32x3xf32>) -> tensor<1x32x50xf32>
  return %c2 : tensor<1x32x50xf32>
}

// -----

// Dilations, per-dimension strides, and negative pads that crop the input.
// CHECK-LABEL: func.func @windows
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x10x10xf32>, %[[D:.*]]: tensor<8x4x3x3xf32>, %[[Y:.*]]: tensor<1x2x7x9xf32>, %[[S:.*]]: tensor<3x2x2x3xf32>, %[[Z:.*]]: tensor<1x1x8x8xf32>, %[[C:.*]]: tensor<2x1x3x3xf32>)
// CHECK: %[[DIL:.*]] = starch.conv %[[X]], %[[D]] strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [2, 2] groups = 1 : (tensor<2x4x10x10xf32>, tensor<8x4x3x3xf32>) -> tensor<2x8x6x6xf32>
// CHECK: %[[STR:.*]] = starch.conv %[[Y]], %[[S]] strides = [2, 3] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x2x7x9xf32>, tensor<3x2x2x3xf32>) -> tensor<1x3x3x3xf32>
// CHECK: %[[CROP:.*]] = starch.conv %[[Z]], %[[C]] strides = [1, 1] pad_low = [-1, 0] pad_high = [-1, 2] dilations = [1, 1] groups = 1 : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x8xf32>
// CHECK: return %[[DIL]], %[[STR]], %[[CROP]]
func.func @windows(%x: tensor<2x4x10x10xf32>, %d: tensor<8x4x3x3xf32>, %y: tensor<1x2x7x9xf32>, %s: tensor<3x2x2x3xf32>, %z: tensor<1x1x8x8xf32>, %c: tensor<2x1x3x3xf32>) -> (tensor<2x8x6x6xf32>, tensor<1x3x3x3xf32>, tensor<1x2x4x8xf32>) {
  %dil = starch.conv %x, %d strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [2, 2] groups = 1 : (tensor<2x4x10x10xf32>, tensor<8x4x3x3xf32>) -> tensor<2x8x6x6xf32>
  %str = starch.conv %y, %s strides = [2, 3] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x2x7x9xf32>, tensor<3x2x2x3xf32>) -> tensor<1x3x3x3xf32>
  %crop = starch.conv %z, %c strides = [1, 1] pad_low = [-1, 0] pad_high = [-1, 2] dilations = [1, 1] groups = 1 : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x8xf32>
  return %dil, %str, %crop : tensor<2x8x6x6xf32>, tensor<1x3x3x3xf32>, tensor<1x2x4x8xf32>
}

// -----

// Depthwise (groups = channels) and grouped convolutions.
// CHECK-LABEL: func.func @groups
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x6x6xf32>, %[[DW:.*]]: tensor<4x1x3x3xf32>, %[[Y:.*]]: tensor<1x4x5xf32>, %[[G:.*]]: tensor<6x2x3xf32>)
// CHECK: %[[DEPTH:.*]] = starch.conv %[[X]], %[[DW]] strides = [1, 1] pad_low = [1, 1] pad_high = [1, 1] dilations = [1, 1] groups = 4 : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
// CHECK: %[[GROUPED:.*]] = starch.conv %[[Y]], %[[G]] strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 2 : (tensor<1x4x5xf32>, tensor<6x2x3xf32>) -> tensor<1x6x3xf32>
// CHECK: return %[[DEPTH]], %[[GROUPED]]
func.func @groups(%x: tensor<1x4x6x6xf32>, %dw: tensor<4x1x3x3xf32>, %y: tensor<1x4x5xf32>, %g: tensor<6x2x3xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x6x3xf32>) {
  %depth = starch.conv %x, %dw strides = [1, 1] pad_low = [1, 1] pad_high = [1, 1] dilations = [1, 1] groups = 4 : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  %grouped = starch.conv %y, %g strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 2 : (tensor<1x4x5xf32>, tensor<6x2x3xf32>) -> tensor<1x6x3xf32>
  return %depth, %grouped : tensor<1x4x6x6xf32>, tensor<1x6x3xf32>
}

// -----

// A 3-d window, a zero-size batch and bf16 operands.
// CHECK-LABEL: func.func @edges
// CHECK-SAME: (%[[V:.*]]: tensor<1x2x4x4x4xf32>, %[[K:.*]]: tensor<2x2x2x2x2xf32>, %[[E:.*]]: tensor<0x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[H:.*]]: tensor<2x8x16xbf16>, %[[HW:.*]]: tensor<8x8x1xbf16>)
// CHECK: %[[VOL:.*]] = starch.conv %[[V]], %[[K]] strides = [1, 1, 1] pad_low = [0, 0, 0] pad_high = [0, 0, 0] dilations = [1, 1, 1] groups = 1 : (tensor<1x2x4x4x4xf32>, tensor<2x2x2x2x2xf32>) -> tensor<1x2x3x3x3xf32>
// CHECK: %[[EMPTY:.*]] = starch.conv %[[E]], %[[W]] strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<0x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<0x4x6x6xf32>
// CHECK: %[[LOW:.*]] = starch.conv %[[H]], %[[HW]] strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 1 {starch.layer = "encoder.layers.0"} : (tensor<2x8x16xbf16>, tensor<8x8x1xbf16>) -> tensor<2x8x16xbf16>
// CHECK: return %[[VOL]], %[[EMPTY]], %[[LOW]]
func.func @edges(%v: tensor<1x2x4x4x4xf32>, %k: tensor<2x2x2x2x2xf32>, %e: tensor<0x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %h: tensor<2x8x16xbf16>, %hw: tensor<8x8x1xbf16>) -> (tensor<1x2x3x3x3xf32>, tensor<0x4x6x6xf32>, tensor<2x8x16xbf16>) {
  %vol = starch.conv %v, %k strides = [1, 1, 1] pad_low = [0, 0, 0] pad_high = [0, 0, 0] dilations = [1, 1, 1] groups = 1 : (tensor<1x2x4x4x4xf32>, tensor<2x2x2x2x2xf32>) -> tensor<1x2x3x3x3xf32>
  %empty = starch.conv %e, %w strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<0x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<0x4x6x6xf32>
  %low = starch.conv %h, %hw strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 1 {starch.layer = "encoder.layers.0"} : (tensor<2x8x16xbf16>, tensor<8x8x1xbf16>) -> tensor<2x8x16xbf16>
  return %vol, %empty, %low : tensor<1x2x3x3x3xf32>, tensor<0x4x6x6xf32>, tensor<2x8x16xbf16>
}
