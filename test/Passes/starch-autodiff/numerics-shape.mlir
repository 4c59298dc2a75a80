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

// Strided slices scatter the cotangent back to the positions they took:
// stride 2 ending exactly at the input's end and stride 3 whose spread
// overhangs it (0, 3, 6 of 7).
func.func @slice_stride2_stride3(%x: tensor<7xf64>) -> tensor<6xf64> {
  %a = starch.slice %x start = [1] limit = [7] strides = [2] : tensor<7xf64> -> tensor<3xf64>
  %b = starch.slice %x start = [0] limit = [7] strides = [3] : tensor<7xf64> -> tensor<3xf64>
  %c = starch.concat %a, %b axis = 0 : (tensor<3xf64>, tensor<3xf64>) -> tensor<6xf64>
  %i = starch.iota dim = 0 : tensor<6xf64>
  %y = starch.mul %c, %c : tensor<6xf64>
  %z = starch.mul %y, %i : tensor<6xf64>
  return %z : tensor<6xf64>
}

// Backwards by 2 on one dimension and forwards by 3 on the other.
func.func @slice_backwards2_forwards3(%x: tensor<5x7xf64>) -> tensor<3x2xf64> {
  %s = starch.slice %x start = [4, 1] limit = [-1, 7] strides = [-2, 3] : tensor<5x7xf64> -> tensor<3x2xf64>
  %i = starch.iota dim = 1 : tensor<3x2xf64>
  %j = starch.iota dim = 0 : tensor<3x2xf64>
  %k = starch.add %i, %j : tensor<3x2xf64>
  %y = starch.mul %s, %s : tensor<3x2xf64>
  %z = starch.mul %y, %k : tensor<3x2xf64>
  return %z : tensor<3x2xf64>
}

// Three dimensions: unit stride, a reversal (-1) not reaching index 0, and
// -3 starting at the last element; the input is also used directly.
func.func @slice_reverse_3d(%x: tensor<3x4x5xf64>) -> tensor<3x3x2xf64> {
  %s = starch.slice %x start = [0, 3, 4] limit = [3, 0, 0] strides = [1, -1, -3] : tensor<3x4x5xf64> -> tensor<3x3x2xf64>
  %i = starch.iota dim = 1 : tensor<3x3x2xf64>
  %y = starch.mul %s, %i : tensor<3x3x2xf64>
  %t = starch.slice %x start = [0, 0, 0] limit = [3, 3, 2] strides = [1, 1, 1] : tensor<3x4x5xf64> -> tensor<3x3x2xf64>
  %z = starch.mul %y, %t : tensor<3x3x2xf64>
  return %z : tensor<3x3x2xf64>
}

// Strides 2 on two dimensions with offsets, -2 on a third; a stride larger
// than the dimension that takes one element.
func.func @slice_strided_everywhere(%x: tensor<4x5x4x2xf64>) -> tensor<2x3x2x1xf64> {
  %s = starch.slice %x start = [1, 0, 3, 1] limit = [4, 5, -1, 2] strides = [2, 2, -2, 5] : tensor<4x5x4x2xf64> -> tensor<2x3x2x1xf64>
  %i = starch.iota dim = 1 : tensor<2x3x2x1xf64>
  %y = starch.mul %s, %s : tensor<2x3x2x1xf64>
  %z = starch.mul %y, %i : tensor<2x3x2x1xf64>
  return %z : tensor<2x3x2x1xf64>
}
