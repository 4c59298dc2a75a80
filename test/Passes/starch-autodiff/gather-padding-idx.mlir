// nn.Embedding(padding_idx): the padding row gets exactly zero gradient,
// also when it is reached by a negative index (-2 is row 2 of 4); the other
// rows get what they get without padding_idx (@plain: row 2 gathered twice).
// Each element of the result is weighted by its column + 1.
// RUN: starch-opt %s --starch-autodiff=wrt-arguments=true -o %t.mlir
// RUN: %python -c "import sys; sys.path.insert(0, '%S/../../Inputs'); import tensorio; tensorio.write_npy('%t.npy', [4, 3], 'f64', [0.5] * 12)"
// RUN: starch-run %t.mlir --function padded_grad %t.npy --print | FileCheck %s --check-prefix=PADDED
// RUN: starch-run %t.mlir --function plain_grad %t.npy --print | FileCheck %s --check-prefix=PLAIN
// PADDED: grad.arg0: 4x3 f64 mean 1 [1, 2, 3, 1, 2, 3, 0, 0, 0, 0, 0, 0]
// PLAIN: grad.arg0: 4x3 f64 mean 2 [1, 2, 3, 1, 2, 3, 2, 4, 6, 0, 0, 0]

func.func @padded(%table: tensor<4x3xf64>) -> tensor<2x2x3xf64> {
  %ids = starch.constant dense<[[1, 2], [-2, 0]]> : tensor<2x2xi64>
  %e = starch.gather %table[%ids] axis = 0 {padding_idx = 2 : i64} : (tensor<4x3xf64>, tensor<2x2xi64>) -> tensor<2x2x3xf64>
  %i = starch.iota dim = 2 : tensor<2x2x3xf64>
  %one = starch.constant dense<1.0> : tensor<2x2x3xf64>
  %w = starch.add %i, %one : tensor<2x2x3xf64>
  %z = starch.mul %e, %w : tensor<2x2x3xf64>
  return %z : tensor<2x2x3xf64>
}

func.func @plain(%table: tensor<4x3xf64>) -> tensor<2x2x3xf64> {
  %ids = starch.constant dense<[[1, 2], [-2, 0]]> : tensor<2x2xi64>
  %e = starch.gather %table[%ids] axis = 0 : (tensor<4x3xf64>, tensor<2x2xi64>) -> tensor<2x2x3xf64>
  %i = starch.iota dim = 2 : tensor<2x2x3xf64>
  %one = starch.constant dense<1.0> : tensor<2x2x3xf64>
  %w = starch.add %i, %one : tensor<2x2x3xf64>
  %z = starch.mul %e, %w : tensor<2x2x3xf64>
  return %z : tensor<2x2x3xf64>
}
