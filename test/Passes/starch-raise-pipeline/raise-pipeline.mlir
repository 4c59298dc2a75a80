// RUN: starch-opt %s --starch-raise-pipeline | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin %s -- --starch-raise-pipeline | FileCheck %s --check-prefix=NUMERICS
// The pipeline is its passes: starch-raise alone, then with compose=1
// starch-raise and starch-compose (compose.mlir's modules), output for output.
// RUN: starch-opt %s --starch-raise -o %t.raise.mlir
// RUN: starch-opt %s --starch-raise-pipeline -o %t.pipeline.mlir
// RUN: diff %t.raise.mlir %t.pipeline.mlir
// RUN: starch-opt %S/../starch-compose/compose.mlir --starch-raise --starch-compose -o %t.compose.mlir
// RUN: starch-opt %S/../starch-compose/compose.mlir "--starch-raise-pipeline=compose=1" -o %t.composed.mlir
// RUN: diff %t.compose.mlir %t.composed.mlir
// RUN: FileCheck %s --check-prefix=COMPOSE < %t.composed.mlir

// A layer's rms norm, gate and silu as an exporter writes them: raised to
// the fused ops, the numbers unchanged.
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[W:.*]]: tensor<8xf32>)
// CHECK: %[[N:.*]] = starch.rms_norm %[[X]], %[[W]]
// CHECK: starch.silu %[[N]]
// CHECK-NOT: starch.sigmoid
// CHECK: return

// NUMERICS: layer: same numbers

// COMPOSE-NOT: func.func @vision(
// COMPOSE-LABEL: func.func @forward(
// COMPOSE: starch.attention {{.*}} mask = bitfield
func.func @layer(%x: tensor<2x4x8xf32>, %w: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %two = starch.constant dense<2.0> : tensor<2x4x8xf32>
  %eps = starch.constant dense<1.0e-6> : tensor<2x4x1xf32>
  %sq = starch.pow %x, %two : tensor<2x4x8xf32>
  %mean = starch.reduce mean %sq dims = [2] : tensor<2x4x8xf32> -> tensor<2x4xf32>
  %keep = starch.reshape %mean : tensor<2x4xf32> -> tensor<2x4x1xf32>
  %v = starch.add %keep, %eps : tensor<2x4x1xf32>
  %r = starch.rsqrt %v : tensor<2x4x1xf32>
  %rb = starch.broadcast %r dims = [0, 1, 2] : tensor<2x4x1xf32> -> tensor<2x4x8xf32>
  %xn = starch.mul %x, %rb : tensor<2x4x8xf32>
  %wb = starch.broadcast %w dims = [2] : tensor<8xf32> -> tensor<2x4x8xf32>
  %n = starch.mul %wb, %xn {starch.layer = "layers.0"} : tensor<2x4x8xf32>
  %s = starch.sigmoid %n {starch.layer = "layers.0"} : tensor<2x4x8xf32>
  %y = starch.mul %n, %s {starch.layer = "layers.0"} : tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}
