// Gradients of starch.conv (input and filter) against central finite
// differences in f64 (h 1e-6, rtol 1e-5, atol 1e-7): strides, dilations,
// asymmetric and negative padding, groups and depthwise filters in 1-D, 2-D
// and 3-D. Each function squares the conv so that the cotangent differs per
// output element and a misplaced one shows, after scaling it by 1/8 to keep
// the sum, and with it the rounding error of the differences, small.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

// Stride 2 with asymmetric padding; the last padded position is never read
// (padded size 10, windows at 0, 2, 4, 6 of size 3).
func.func @conv1d_stride2_asymmetric_pad(%x: tensor<1x2x7xf64>, %w: tensor<3x2x3xf64>) -> tensor<1x3x4xf64> {
  %y = starch.conv %x, %w strides = [2] pad_low = [1] pad_high = [2] dilations = [1] groups = 1 : (tensor<1x2x7xf64>, tensor<3x2x3xf64>) -> tensor<1x3x4xf64>
  %c = starch.constant dense<0.125> : tensor<1x3x4xf64>
  %s = starch.mul %y, %c : tensor<1x3x4xf64>
  %z = starch.mul %s, %s : tensor<1x3x4xf64>
  return %z : tensor<1x3x4xf64>
}

// Dilation 2 with a crop at the start and padding at the end, batch 2.
func.func @conv1d_dilation2_negative_pad(%x: tensor<2x2x8xf64>, %w: tensor<2x2x3xf64>) -> tensor<2x2x4xf64> {
  %y = starch.conv %x, %w strides = [1] pad_low = [-1] pad_high = [1] dilations = [2] groups = 1 : (tensor<2x2x8xf64>, tensor<2x2x3xf64>) -> tensor<2x2x4xf64>
  %c = starch.constant dense<0.125> : tensor<2x2x4xf64>
  %s = starch.mul %y, %c : tensor<2x2x4xf64>
  %z = starch.mul %s, %s : tensor<2x2x4xf64>
  return %z : tensor<2x2x4xf64>
}

// Stride 3 after cropping one element on each side: positions 0 and 9 of the
// input and the unreached tail get no gradient.
func.func @conv1d_stride3_crop_both(%x: tensor<1x1x11xf64>, %w: tensor<2x1x2xf64>) -> tensor<1x2x3xf64> {
  %y = starch.conv %x, %w strides = [3] pad_low = [-1] pad_high = [-1] dilations = [1] groups = 1 : (tensor<1x1x11xf64>, tensor<2x1x2xf64>) -> tensor<1x2x3xf64>
  %c = starch.constant dense<0.125> : tensor<1x2x3xf64>
  %s = starch.mul %y, %c : tensor<1x2x3xf64>
  %z = starch.mul %s, %s : tensor<1x2x3xf64>
  return %z : tensor<1x2x3xf64>
}

// Stride and dilation together, larger than the kernel (windows overlap
// neither themselves nor each other), two groups of two channels.
func.func @conv1d_stride2_dilation3_groups2(%x: tensor<2x4x9xf64>, %w: tensor<4x2x2xf64>) -> tensor<2x4x4xf64> {
  %y = starch.conv %x, %w strides = [2] pad_low = [0] pad_high = [1] dilations = [3] groups = 2 : (tensor<2x4x9xf64>, tensor<4x2x2xf64>) -> tensor<2x4x4xf64>
  %c = starch.constant dense<0.125> : tensor<2x4x4xf64>
  %s = starch.mul %y, %c : tensor<2x4x4xf64>
  %z = starch.mul %s, %s : tensor<2x4x4xf64>
  return %z : tensor<2x4x4xf64>
}

// Whisper's front-end shape in miniature: kernel 3, padding 1, stride 2.
func.func @conv1d_whisper_stride2(%x: tensor<1x3x6xf64>, %w: tensor<2x3x3xf64>) -> tensor<1x2x3xf64> {
  %y = starch.conv %x, %w strides = [2] pad_low = [1] pad_high = [1] dilations = [1] groups = 1 : (tensor<1x3x6xf64>, tensor<2x3x3xf64>) -> tensor<1x2x3xf64>
  %c = starch.constant dense<0.125> : tensor<1x2x3xf64>
  %s = starch.mul %y, %c : tensor<1x2x3xf64>
  %z = starch.mul %s, %s : tensor<1x2x3xf64>
  return %z : tensor<1x2x3xf64>
}

