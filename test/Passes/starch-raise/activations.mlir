// RUN: starch-opt %s --starch-raise -split-input-file | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin %s -- --starch-raise | FileCheck %s --check-prefix=NUMERICS

// gelu as torch's erf form: (x * (erf(x / sqrt 2) + 1)) * 0.5
// CHECK-LABEL: func.func @gelu_erf_div
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-NEXT: %[[G:.*]] = starch.gelu %[[X]] approximate = none {starch.layer = "layers.0"} : tensor<2x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_erf_div(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = starch.constant dense<1.41421354> : tensor<2x8xf32>
  %one = starch.constant dense<1.0> : tensor<2x8xf32>
  %half = starch.constant dense<0.5> : tensor<2x8xf32>
  %d = starch.div %x, %sqrt2 : tensor<2x8xf32>
  %e = starch.erf %d : tensor<2x8xf32>
  %a = starch.add %e, %one : tensor<2x8xf32>
  %m = starch.mul %x, %a : tensor<2x8xf32>
  %r = starch.mul %m, %half {starch.layer = "layers.0"} : tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// The same with a scalar constant broadcast and a multiply by 1/sqrt 2.
// CHECK-LABEL: func.func @gelu_erf_mul_broadcast
// CHECK: starch.gelu %{{.*}} approximate = none
// CHECK-NOT: starch.erf
func.func @gelu_erf_mul_broadcast(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = starch.constant dense<0.707106769> : tensor<f32>
  %cb = starch.broadcast %c dims = [] : tensor<f32> -> tensor<4xf32>
  %one = starch.constant dense<1.0> : tensor<4xf32>
  %half = starch.constant dense<0.5> : tensor<4xf32>
  %hx = starch.mul %half, %x : tensor<4xf32>
  %d = starch.mul %cb, %x : tensor<4xf32>
  %e = starch.erf %d : tensor<4xf32>
  %a = starch.add %one, %e : tensor<4xf32>
  %r = starch.mul %hx, %a : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// gelu tanh form with pow(x, 3).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: starch.gelu %{{.*}} approximate = tanh
// CHECK-NOT: starch.tanh
func.func @gelu_tanh(%x: tensor<4xf32>) -> tensor<4xf32> {
  %three = starch.constant dense<3.0> : tensor<4xf32>
  %k = starch.constant dense<0.044715> : tensor<4xf32>
  %s = starch.constant dense<0.797884583> : tensor<4xf32>
  %one = starch.constant dense<1.0> : tensor<4xf32>
  %half = starch.constant dense<0.5> : tensor<4xf32>
  %p = starch.pow %x, %three : tensor<4xf32>
  %kp = starch.mul %k, %p : tensor<4xf32>
  %in = starch.add %x, %kp : tensor<4xf32>
  %arg = starch.mul %s, %in : tensor<4xf32>
  %t = starch.tanh %arg : tensor<4xf32>
  %a = starch.add %one, %t : tensor<4xf32>
  %hx = starch.mul %half, %x : tensor<4xf32>
  %r = starch.mul %hx, %a : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A product that only looks like gelu (wrong constant) stays as it is.
// CHECK-LABEL: func.func @not_gelu
// CHECK: starch.erf
// CHECK-NOT: starch.gelu
func.func @not_gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = starch.constant dense<0.6> : tensor<4xf32>
  %one = starch.constant dense<1.0> : tensor<4xf32>
  %half = starch.constant dense<0.5> : tensor<4xf32>
  %d = starch.mul %x, %c : tensor<4xf32>
  %e = starch.erf %d : tensor<4xf32>
  %a = starch.add %e, %one : tensor<4xf32>
  %m = starch.mul %x, %a : tensor<4xf32>
  %r = starch.mul %m, %half : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @silu
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[S:.*]] = starch.silu %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[S]]
func.func @silu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = starch.sigmoid %x : tensor<4xf32>
  %r = starch.mul %s, %x : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// x * sigmoid(y) is not silu.
// CHECK-LABEL: func.func @not_silu
// CHECK: starch.sigmoid
// CHECK-NOT: starch.silu
func.func @not_silu(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %s = starch.sigmoid %y : tensor<4xf32>
  %r = starch.mul %x, %s : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// CLIP's quick_gelu.
// CHECK-LABEL: func.func @quick_gelu
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[G:.*]] = starch.gelu %[[X]] approximate = sigmoid : tensor<4xf32>
// CHECK-NEXT: return %[[G]]
func.func @quick_gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %k = starch.constant dense<1.702> : tensor<4xf32>
  %kx = starch.mul %x, %k : tensor<4xf32>
  %s = starch.sigmoid %kx : tensor<4xf32>
  %r = starch.mul %x, %s : tensor<4xf32>
  return %r : tensor<4xf32>
}

// The raised functions compute what the originals computed.
// NUMERICS: gelu_erf_div: same numbers before and after --starch-raise
// NUMERICS: gelu_erf_mul_broadcast: same numbers before and after --starch-raise
// NUMERICS: gelu_tanh: same numbers before and after --starch-raise
// NUMERICS: not_gelu: same numbers before and after --starch-raise
// NUMERICS: silu: same numbers before and after --starch-raise
// NUMERICS: not_silu: same numbers before and after --starch-raise
// NUMERICS: quick_gelu: same numbers before and after --starch-raise
