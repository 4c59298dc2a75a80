// RUN: starch-opt %s --starch-print-layers -o /dev/null | FileCheck %s

// CHECK: @forward layer model.layers.0: 1 x add, 2 x silu
// CHECK-NEXT: @forward layer (no layer): 1 x neg
// CHECK-NEXT: @forward layer model.layers.1: 1 x gelu
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = starch.silu %x {starch.layer = "model.layers.0"} : tensor<4xf32>
  %b = starch.silu %a {starch.layer = "model.layers.0"} : tensor<4xf32>
  %c = starch.add %a, %b {starch.layer = "model.layers.0"} : tensor<4xf32>
  %d = starch.neg %c : tensor<4xf32>
  %e = starch.gelu %d approximate = none {starch.layer = "model.layers.1"} : tensor<4xf32>
  return %e : tensor<4xf32>
}
