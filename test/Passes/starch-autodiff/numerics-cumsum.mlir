// Gradients of starch.cumsum in f32 against central finite differences,
// along every axis of a rank-3 tensor with each combination of exclusive and
// reverse (the rule is a cumsum of the cotangent the other way round). Each
// loss squares the prefix sums, so the gradient 2 * revcumsum(y) differs
// with the direction and the flags; central differences of a quadratic are
// exact, and h = 0.05 keeps the f32 rounding of the loss (about 1e-5 of it)
// below the tolerance.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 5e-2 --rtol 1e-3 --atol 2e-3 %s | FileCheck %s
// CHECK: all gradients match

func.func @cumsum_axis0(%x: tensor<3x2x4xf32>) -> tensor<3x2x4xf32> {
  %c = starch.cumsum %x axis = 0 : tensor<3x2x4xf32>
  %y = starch.mul %c, %c : tensor<3x2x4xf32>
  return %y : tensor<3x2x4xf32>
}

func.func @cumsum_axis1_exclusive(%x: tensor<2x4x3xf32>) -> tensor<2x4x3xf32> {
  %c = starch.cumsum %x axis = 1 exclusive : tensor<2x4x3xf32>
  %y = starch.mul %c, %c : tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}

func.func @cumsum_axis2_reverse(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %c = starch.cumsum %x axis = 2 reverse : tensor<2x3x4xf32>
  %y = starch.mul %c, %c : tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

func.func @cumsum_axis0_exclusive_reverse(%x: tensor<4x2x3xf32>) -> tensor<4x2x3xf32> {
  %c = starch.cumsum %x axis = 0 exclusive reverse : tensor<4x2x3xf32>
  %y = starch.mul %c, %c : tensor<4x2x3xf32>
  return %y : tensor<4x2x3xf32>
}

// Two cumsums in a row along different axes, weighted by position so that
// equal cotangents cannot hide a wrong direction.
func.func @cumsum_chain(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %a = starch.cumsum %x axis = 1 exclusive : tensor<3x4xf32>
  %b = starch.cumsum %a axis = 0 reverse : tensor<3x4xf32>
  %i = starch.iota dim = 1 : tensor<3x4xf32>
  %w = starch.mul %b, %i : tensor<3x4xf32>
  %y = starch.mul %w, %b : tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
