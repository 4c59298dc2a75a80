// matmul and conv.
// RUN: starch-run %s --function=matmul --print | FileCheck %s --check-prefix=MM
// RUN: starch-run %s --function=conv --print | FileCheck %s --check-prefix=CONV
// RUN: starch-run %s --function=transposed --print | FileCheck %s --check-prefix=MMT

// [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]; the second batch
// multiplies by the identity.
// MM: result0: 2x2x2 f32 mean 18 [19, 22, 43, 50, 1, 2, 3, 4]
// MM: result1: 1x3 f64 mean 2 [1, 2, 3]
func.func @matmul() -> (tensor<2x2x2xf32>, tensor<1x3xf64>) {
  %a = starch.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]]]> : tensor<2x2x2xf32>
  %b = starch.constant dense<[[[5.0, 6.0], [7.0, 8.0]], [[1.0, 0.0], [0.0, 1.0]]]> : tensor<2x2x2xf32>
  %c = starch.matmul %a, %b : (tensor<2x2x2xf32>, tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  // [1, 1] x [[1, 0, 1], [0, 2, 2]] = [1, 2, 3]
  %x = starch.constant dense<[[1.0, 1.0]]> : tensor<1x2xf64>
  %y = starch.constant dense<[[1.0, 0.0, 1.0], [0.0, 2.0, 2.0]]> : tensor<2x3xf64>
  %z = starch.matmul %x, %y : (tensor<1x2xf64>, tensor<2x3xf64>) -> tensor<1x3xf64>
  return %c, %z : tensor<2x2x2xf32>, tensor<1x3xf64>
}

// The same products from operands stored transposed: a^T holds
// [[1,3],[2,4]] and b^T [[5,7],[6,8]], so every flag combination gives
// [[19,22],[43,50]]; a non-square a^T b: [[1,3],[2,4],[0,1]]^T (2x3) times
// b's 3x2 [[1,0],[0,1],[1,1]] = [[1,2],[4,5]].
// MMT: result0: 2x2 f32 mean 33.5 [19, 22, 43, 50]
// MMT: result1: 2x2 f32 mean 33.5 [19, 22, 43, 50]
// MMT: result2: 2x2 f32 mean 33.5 [19, 22, 43, 50]
// MMT: result3: 2x2 f32 mean 3 [1, 2, 4, 5]
func.func @transposed() -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %a = starch.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %at = starch.constant dense<[[1.0, 3.0], [2.0, 4.0]]> : tensor<2x2xf32>
  %b = starch.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %bt = starch.constant dense<[[5.0, 7.0], [6.0, 8.0]]> : tensor<2x2xf32>
  %l = starch.matmul %at transposed, %b : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = starch.matmul %a, %bt transposed : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %lr = starch.matmul %at transposed, %bt transposed : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %c = starch.constant dense<[[1.0, 3.0], [2.0, 4.0], [0.0, 1.0]]> : tensor<3x2xf32>
  %d = starch.constant dense<[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]> : tensor<3x2xf32>
  %cd = starch.matmul %c transposed, %d : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %l, %r, %lr, %cd : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}

// CONV: result0: 1x1x2x2 f32 mean 20 [12, 16, 24, 28]
// CONV: result1: 1x1x2x2 f32 mean 11.25 [1, 5, 11, 28]
// CONV: result2: 1x2x2 f32 mean 19.5 [-1, -1, 30, 50]
// CONV: result3: 1x1x2 f32 mean 5 [4, 6]
func.func @conv() -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x1x2xf32>) {
  %x = starch.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]> : tensor<1x1x3x3xf32>
  %ones = starch.constant dense<1.0> : tensor<1x1x2x2xf32>
  // 2x2 window sums
  %a = starch.conv %x, %ones strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  // stride 2 with one zero row/column in front: windows {1}, {2,3}, {4,7}, {5,6,8,9}
  %b = starch.conv %x, %ones strides = [2, 2] pad_low = [1, 1] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  // depthwise (groups = 2): channel 0 with [1, -1], channel 1 with [1, 1]
  %y = starch.constant dense<[[[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]]]> : tensor<1x2x3xf32>
  %w = starch.constant dense<[[[1.0, -1.0]], [[1.0, 1.0]]]> : tensor<2x1x2xf32>
  %c = starch.conv %y, %w strides = [1] pad_low = [0] pad_high = [0] dilations = [1] groups = 2 : (tensor<1x2x3xf32>, tensor<2x1x2xf32>) -> tensor<1x2x2xf32>
  // dilation 2: x0 + x2, x1 + x3
  %v = starch.constant dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>
  %k = starch.constant dense<1.0> : tensor<1x1x2xf32>
  %d = starch.conv %v, %k strides = [1] pad_low = [0] pad_high = [0] dilations = [2] groups = 1 : (tensor<1x1x4xf32>, tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  return %a, %b, %c, %d : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x1x2xf32>
}
