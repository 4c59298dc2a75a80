// Gradients of every elementwise op against central finite differences in
// f64 (h 1e-6, rtol 1e-5, atol 1e-7). Arguments are uniform in [-2, 2);
// functions whose op needs another domain map their arguments first.
// RUN: %python %S/../../Inputs/check_gradients.py --bin %starch_bin --h 1e-6 --rtol 1e-5 --atol 1e-7 %s | FileCheck %s
// CHECK: all gradients match

func.func @unary_smooth(%x: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %a = starch.neg %x : tensor<2x3xf64>
  %b = starch.exp %a : tensor<2x3xf64>
  %c = starch.tanh %x : tensor<2x3xf64>
  %d = starch.erf %x : tensor<2x3xf64>
  %e = starch.sin %x : tensor<2x3xf64>
  %f = starch.cos %x : tensor<2x3xf64>
  %g = starch.sigmoid %x : tensor<2x3xf64>
  %h = starch.silu %x : tensor<2x3xf64>
  %s1 = starch.add %b, %c : tensor<2x3xf64>
  %s2 = starch.add %s1, %d : tensor<2x3xf64>
  %s3 = starch.mul %s2, %e : tensor<2x3xf64>
  %s4 = starch.add %s3, %f : tensor<2x3xf64>
  %s5 = starch.mul %s4, %g : tensor<2x3xf64>
  %s6 = starch.add %s5, %h : tensor<2x3xf64>
  return %s6 : tensor<2x3xf64>
}

// log, sqrt, rsqrt, reciprocal on exp(x) > 0.
func.func @unary_positive(%x: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %p = starch.exp %x : tensor<2x3xf64>
  %a = starch.log %p : tensor<2x3xf64>
  %b = starch.sqrt %p : tensor<2x3xf64>
  %c = starch.rsqrt %p : tensor<2x3xf64>
  %d = starch.reciprocal %p : tensor<2x3xf64>
  %s1 = starch.mul %a, %b : tensor<2x3xf64>
  %s2 = starch.add %s1, %c : tensor<2x3xf64>
  %s3 = starch.mul %s2, %d : tensor<2x3xf64>
  return %s3 : tensor<2x3xf64>
}

// abs, relu: kinks at 0 (random inputs miss them); floor, ceil, sign have a
// zero gradient.
func.func @unary_piecewise(%x: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %a = starch.abs %x : tensor<2x3xf64>
  %b = starch.relu %x : tensor<2x3xf64>
  %c = starch.floor %x : tensor<2x3xf64>
  %d = starch.ceil %x : tensor<2x3xf64>
  %e = starch.sign %x : tensor<2x3xf64>
  %s1 = starch.mul %a, %b : tensor<2x3xf64>
  %s2 = starch.add %s1, %c : tensor<2x3xf64>
  %s3 = starch.add %s2, %d : tensor<2x3xf64>
  %s4 = starch.add %s3, %e : tensor<2x3xf64>
  %s5 = starch.mul %s4, %x : tensor<2x3xf64>
  return %s5 : tensor<2x3xf64>
}

func.func @gelu_erf(%x: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %y = starch.gelu %x approximate = none : tensor<2x3xf64>
  return %y : tensor<2x3xf64>
}

func.func @gelu_tanh(%x: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %y = starch.gelu %x approximate = tanh : tensor<2x3xf64>
  return %y : tensor<2x3xf64>
}

func.func @gelu_sigmoid(%x: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %y = starch.gelu %x approximate = sigmoid : tensor<2x3xf64>
  return %y : tensor<2x3xf64>
}

func.func @binary_arith(%x: tensor<2x3xf64>, %y: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %a = starch.add %x, %y : tensor<2x3xf64>
  %b = starch.sub %x, %y : tensor<2x3xf64>
  %c = starch.mul %a, %b : tensor<2x3xf64>
  %two = starch.constant dense<2.5> : tensor<2x3xf64>
  %ey = starch.exp %y : tensor<2x3xf64>
  %den = starch.add %ey, %two : tensor<2x3xf64>
  %d = starch.div %c, %den : tensor<2x3xf64>
  %e = starch.max %x, %y : tensor<2x3xf64>
  %f = starch.min %x, %d : tensor<2x3xf64>
  %g = starch.mul %e, %f : tensor<2x3xf64>
  return %g : tensor<2x3xf64>
}

// pow on a positive base (both operands), rem (lhs and rhs).
func.func @binary_pow_rem(%x: tensor<2x3xf64>, %y: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %base = starch.exp %x : tensor<2x3xf64>
  %p = starch.pow %base, %y : tensor<2x3xf64>
  %three = starch.constant dense<3.0> : tensor<2x3xf64>
  %den = starch.add %y, %three : tensor<2x3xf64>
  %r = starch.rem %x, %den : tensor<2x3xf64>
  %s = starch.add %p, %r : tensor<2x3xf64>
  return %s : tensor<2x3xf64>
}

// convert is checked in convert.mlir: an f32 round trip is below h.
func.func @select(%x: tensor<2x3xf64>, %y: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %c = starch.compare gt, %x, %y : tensor<2x3xf64> -> tensor<2x3xi1>
  %s = starch.select %c, %x, %y : tensor<2x3xi1>, tensor<2x3xf64>
  %p = starch.mul %s, %x : tensor<2x3xf64>
  return %p : tensor<2x3xf64>
}
