// Gradients of the data-movement ops against central finite differences in
// f64 (h 1e-6, rtol 1e-5, atol 1e-7). Each function weights its result with
// a non-uniform constant so that a misplaced cotangent shows.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

func.func @broadcast_new_and_unit_dims(%x: tensor<3x1xf64>) -> tensor<2x3x4xf64> {
  %b = starch.broadcast %x dims = [1, 2] : tensor<3x1xf64> -> tensor<2x3x4xf64>
  %i = starch.iota dim = 2 : tensor<2x3x4xf64>
  %y = starch.mul %b, %i : tensor<2x3x4xf64>
  %z = starch.mul %y, %b : tensor<2x3x4xf64>
  return %z : tensor<2x3x4xf64>
}

func.func @reshape_transpose(%x: tensor<2x6xf64>) -> tensor<3x2x2xf64> {
  %r = starch.reshape %x : tensor<2x6xf64> -> tensor<2x3x2xf64>
  %t = starch.transpose %r perm = [1, 2, 0] : tensor<2x3x2xf64> -> tensor<3x2x2xf64>
  %i = starch.iota dim = 0 : tensor<3x2x2xf64>
  %y = starch.mul %t, %t : tensor<3x2x2xf64>
  %z = starch.mul %y, %i : tensor<3x2x2xf64>
  return %z : tensor<3x2x2xf64>
}

func.func @concat_slice(%x: tensor<2x3xf64>, %y: tensor<2x2xf64>) -> tensor<2x3xf64> {
  %c = starch.concat %x, %y axis = 1 : (tensor<2x3xf64>, tensor<2x2xf64>) -> tensor<2x5xf64>
  %s = starch.slice %c start = [0, 1] limit = [2, 4] strides = [1, 1] : tensor<2x5xf64> -> tensor<2x3xf64>
  %i = starch.iota dim = 1 : tensor<2x3xf64>
  %y2 = starch.mul %s, %s : tensor<2x3xf64>
  %z = starch.mul %y2, %i : tensor<2x3xf64>
  return %z : tensor<2x3xf64>
}

func.func @pad_and_crop(%x: tensor<2x4xf64>) -> tensor<4x3xf64> {
  %p = starch.pad %x low = [1, -1] high = [1, 0] value = 0.5 : tensor<2x4xf64> -> tensor<4x3xf64>
  %i = starch.iota dim = 1 : tensor<4x3xf64>
  %y = starch.mul %p, %p : tensor<4x3xf64>
  %z = starch.mul %y, %i : tensor<4x3xf64>
  return %z : tensor<4x3xf64>
}

// Embedding lookup (axis 0) with a repeated and a negative index, and a
// gather along an inner axis: cotangents of repeated rows add up.
func.func @gather_embedding(%table: tensor<4x3xf64>) -> tensor<2x2x3xf64> {
  %ids = starch.constant dense<[[1, 3], [-1, 0]]> : tensor<2x2xi64>
  %e = starch.gather %table[%ids] axis = 0 : (tensor<4x3xf64>, tensor<2x2xi64>) -> tensor<2x2x3xf64>
  %i = starch.iota dim = 2 : tensor<2x2x3xf64>
  %y = starch.mul %e, %e : tensor<2x2x3xf64>
  %z = starch.mul %y, %i : tensor<2x2x3xf64>
  return %z : tensor<2x2x3xf64>
}

func.func @gather_inner_axis(%x: tensor<2x4x3xf64>) -> tensor<2x3x3xf64> {
  %ids = starch.constant dense<[2, 0, 2]> : tensor<3xi32>
  %g = starch.gather %x[%ids] axis = 1 : (tensor<2x4x3xf64>, tensor<3xi32>) -> tensor<2x3x3xf64>
  %i = starch.iota dim = 1 : tensor<2x3x3xf64>
  %y = starch.mul %g, %g : tensor<2x3x3xf64>
  %z = starch.mul %y, %i : tensor<2x3x3xf64>
  return %z : tensor<2x3x3xf64>
}
