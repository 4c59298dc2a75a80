// RUN: starch-opt %s -split-input-file -verify-diagnostics

func.func @resize_rank(%x: tensor<2x4xf32>) -> tensor<8xf32> {
  // expected-error @below {{'starch.resize' op resizes 2x4 to 8: the ranks differ}}
  %0 = starch.resize %x mode = linear coordinates = half_pixel nearest = floor cubic_coeff_a = -0.75 scales = [1.0, 2.0] : tensor<2x4xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_scale_count(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @below {{'starch.resize' op has 1 scales for rank 2}}
  %0 = starch.resize %x mode = linear coordinates = half_pixel nearest = floor cubic_coeff_a = -0.75 scales = [2.0] : tensor<2x4xf32> -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @resize_zero_scale(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @below {{'starch.resize' op scale 0 must be positive and finite}}
  %0 = starch.resize %x mode = linear coordinates = half_pixel nearest = floor cubic_coeff_a = -0.75 scales = [1.0, 0.0] : tensor<2x4xf32> -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @resize_grad_types(%d: tensor<2x8xf32>) -> tensor<2x4xf64> {
  // expected-error @below {{'starch.resize_grad' op input and result element types differ}}
  %0 = starch.resize_grad %d mode = linear coordinates = half_pixel nearest = floor cubic_coeff_a = -0.75 scales = [1.0, 2.0] : tensor<2x8xf32> -> tensor<2x4xf64>
  return %0 : tensor<2x4xf64>
}
