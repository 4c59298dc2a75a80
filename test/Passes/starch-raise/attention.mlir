// RUN: starch-opt %s --starch-raise -split-input-file | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin %s -- --starch-raise | FileCheck %s --check-prefix=NUMERICS

// Eager grouped-query attention as Hugging Face writes it: repeat_kv,
// q k^T * scale, a folded causal mask, softmax, times v.
// CHECK-LABEL: func.func @eager_gqa_causal
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x4x8xf32>, %[[K:.*]]: tensor<1x2x4x8xf32>, %[[V:.*]]: tensor<1x2x4x8xf32>)
// CHECK-NEXT: %[[A:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] mask = causal scale = 0.35355{{[0-9]*}} {starch.layer = "model.layers.0"}
// CHECK-NEXT: return %[[A]]
func.func @eager_gqa_causal(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %k5 = starch.reshape %k : tensor<1x2x4x8xf32> -> tensor<1x2x1x4x8xf32>
  %kb = starch.broadcast %k5 dims = [0, 1, 2, 3, 4] : tensor<1x2x1x4x8xf32> -> tensor<1x2x2x4x8xf32>
  %kr = starch.reshape %kb : tensor<1x2x2x4x8xf32> -> tensor<1x4x4x8xf32>
  %v5 = starch.reshape %v : tensor<1x2x4x8xf32> -> tensor<1x2x1x4x8xf32>
  %vb = starch.broadcast %v5 dims = [0, 1, 2, 3, 4] : tensor<1x2x1x4x8xf32> -> tensor<1x2x2x4x8xf32>
  %vr = starch.reshape %vb : tensor<1x2x2x4x8xf32> -> tensor<1x4x4x8xf32>
  %kt = starch.transpose %kr perm = [0, 1, 3, 2] : tensor<1x4x4x8xf32> -> tensor<1x4x8x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x4x4x8xf32>, tensor<1x4x8x4xf32>) -> tensor<1x4x4x4xf32>
  %scale = starch.constant dense<0.353553385> : tensor<1x4x4x4xf32>
  %ss = starch.mul %s, %scale : tensor<1x4x4x4xf32>
  %mask = starch.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %mb = starch.broadcast %mask dims = [0, 1, 2, 3] : tensor<1x1x4x4xf32> -> tensor<1x4x4x4xf32>
  %sm = starch.add %ss, %mb : tensor<1x4x4x4xf32>
  %p = starch.softmax %sm axis = 3 : tensor<1x4x4x4xf32>
  %o = starch.matmul %p, %vr {starch.layer = "model.layers.0"} : (tensor<1x4x4x4xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// -----

// scaled_dot_product_attention export: sqrt(scale) on q and on k^T, an
// additive mask computed at run time.
// CHECK-LABEL: func.func @sdpa_additive
// CHECK-SAME: (%[[Q:.*]]: tensor<2x2x4x8xf32>, %[[K:.*]]: tensor<2x2x4x8xf32>, %[[V:.*]]: tensor<2x2x4x8xf32>, %[[M:.*]]: tensor<2x1x4x4xf32>)
// CHECK-NEXT: %[[A:.*]] = starch.attention %[[Q]], %[[K]], %[[V]] bias %[[M]] mask = additive scale = 0.35355
// CHECK-NEXT: return %[[A]]
func.func @sdpa_additive(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %m: tensor<2x1x4x4xf32>) -> tensor<2x2x4x8xf32> {
  %c = starch.constant dense<0.594603539> : tensor<2x2x4x8xf32>
  %ct = starch.constant dense<0.594603539> : tensor<2x2x8x4xf32>
  %qs = starch.mul %q, %c : tensor<2x2x4x8xf32>
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<2x2x4x8xf32> -> tensor<2x2x8x4xf32>
  %kts = starch.mul %kt, %ct : tensor<2x2x8x4xf32>
  %s = starch.matmul %qs, %kts : (tensor<2x2x4x8xf32>, tensor<2x2x8x4xf32>) -> tensor<2x2x4x4xf32>
  %mb = starch.broadcast %m dims = [0, 1, 2, 3] : tensor<2x1x4x4xf32> -> tensor<2x2x4x4xf32>
  %sm = starch.add %mb, %s : tensor<2x2x4x4xf32>
  %p = starch.softmax %sm axis = 3 : tensor<2x2x4x4xf32>
  %o = starch.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// Bidirectional attention (vision encoders): no mask, scale by division.
// CHECK-LABEL: func.func @full_div_scale
// CHECK: starch.attention %{{.*}}, %{{.*}}, %{{.*}} mask = full scale = 2.500000e-01
func.func @full_div_scale(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<1x2x4x16xf32> -> tensor<1x2x16x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x2x4x16xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x4x4xf32>
  %d = starch.constant dense<4.0> : tensor<1x2x4x4xf32>
  %ss = starch.div %s, %d : tensor<1x2x4x4xf32>
  %p = starch.softmax %ss axis = 3 : tensor<1x2x4x4xf32>
  %o = starch.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}

// -----

// A softmax over the wrong axis is not attention.
// CHECK-LABEL: func.func @not_attention
// CHECK-NOT: starch.attention
func.func @not_attention(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  %kt = starch.transpose %k perm = [0, 1, 3, 2] : tensor<1x2x4x16xf32> -> tensor<1x2x16x4xf32>
  %s = starch.matmul %q, %kt : (tensor<1x2x4x16xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x4x4xf32>
  %p = starch.softmax %s axis = 2 : tensor<1x2x4x4xf32>
  %o = starch.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}

// The raised functions compute what the originals computed.
// NUMERICS: eager_gqa_causal: same numbers before and after --starch-raise
// NUMERICS: sdpa_additive: same numbers before and after --starch-raise
// NUMERICS: full_div_scale: same numbers before and after --starch-raise
// NUMERICS: not_attention: same numbers before and after --starch-raise
