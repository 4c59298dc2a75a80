// RUN: starch-opt %s --starch-autodiff -split-input-file -verify-diagnostics

func.func @strided_slice(%x: tensor<4xf32> {starch.differentiable}) -> tensor<2xf32> {
  // expected-error @below {{has no gradient rule for strides other than 1}}
  %s = starch.slice %x start = [0] limit = [4] strides = [2] : tensor<4xf32> -> tensor<2xf32>
  return %s : tensor<2xf32>
}

// -----

// expected-error @below {{only float results can be differentiated}}
func.func @integer_result(%x: tensor<4xi64>) -> tensor<4xi64> {
  return %x : tensor<4xi64>
}
