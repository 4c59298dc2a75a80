// --time prints the time per op kind, most expensive first.
// RUN: starch-run %s --time | FileCheck %s

// CHECK: time: {{[0-9.]+}} ms total
// CHECK-DAG: starch.matmul{{ +}}2 calls
// CHECK-DAG: starch.constant{{ +}}1 calls

func.func @forward() -> tensor<4x4xf32> {
  %x = starch.constant dense<1.0> : tensor<4x4xf32>
  %a = starch.matmul %x, %x : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = starch.matmul %a, %x : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %b : tensor<4x4xf32>
}
