// Gradients of matmul, reductions and softmax against central finite
// differences in f64 (h 1e-6, rtol 1e-5, atol 1e-7).
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

func.func @batched_matmul(%a: tensor<2x3x4xf64>, %b: tensor<2x4x2xf64>) -> tensor<2x3x2xf64> {
  %m = starch.matmul %a, %b : (tensor<2x3x4xf64>, tensor<2x4x2xf64>) -> tensor<2x3x2xf64>
  %y = starch.mul %m, %m : tensor<2x3x2xf64>
  return %y : tensor<2x3x2xf64>
}

func.func @reduce_sum_mean(%x: tensor<2x3x4xf64>) -> tensor<3xf64> {
  %s = starch.reduce sum %x dims = [0, 2] : tensor<2x3x4xf64> -> tensor<3xf64>
  %x2 = starch.mul %x, %x : tensor<2x3x4xf64>
  %m = starch.reduce mean %x2 dims = [0, 2] : tensor<2x3x4xf64> -> tensor<3xf64>
  %y = starch.mul %s, %m : tensor<3xf64>
  return %y : tensor<3xf64>
}

func.func @reduce_max_min_prod(%x: tensor<3x4xf64>) -> tensor<3xf64> {
  %a = starch.reduce max %x dims = [1] : tensor<3x4xf64> -> tensor<3xf64>
  %b = starch.reduce min %x dims = [1] : tensor<3x4xf64> -> tensor<3xf64>
  %c = starch.reduce prod %x dims = [1] : tensor<3x4xf64> -> tensor<3xf64>
  %ab = starch.mul %a, %b : tensor<3xf64>
  %y = starch.add %ab, %c : tensor<3xf64>
  return %y : tensor<3xf64>
}

func.func @softmax(%x: tensor<2x5xf64>) -> tensor<2x5xf64> {
  %s = starch.softmax %x axis = 1 : tensor<2x5xf64>
  %i = starch.iota dim = 1 : tensor<2x5xf64>
  %y = starch.mul %s, %i : tensor<2x5xf64>
  return %y : tensor<2x5xf64>
}

func.func @log_softmax(%x: tensor<3x4xf64>) -> tensor<3x4xf64> {
  %s = starch.log_softmax %x axis = 0 : tensor<3x4xf64>
  %i = starch.iota dim = 0 : tensor<3x4xf64>
  %y = starch.mul %s, %i : tensor<3x4xf64>
  return %y : tensor<3x4xf64>
}
