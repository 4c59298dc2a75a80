// RUN: starch-opt %s --starch-raise -split-input-file | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin %s -- --starch-raise | FileCheck %s --check-prefix=NUMERICS

// A transpose of the last two dimensions feeding a matmul (a Gemm's transB,
// an unfolded W^T) becomes the matmul's transpose flag: no copy.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<6x4xf32>, %[[W:.*]]: tensor<3x4xf32>)
// CHECK-NOT: starch.transpose
// CHECK: %[[Y:.*]] = starch.matmul %[[X]], %[[W]] transposed : (tensor<6x4xf32>, tensor<3x4xf32>) -> tensor<6x3xf32>
// CHECK-NEXT: return %[[Y]]
func.func @linear(%x: tensor<6x4xf32>, %w: tensor<3x4xf32>) -> tensor<6x3xf32> {
  %wt = starch.transpose %w perm = [1, 0] : tensor<3x4xf32> -> tensor<4x3xf32>
  %y = starch.matmul %x, %wt : (tensor<6x4xf32>, tensor<4x3xf32>) -> tensor<6x3xf32>
  return %y : tensor<6x3xf32>
}

// -----

// Both operands of a batched product, each swapping its last two dimensions.
// CHECK-LABEL: func.func @both
// CHECK-SAME: (%[[A:.*]]: tensor<2x5x3xf32>, %[[B:.*]]: tensor<2x4x5xf32>)
// CHECK-NEXT: %[[Y:.*]] = starch.matmul %[[A]] transposed, %[[B]] transposed : (tensor<2x5x3xf32>, tensor<2x4x5xf32>) -> tensor<2x3x4xf32>
func.func @both(%a: tensor<2x5x3xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x4xf32> {
  %at = starch.transpose %a perm = [0, 2, 1] : tensor<2x5x3xf32> -> tensor<2x3x5xf32>
  %bt = starch.transpose %b perm = [0, 2, 1] : tensor<2x4x5xf32> -> tensor<2x5x4xf32>
  %y = starch.matmul %at, %bt : (tensor<2x3x5xf32>, tensor<2x5x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// A transpose that also moves a batch dimension stays a copy; a transpose
// of an operand already read transposed cancels the flag.
// CHECK-LABEL: func.func @kept_and_cancelled
// CHECK-SAME: (%[[A:.*]]: tensor<3x2x5xf32>, %[[B:.*]]: tensor<2x5x4xf32>, %[[C:.*]]: tensor<3x5xf32>, %[[D:.*]]: tensor<5x4xf32>)
// CHECK: %[[AT:.*]] = starch.transpose %[[A]] perm = [1, 0, 2]
// CHECK: starch.matmul %[[AT]], %[[B]] :
// CHECK: starch.matmul %[[C]], %[[D]] :
func.func @kept_and_cancelled(%a: tensor<3x2x5xf32>, %b: tensor<2x5x4xf32>, %c: tensor<3x5xf32>, %d: tensor<5x4xf32>) -> (tensor<2x3x4xf32>, tensor<3x4xf32>) {
  %at = starch.transpose %a perm = [1, 0, 2] : tensor<3x2x5xf32> -> tensor<2x3x5xf32>
  %y = starch.matmul %at, %b : (tensor<2x3x5xf32>, tensor<2x5x4xf32>) -> tensor<2x3x4xf32>
  %ct = starch.transpose %c perm = [1, 0] : tensor<3x5xf32> -> tensor<5x3xf32>
  %z = starch.matmul %ct transposed, %d : (tensor<5x3xf32>, tensor<5x4xf32>) -> tensor<3x4xf32>
  return %y, %z : tensor<2x3x4xf32>, tensor<3x4xf32>
}

// NUMERICS: linear: same numbers before and after --starch-raise
// NUMERICS: both: same numbers before and after --starch-raise
// NUMERICS: kept_and_cancelled: same numbers before and after --starch-raise
