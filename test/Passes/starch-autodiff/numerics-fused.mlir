// Gradients of the fused ops against central finite differences in f64
// (h 1e-6, rtol 1e-5, atol 1e-7), for every operand.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

func.func @rms_norm(%x: tensor<2x2x4xf64>, %w: tensor<4xf64>) -> tensor<2x2x4xf64> {
  %n = starch.rms_norm %x, %w epsilon = 1.0e-5 : (tensor<2x2x4xf64>, tensor<4xf64>) -> tensor<2x2x4xf64>
  %i = starch.iota dim = 2 : tensor<2x2x4xf64>
  %y = starch.mul %n, %i : tensor<2x2x4xf64>
  return %y : tensor<2x2x4xf64>
}

func.func @layer_norm(%x: tensor<2x2x3xf64>, %w: tensor<2x3xf64>, %b: tensor<2x3xf64>) -> tensor<2x2x3xf64> {
  %n = starch.layer_norm %x, %w, %b axis = 1 epsilon = 1.0e-5 : (tensor<2x2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x2x3xf64>
  %i = starch.iota dim = 2 : tensor<2x2x3xf64>
  %y = starch.mul %n, %n : tensor<2x2x3xf64>
  %z = starch.mul %y, %i : tensor<2x2x3xf64>
  return %z : tensor<2x2x3xf64>
}

func.func @rope(%x: tensor<1x2x3x4xf64>, %cos: tensor<1x3x4xf64>, %sin: tensor<1x3x4xf64>) -> tensor<1x2x3x4xf64> {
  %r = starch.rope %x, %cos, %sin : (tensor<1x2x3x4xf64>, tensor<1x3x4xf64>, tensor<1x3x4xf64>) -> tensor<1x2x3x4xf64>
  %i = starch.iota dim = 3 : tensor<1x2x3x4xf64>
  %y = starch.mul %r, %i : tensor<1x2x3x4xf64>
  return %y : tensor<1x2x3x4xf64>
}
