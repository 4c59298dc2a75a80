// Gradients of starch.resize against central finite differences in f64 (h
// 1e-6, rtol 1e-5, atol 1e-7): nearest, linear and cubic, up and down,
// every coordinate transformation, edge taps clamped and excluded. Each
// function squares the resize (scaled by 1/4) so the cotangent differs per
// output element and a misplaced one shows.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

// A position-embedding grid 3x3 -> 5x5, bicubic as PyTorch's interpolate
// (A = -0.75, half_pixel): every tap near the border reads the edge.
func.func @cubic_up_half_pixel(%x: tensor<1x2x3x3xf64>) -> tensor<1x2x5x5xf64> {
  %y = starch.resize %x mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -7.5e-01 scales = [1.0, 1.0, 1.6666666666666667, 1.6666666666666667] : tensor<1x2x3x3xf64> -> tensor<1x2x5x5xf64>
  %c = starch.constant dense<0.25> : tensor<1x2x5x5xf64>
  %s = starch.mul %y, %c : tensor<1x2x5x5xf64>
  %z = starch.mul %s, %s : tensor<1x2x5x5xf64>
  return %z : tensor<1x2x5x5xf64>
}

// Downsampling 6 -> 4 with taps outside the input excluded (A = -0.5).
func.func @cubic_down_exclude_outside(%x: tensor<2x6xf64>) -> tensor<2x4xf64> {
  %y = starch.resize %x mode = cubic coordinates = pytorch_half_pixel nearest = round_prefer_floor cubic_coeff_a = -5.0e-01 exclude_outside scales = [1.0, 0.66666666666666663] : tensor<2x6xf64> -> tensor<2x4xf64>
  %c = starch.constant dense<0.25> : tensor<2x4xf64>
  %s = starch.mul %y, %c : tensor<2x4xf64>
  %z = starch.mul %s, %s : tensor<2x4xf64>
  return %z : tensor<2x4xf64>
}

// Bilinear with aligned corners, both dimensions of a 4x3 map.
func.func @linear_align_corners(%x: tensor<1x1x4x3xf64>) -> tensor<1x1x7x5xf64> {
  %y = starch.resize %x mode = linear coordinates = align_corners nearest = round_prefer_floor cubic_coeff_a = -7.5e-01 scales = [1.0, 1.0, 1.75, 1.6666666666666667] : tensor<1x1x4x3xf64> -> tensor<1x1x7x5xf64>
  %c = starch.constant dense<0.25> : tensor<1x1x7x5xf64>
  %s = starch.mul %y, %c : tensor<1x1x7x5xf64>
  %z = starch.mul %s, %s : tensor<1x1x7x5xf64>
  return %z : tensor<1x1x7x5xf64>
}

// Nearest, upsampling asymmetric with round_prefer_ceil: several outputs
// copy one input, whose gradient sums them; one input none.
func.func @nearest_asymmetric(%x: tensor<3x5xf64>) -> tensor<3x3xf64> {
  %y = starch.resize %x mode = nearest coordinates = asymmetric nearest = round_prefer_ceil cubic_coeff_a = -7.5e-01 scales = [1.0, 0.6] : tensor<3x5xf64> -> tensor<3x3xf64>
  %c = starch.constant dense<0.25> : tensor<3x3xf64>
  %s = starch.mul %y, %c : tensor<3x3xf64>
  %z = starch.mul %s, %s : tensor<3x3xf64>
  return %z : tensor<3x3xf64>
}