// A CLIP/SigLIP patch embedding in miniature: stride = kernel, no padding.
func.func @conv2d_patches(%x: tensor<1x3x4x4xf64>, %w: tensor<2x3x2x2xf64>) -> tensor<1x2x2x2xf64> {
  %y = starch.conv %x, %w strides = [2, 2] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x3x4x4xf64>, tensor<2x3x2x2xf64>) -> tensor<1x2x2x2xf64>
  %c = starch.constant dense<0.125> : tensor<1x2x2x2xf64>
  %s = starch.mul %y, %c : tensor<1x2x2x2xf64>
  %z = starch.mul %s, %s : tensor<1x2x2x2xf64>
  return %z : tensor<1x2x2x2xf64>
}

// Stride 2 in one dimension and dilation 2 in the other, asymmetric and
// negative padding, groups 2 with two output channels per group.
func.func @conv2d_groups2_mixed(%x: tensor<1x4x5x7xf64>, %w: tensor<4x2x2x3xf64>) -> tensor<1x4x3x2xf64> {
  %y = starch.conv %x, %w strides = [2, 1] pad_low = [1, 0] pad_high = [0, -1] dilations = [1, 2] groups = 2 : (tensor<1x4x5x7xf64>, tensor<4x2x2x3xf64>) -> tensor<1x4x3x2xf64>
  %c = starch.constant dense<0.125> : tensor<1x4x3x2xf64>
  %s = starch.mul %y, %c : tensor<1x4x3x2xf64>
  %z = starch.mul %s, %s : tensor<1x4x3x2xf64>
  return %z : tensor<1x4x3x2xf64>
}

// Depthwise (groups = channels), stride 2, batch 2, asymmetric padding.
func.func @conv2d_depthwise_stride2(%x: tensor<2x3x4x4xf64>, %w: tensor<3x1x3x3xf64>) -> tensor<2x3x2x2xf64> {
  %y = starch.conv %x, %w strides = [2, 2] pad_low = [1, 1] pad_high = [1, 0] dilations = [1, 1] groups = 3 : (tensor<2x3x4x4xf64>, tensor<3x1x3x3xf64>) -> tensor<2x3x2x2xf64>
  %c = starch.constant dense<0.125> : tensor<2x3x2x2xf64>
  %s = starch.mul %y, %c : tensor<2x3x2x2xf64>
  %z = starch.mul %s, %s : tensor<2x3x2x2xf64>
  return %z : tensor<2x3x2x2xf64>
}

// Depthwise with a channel multiplier of 2, dilation 2.
func.func @conv2d_depthwise_multiplier(%x: tensor<1x2x5x5xf64>, %w: tensor<4x1x2x2xf64>) -> tensor<1x4x3x3xf64> {
  %y = starch.conv %x, %w strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [2, 2] groups = 2 : (tensor<1x2x5x5xf64>, tensor<4x1x2x2xf64>) -> tensor<1x4x3x3xf64>
  %c = starch.constant dense<0.125> : tensor<1x4x3x3xf64>
  %s = starch.mul %y, %c : tensor<1x4x3x3xf64>
  %z = starch.mul %s, %s : tensor<1x4x3x3xf64>
  return %z : tensor<1x4x3x3xf64>
}

// 3-D, groups 2, a different stride, dilation and padding per dimension.
func.func @conv3d_groups2(%x: tensor<1x2x4x4x5xf64>, %w: tensor<2x1x2x2x2xf64>) -> tensor<1x2x2x2x2xf64> {
  %y = starch.conv %x, %w strides = [1, 2, 2] pad_low = [0, 1, -1] pad_high = [0, 0, 0] dilations = [2, 1, 1] groups = 2 : (tensor<1x2x4x4x5xf64>, tensor<2x1x2x2x2xf64>) -> tensor<1x2x2x2x2xf64>
  %c = starch.constant dense<0.125> : tensor<1x2x2x2x2xf64>
  %s = starch.mul %y, %c : tensor<1x2x2x2x2xf64>
  %z = starch.mul %s, %s : tensor<1x2x2x2x2xf64>
  return %z : tensor<1x2x2x2x2xf64>
}

// Cropping the whole input away: every window reads padding, so both
// gradients are zero (the stride-2 rows of the input gradient start past
// the input).
func.func @conv1d_reads_only_padding(%x: tensor<1x1x3xf64>, %w: tensor<1x1x2xf64>) -> tensor<1x1x2xf64> {
  %y = starch.conv %x, %w strides = [2] pad_low = [-3] pad_high = [4] dilations = [1] groups = 1 : (tensor<1x1x3xf64>, tensor<1x1x2xf64>) -> tensor<1x1x2xf64>
  %c = starch.constant dense<0.125> : tensor<1x1x2xf64>
  %s = starch.mul %y, %c : tensor<1x1x2xf64>
  %z = starch.mul %s, %s : tensor<1x1x2xf64>
  return %z : tensor<1x1x2xf64>
}
