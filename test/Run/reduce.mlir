// Reductions, argmax, softmax, cumsum.
// RUN: starch-run %s --function=reduce --print | FileCheck %s --check-prefix=RED
// RUN: starch-run %s --function=cumsum --print | FileCheck %s --check-prefix=CS
// RUN: starch-run %s --function=softmax --print | FileCheck %s --check-prefix=SM

// RED: result0: 2 f32 mean 10.5 [6, 15]
// RED: result1: 2 f32 mean 3.5 [2, 5]
// RED: result2: 3 f32 mean 5 [4, 5, 6]
// RED: result3: 2 f32 mean 63 [6, 120]
// RED: result4: scalar f32 mean 1 [1]
// RED: result5: 2 i64 mean 0.5 [1, 0]
// RED: result6: scalar i64 mean 3 [3]
func.func @reduce() -> (tensor<2xf32>, tensor<2xf32>, tensor<3xf32>, tensor<2xf32>, tensor<f32>, tensor<2xi64>, tensor<i64>) {
  %x = starch.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %sum = starch.reduce sum %x dims = [1] : tensor<2x3xf32> -> tensor<2xf32>
  %mean = starch.reduce mean %x dims = [1] : tensor<2x3xf32> -> tensor<2xf32>
  %max = starch.reduce max %x dims = [0] : tensor<2x3xf32> -> tensor<3xf32>
  %prod = starch.reduce prod %x dims = [1] : tensor<2x3xf32> -> tensor<2xf32>
  %min = starch.reduce min %x dims = [0, 1] : tensor<2x3xf32> -> tensor<f32>
  // ties: the first index wins
  %t = starch.constant dense<[[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]]> : tensor<2x3xf32>
  %arg = starch.argmax %t axis = 1 : tensor<2x3xf32> -> tensor<2xi64>
  // integer mean truncates: (7 - 2 + 4) / 3 = 3
  %i = starch.constant dense<[7, -2, 4]> : tensor<3xi64>
  %imean = starch.reduce mean %i dims = [0] : tensor<3xi64> -> tensor<i64>
  return %sum, %mean, %max, %prod, %min, %arg, %imean : tensor<2xf32>, tensor<2xf32>, tensor<3xf32>, tensor<2xf32>, tensor<f32>, tensor<2xi64>, tensor<i64>
}

// softmax([0, ln 2]) = [1/3, 2/3]; it is shift-invariant, so adding 1000
// changes nothing in f64 (the max is subtracted first, so exp never overflows). log_softmax = log of it.
// SM: result0: 2 f32 mean 0.5 [0.333333, 0.666667]
// SM: result1: 2 f64 mean 0.5 [0.333333, 0.666667]
// SM: result2: 2 f64 mean -0.752039 [-1.09861, -0.405465]
// SM: result3: 2x2 f32 mean 0.5 [0.333333, 0.5, 0.666667, 0.5]
func.func @softmax() -> (tensor<2xf32>, tensor<2xf64>, tensor<2xf64>, tensor<2x2xf32>) {
  %x = starch.constant dense<[0.0, 0.693147182]> : tensor<2xf32>
  %s = starch.softmax %x axis = 0 : tensor<2xf32>
  %big = starch.constant dense<[1000.0, 1000.69314718055994530942]> : tensor<2xf64>
  %t = starch.softmax %big axis = 0 : tensor<2xf64>
  %d = starch.constant dense<[0.0, 0.69314718055994530942]> : tensor<2xf64>
  %l = starch.log_softmax %d axis = 0 : tensor<2xf64>
  %m = starch.constant dense<[[0.0, 5.0], [0.693147182, 5.0]]> : tensor<2x2xf32>
  %c = starch.softmax %m axis = 0 : tensor<2x2xf32>
  return %s, %t, %l, %c : tensor<2xf32>, tensor<2xf64>, tensor<2xf64>, tensor<2x2xf32>
}

// The feature row of each placeholder token: the exclusive prefix sum of the
// i64 placeholder flags of the flattened batch; the inclusive one, a reversed
// sum of floats, and i32 wrapping at 2^31.
// CS: result0: 8 i64 mean 1.75 [0, 0, 1, 2, 2, 2, 3, 4]
// CS: result1: 8 i64 mean 2.25 [0, 1, 2, 2, 2, 3, 4, 4]
// CS: result2: 2x3 f32 mean 7.66667 [6, 5, 3, 15, 11, 6]
// CS: result3: 2 i32 mean -0.5 [2.14748e+09, -2.14748e+09]
func.func @cumsum() -> (tensor<8xi64>, tensor<8xi64>, tensor<2x3xf32>, tensor<2xi32>) {
  %flags = starch.constant dense<[[0, 1, 1, 0], [0, 1, 1, 0]]> : tensor<2x4xi64>
  %flat = starch.reshape %flags : tensor<2x4xi64> -> tensor<8xi64>
  %rows = starch.cumsum %flat axis = 0 exclusive : tensor<8xi64>
  %counts = starch.cumsum %flat axis = 0 : tensor<8xi64>
  %x = starch.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %rev = starch.cumsum %x axis = 1 reverse : tensor<2x3xf32>
  %i = starch.constant dense<[2147483647, 1]> : tensor<2xi32>
  %wrapped = starch.cumsum %i axis = 0 : tensor<2xi32>
  return %rows, %counts, %rev, %wrapped : tensor<8xi64>, tensor<8xi64>, tensor<2x3xf32>, tensor<2xi32>
}
