// Shape and data movement ops.
// RUN: starch-run %s --function=broadcast_transpose --print | FileCheck %s --check-prefix=BT
// RUN: starch-run %s --function=slice_pad --print | FileCheck %s --check-prefix=SP
// RUN: starch-run %s --function=gather_concat --print | FileCheck %s --check-prefix=GC

// BT: result0: 2x3 f32 mean 2 [1, 2, 3, 1, 2, 3]
// BT: result1: 3x2 f32 mean 3.5 [1, 4, 2, 5, 3, 6]
// BT: result2: 2x2 i64 mean 7.5 [7, 7, 8, 8]
// BT: result3: 3x2 f32 mean 3.5 [1, 2, 3, 4, 5, 6]
func.func @broadcast_transpose() -> (tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x2xi64>, tensor<3x2xf32>) {
  %bias = starch.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = starch.broadcast %bias dims = [1] : tensor<3xf32> -> tensor<2x3xf32>
  %m = starch.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %t = starch.transpose %m perm = [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %col = starch.constant dense<[[7], [8]]> : tensor<2x1xi64>
  %c = starch.broadcast %col dims = [0, 1] : tensor<2x1xi64> -> tensor<2x2xi64>
  %r = starch.reshape %m : tensor<2x3xf32> -> tensor<3x2xf32>
  return %b, %t, %c, %r : tensor<2x3xf32>, tensor<3x2xf32>, tensor<2x2xi64>, tensor<3x2xf32>
}

// Negative strides walk backwards; negative pad amounts crop.
// SP: result0: 3 f32 mean 3 [5, 3, 1]
// SP: result1: 2x2 f32 mean 4 [5, 6, 2, 3]
// SP: result2: 6 f32 mean 5.5 [9, 9, 1, 2, 3, 9]
// SP: result3: 3x1 i64 mean 1.66667 [-1, 2, 4]
func.func @slice_pad() -> (tensor<3xf32>, tensor<2x2xf32>, tensor<6xf32>, tensor<3x1xi64>) {
  %v = starch.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<6xf32>
  %s = starch.slice %v start = [5] limit = [0] strides = [-2] : tensor<6xf32> -> tensor<3xf32>
  %m = starch.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %w = starch.slice %m start = [1, 1] limit = [-1, 3] strides = [-1, 1] : tensor<2x3xf32> -> tensor<2x2xf32>
  %x = starch.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %p = starch.pad %x low = [2] high = [1] value = 9.0 : tensor<3xf32> -> tensor<6xf32>
  %n = starch.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %c = starch.pad %n low = [1, -1] high = [0, 0] value = -1.0 : tensor<2x2xi64> -> tensor<3x1xi64>
  return %s, %w, %p, %c : tensor<3xf32>, tensor<2x2xf32>, tensor<6xf32>, tensor<3x1xi64>
}

// Gather rows (negative indices wrap) and columns; concat on the inner axis.
// GC: result0: 2x2x2 f32 mean 13 [20, 21, 0, 1, 20, 21, 10, 11]
// GC: result1: 3x1 f32 mean 11 [1, 11, 21]
// GC: result2: 2x3 i32 mean 3.5 [1, 3, 4, 2, 5, 6]
func.func @gather_concat() -> (tensor<2x2x2xf32>, tensor<3x1xf32>, tensor<2x3xi32>) {
  %table = starch.constant dense<[[0.0, 1.0], [10.0, 11.0], [20.0, 21.0]]> : tensor<3x2xf32>
  %ids = starch.constant dense<[[2, -3], [-1, 1]]> : tensor<2x2xi64>
  %rows = starch.gather %table[%ids] axis = 0 : (tensor<3x2xf32>, tensor<2x2xi64>) -> tensor<2x2x2xf32>
  %last = starch.constant dense<[-1]> : tensor<1xi32>
  %cols = starch.gather %table[%last] axis = 1 : (tensor<3x2xf32>, tensor<1xi32>) -> tensor<3x1xf32>
  %a = starch.constant dense<[[1], [2]]> : tensor<2x1xi32>
  %b = starch.constant dense<[[3, 4], [5, 6]]> : tensor<2x2xi32>
  %c = starch.concat %a, %b axis = 1 : (tensor<2x1xi32>, tensor<2x2xi32>) -> tensor<2x3xi32>
  return %rows, %cols, %c : tensor<2x2x2xf32>, tensor<3x1xf32>, tensor<2x3xi32>
}
