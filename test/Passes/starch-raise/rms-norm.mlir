// RUN: starch-opt %s --starch-raise -split-input-file | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin %s -- --starch-raise | FileCheck %s --check-prefix=NUMERICS

// Llama's RMSNorm as exported: pow, mean with keepdim, + eps, sqrt,
// reciprocal, then the weight.
// CHECK-LABEL: func.func @rms_norm_reciprocal_sqrt
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[W:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[N:.*]] = starch.rms_norm %[[X]], %[[W]] epsilon = 9.99999997{{.*}}E-7 {starch.layer = "model.layers.1"}
// CHECK-NEXT: return %[[N]]
func.func @rms_norm_reciprocal_sqrt(%x: tensor<2x4x8xf32>, %w: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %two = starch.constant dense<2.0> : tensor<2x4x8xf32>
  %eps = starch.constant dense<1.0e-6> : tensor<2x4x1xf32>
  %sq = starch.pow %x, %two : tensor<2x4x8xf32>
  %mean = starch.reduce mean %sq dims = [2] : tensor<2x4x8xf32> -> tensor<2x4xf32>
  %keep = starch.reshape %mean : tensor<2x4xf32> -> tensor<2x4x1xf32>
  %v = starch.add %keep, %eps : tensor<2x4x1xf32>
  %s = starch.sqrt %v : tensor<2x4x1xf32>
  %r = starch.reciprocal %s : tensor<2x4x1xf32>
  %rb = starch.broadcast %r dims = [0, 1, 2] : tensor<2x4x1xf32> -> tensor<2x4x8xf32>
  %n = starch.mul %x, %rb : tensor<2x4x8xf32>
  %wb = starch.broadcast %w dims = [2] : tensor<8xf32> -> tensor<2x4x8xf32>
  %y = starch.mul %wb, %n {starch.layer = "model.layers.1"} : tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// x * x, rsqrt and the weight multiplied first.
// CHECK-LABEL: func.func @rms_norm_rsqrt
// CHECK: starch.rms_norm
// CHECK-NOT: starch.rsqrt
func.func @rms_norm_rsqrt(%x: tensor<4x8xf32>, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  %eps = starch.constant dense<1.0e-5> : tensor<4x1xf32>
  %sq = starch.mul %x, %x : tensor<4x8xf32>
  %mean = starch.reduce mean %sq dims = [1] : tensor<4x8xf32> -> tensor<4xf32>
  %keep = starch.reshape %mean : tensor<4xf32> -> tensor<4x1xf32>
  %v = starch.add %eps, %keep : tensor<4x1xf32>
  %r = starch.rsqrt %v : tensor<4x1xf32>
  %rb = starch.broadcast %r dims = [0, 1] : tensor<4x1xf32> -> tensor<4x8xf32>
  %wb = starch.broadcast %w dims = [1] : tensor<8xf32> -> tensor<4x8xf32>
  %wx = starch.mul %wb, %x : tensor<4x8xf32>
  %y = starch.mul %wx, %rb : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A mean over the wrong dimension is not an RMS norm.
// CHECK-LABEL: func.func @not_rms_norm
// CHECK-NOT: starch.rms_norm
func.func @not_rms_norm(%x: tensor<4x4xf32>, %w: tensor<4xf32>) -> tensor<4x4xf32> {
  %eps = starch.constant dense<1.0e-5> : tensor<4x1xf32>
  %sq = starch.mul %x, %x : tensor<4x4xf32>
  %mean = starch.reduce mean %sq dims = [0] : tensor<4x4xf32> -> tensor<4xf32>
  %keep = starch.reshape %mean : tensor<4xf32> -> tensor<4x1xf32>
  %v = starch.add %eps, %keep : tensor<4x1xf32>
  %r = starch.rsqrt %v : tensor<4x1xf32>
  %rb = starch.broadcast %r dims = [0, 1] : tensor<4x1xf32> -> tensor<4x4xf32>
  %wb = starch.broadcast %w dims = [1] : tensor<4xf32> -> tensor<4x4xf32>
  %wx = starch.mul %wb, %x : tensor<4x4xf32>
  %y = starch.mul %wx, %rb : tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// The raised functions compute what the originals computed.
// NUMERICS: rms_norm_reciprocal_sqrt: same numbers before and after --starch-raise
// NUMERICS: rms_norm_rsqrt: same numbers before and after --starch-raise
// NUMERICS: not_rms_norm: same numbers before and after --starch-raise
