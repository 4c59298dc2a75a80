// Round trip of starch.resize and starch.resize_grad, in the custom and in
// the generic form; the scales keep every digit (0.6 of a float32 scale).
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @resize
// CHECK: %[[Y:.*]] = starch.resize %{{.*}} mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -7.500000e-01 scales = [1.0, 1.0, 1.75, 1.5] : tensor<1x3x4x4xf32> -> tensor<1x3x7x6xf32>
// CHECK: starch.resize %{{.*}} mode = nearest coordinates = tf_half_pixel_for_nn nearest = ceil cubic_coeff_a = -7.500000e-01 exclude_outside scales = [1.0, 0.60000002384185791] : tensor<2x5xf32> -> tensor<2x3xf32>
// CHECK: starch.resize_grad %[[Y]] mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -7.500000e-01 scales = [1.0, 1.0, 1.75, 1.5] : tensor<1x3x7x6xf32> -> tensor<1x3x4x4xf32>
func.func @resize(%x: tensor<1x3x4x4xf32>, %v: tensor<2x5xf32>) -> (tensor<1x3x7x6xf32>, tensor<2x3xf32>, tensor<1x3x4x4xf32>) {
  %y = starch.resize %x mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -0.75 scales = [1.0, 1.0, 1.75, 1.5] : tensor<1x3x4x4xf32> -> tensor<1x3x7x6xf32>
  %n = starch.resize %v mode = nearest coordinates = tf_half_pixel_for_nn nearest = ceil cubic_coeff_a = -0.75 exclude_outside scales = [1.0, 0.60000002384185791] : tensor<2x5xf32> -> tensor<2x3xf32>
  %d = starch.resize_grad %y mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -0.75 scales = [1.0, 1.0, 1.75, 1.5] : tensor<1x3x7x6xf32> -> tensor<1x3x4x4xf32>
  return %y, %n, %d : tensor<1x3x7x6xf32>, tensor<2x3xf32>, tensor<1x3x4x4xf32>
}
