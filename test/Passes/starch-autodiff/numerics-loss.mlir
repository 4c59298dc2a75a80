// Gradient of the cross-entropy loss against central finite differences in
// f64 (h 1e-6, rtol 1e-5, atol 1e-7), with scored and ignored labels.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

func.func @cross_entropy(%x: tensor<3x5xf64>, %labels: tensor<3xi64>) -> tensor<f64> {
  %l = starch.cross_entropy %x, %labels ignore_index = -100 : (tensor<3x5xf64>, tensor<3xi64>) -> tensor<f64>
  return %l : tensor<f64>
}

func.func @cross_entropy_ignored(%x: tensor<2x3x4xf64>) -> tensor<f64> {
  %labels = starch.constant dense<[[1, -100, 3], [0, 2, -100]]> : tensor<2x3xi64>
  %l = starch.cross_entropy %x, %labels ignore_index = -100 : (tensor<2x3x4xf64>, tensor<2x3xi64>) -> tensor<f64>
  %s = starch.mul %l, %l : tensor<f64>
  return %s : tensor<f64>
}
