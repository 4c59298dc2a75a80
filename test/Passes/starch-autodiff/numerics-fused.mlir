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

// Grouped-query attention (2 query heads per key/value head), every mask.
func.func @attention_full_gqa(%q: tensor<1x2x2x2xf64>, %k: tensor<1x1x3x2xf64>, %v: tensor<1x1x3x2xf64>) -> tensor<1x2x2x2xf64> {
  %a = starch.attention %q, %k, %v mask = full scale = 0.7 : (tensor<1x2x2x2xf64>, tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64>) -> tensor<1x2x2x2xf64>
  %i = starch.iota dim = 3 : tensor<1x2x2x2xf64>
  %y = starch.mul %a, %a : tensor<1x2x2x2xf64>
  %z = starch.mul %y, %i : tensor<1x2x2x2xf64>
  %w = starch.add %z, %a : tensor<1x2x2x2xf64>
  return %w : tensor<1x2x2x2xf64>
}

func.func @attention_causal(%q: tensor<1x1x3x2xf64>, %k: tensor<1x1x3x2xf64>, %v: tensor<1x1x3x2xf64>) -> tensor<1x1x3x2xf64> {
  %a = starch.attention %q, %k, %v mask = causal scale = 0.5 : (tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64>) -> tensor<1x1x3x2xf64>
  %y = starch.mul %a, %a : tensor<1x1x3x2xf64>
  return %y : tensor<1x1x3x2xf64>
}

func.func @attention_additive(%q: tensor<1x2x2x2xf64>, %k: tensor<1x2x3x2xf64>, %v: tensor<1x2x3x2xf64>, %bias: tensor<1x1x2x3xf64>) -> tensor<1x2x2x2xf64> {
  %a = starch.attention %q, %k, %v bias %bias mask = additive scale = 0.7 : (tensor<1x2x2x2xf64>, tensor<1x2x3x2xf64>, tensor<1x2x3x2xf64>, tensor<1x1x2x3xf64>) -> tensor<1x2x2x2xf64>
  %y = starch.mul %a, %a : tensor<1x2x2x2xf64>
  return %y : tensor<1x2x2x2xf64>
}
