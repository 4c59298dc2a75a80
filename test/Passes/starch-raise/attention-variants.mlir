// RUN: starch-opt %s --starch-raise -split-input-file | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin %s -- --starch-raise | FileCheck %s --check-prefix=NUMERICS

// Sliding windows and soft-capped scores as the exporters spell them
// (Gemma2 eager, Mistral sdpa): a folded mask that is causal or full within
// a window becomes `window`, cap * tanh(s / cap) before the mask `softcap`.

// Gemma2's eager attention: q k^T * scale, / cap, tanh, * cap, plus a
// folded sliding-window mask (window 2: each query sees itself and the key
// before it).
// CHECK-LABEL: func.func @gemma2_sliding
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf32>, %[[K:.*]]: tensor<1x2x4x8xf32>, %[[V:.*]]: tensor<1x2x4x8xf32>)
// CHECK-NEXT: %[[A:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] mask = causal scale = 2.500000e-01 window = 2 softcap = 5.000000e-01
// CHECK-NEXT: return %[[A]]
func.func @gemma2_sliding(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %scale = starch.constant dense<0.25> : tensor<1x2x4x4xf32>
  %cap = starch.constant dense<0.5> : tensor<1x2x4x4xf32>
  %ss = starch.mul %s, %scale : tensor<1x2x4x4xf32>
  %sd = starch.div %ss, %cap : tensor<1x2x4x4xf32>
  %st = starch.tanh %sd : tensor<1x2x4x4xf32>
  %sc = starch.mul %st, %cap : tensor<1x2x4x4xf32>
  %mask = starch.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [-3.40282347E+38, 0.0, 0.0, -3.40282347E+38], [-3.40282347E+38, -3.40282347E+38, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %mb = starch.broadcast %mask dims = [0, 1, 2, 3] : tensor<1x1x4x4xf32> -> tensor<1x2x4x4xf32>
  %sm = starch.add %sc, %mb : tensor<1x2x4x4xf32>
  %p = starch.softmax %sm axis = 3 : tensor<1x2x4x4xf32>
  %o = starch.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A cap of 1: the exporter drops the division and the product by 1, so
// the tanh reads the scaled scores itself. The mask is plain causal.
// CHECK-LABEL: func.func @softcap_one
// CHECK-NEXT: %[[A:.*]] = starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = causal scale = 2.500000e-01 softcap = 1.000000e+00 :
// CHECK-NEXT: return %[[A]]
func.func @softcap_one(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %scale = starch.constant dense<0.25> : tensor<1x2x4x4xf32>
  %ss = starch.mul %s, %scale : tensor<1x2x4x4xf32>
  %st = starch.tanh %ss : tensor<1x2x4x4xf32>
  %mask = starch.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %mb = starch.broadcast %mask dims = [0, 1, 2, 3] : tensor<1x1x4x4xf32> -> tensor<1x2x4x4xf32>
  %sm = starch.add %st, %mb : tensor<1x2x4x4xf32>
  %p = starch.softmax %sm axis = 3 : tensor<1x2x4x4xf32>
  %o = starch.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// sdpa under a sliding window: the dynamo exporter guards the softmax with
// select(isnan(p), 0, p). A window never hides a query's own key, so no row
// is empty and the guard is an identity.
// CHECK-LABEL: func.func @sdpa_sliding_nan_guard
// CHECK-NEXT: %[[A:.*]] = starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = causal scale = 2.500000e-01 window = 2 :
// CHECK-NEXT: return %[[A]]
func.func @sdpa_sliding_nan_guard(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %scale = starch.constant dense<0.25> : tensor<1x2x4x4xf32>
  %ss = starch.mul %s, %scale : tensor<1x2x4x4xf32>
  %mask = starch.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [-3.40282347E+38, 0.0, 0.0, -3.40282347E+38], [-3.40282347E+38, -3.40282347E+38, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %mb = starch.broadcast %mask dims = [0, 1, 2, 3] : tensor<1x1x4x4xf32> -> tensor<1x2x4x4xf32>
  %sm = starch.add %ss, %mb : tensor<1x2x4x4xf32>
  %p = starch.softmax %sm axis = 3 : tensor<1x2x4x4xf32>
  %nan = starch.compare ne, %p, %p : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xi1>
  %zero = starch.constant dense<0.0> : tensor<1x2x4x4xf32>
  %guarded = starch.select %nan, %zero, %p : tensor<1x2x4x4xi1>, tensor<1x2x4x4xf32>
  %o = starch.matmul %guarded, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A bidirectional band (an encoder's sliding window, |i - j| < 2).
// CHECK-LABEL: func.func @full_band
// CHECK-NEXT: %[[A:.*]] = starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = full scale = 2.500000e-01 window = 2 :
func.func @full_band(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %scale = starch.constant dense<0.25> : tensor<1x2x4x4xf32>
  %ss = starch.mul %s, %scale : tensor<1x2x4x4xf32>
  %mask = starch.constant dense<[[[[0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [-3.40282347E+38, 0.0, 0.0, 0.0], [-3.40282347E+38, -3.40282347E+38, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %mb = starch.broadcast %mask dims = [0, 1, 2, 3] : tensor<1x1x4x4xf32> -> tensor<1x2x4x4xf32>
  %sm = starch.add %ss, %mb : tensor<1x2x4x4xf32>
  %p = starch.softmax %sm axis = 3 : tensor<1x2x4x4xf32>
  %o = starch.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A mask with holes that no window explains stays an additive bias.
// CHECK-LABEL: func.func @holes_stay_additive
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} mask = additive scale = 2.500000e-01 :
func.func @holes_stay_additive(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<1x2x4x8xf32> -> tensor<1x2x8x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %scale = starch.constant dense<0.25> : tensor<1x2x4x4xf32>
  %ss = starch.mul %s, %scale : tensor<1x2x4x4xf32>
  %mask = starch.constant dense<[[[[0.0, -3.40282347E+38, 0.0, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %mb = starch.broadcast %mask dims = [0, 1, 2, 3] : tensor<1x1x4x4xf32> -> tensor<1x2x4x4xf32>
  %sm = starch.add %ss, %mb : tensor<1x2x4x4xf32>
  %p = starch.softmax %sm axis = 3 : tensor<1x2x4x4xf32>
  %o = starch.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// NUMERICS: gemma2_sliding: same numbers before and after --starch-raise
// NUMERICS: softcap_one: same numbers before and after --starch-raise
// NUMERICS: sdpa_sliding_nan_guard: same numbers before and after --starch-raise
// NUMERICS: full_band: same numbers before and after --starch-raise
// NUMERICS: holes_stay_additive: same numbers before and after --starch-raise
