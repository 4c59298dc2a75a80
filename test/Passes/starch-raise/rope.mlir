// RUN: starch-opt %s --starch-raise -split-input-file | FileCheck %s
// RUN: %python %S/../../Inputs/check_pass_numerics.py --bin %starch_bin %s -- --starch-raise | FileCheck %s --check-prefix=NUMERICS

// Hugging Face apply_rotary_pos_emb on 2 x 4 x 8 x 16 with a batch-1 table.
// CHECK-LABEL: func.func @rope_batch1_table
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8x16xf32>, %[[COS:.*]]: tensor<1x1x8x16xf32>, %[[SIN:.*]]: tensor<1x1x8x16xf32>)
// CHECK-DAG: %[[C:.*]] = starch.reshape %[[COS]] {{.*}}: tensor<1x1x8x16xf32> -> tensor<1x8x16xf32>
// CHECK-DAG: %[[CB:.*]] = starch.broadcast %[[C]] dims = [0, 1, 2] {{.*}}-> tensor<2x8x16xf32>
// CHECK-DAG: %[[S:.*]] = starch.reshape %[[SIN]]
// CHECK-DAG: %[[SB:.*]] = starch.broadcast %[[S]]
// CHECK: %[[R:.*]] = starch.rope %[[X]], %[[CB]], %[[SB]] {starch.layer = "model.layers.0"}
// CHECK-NOT: starch.concat
// CHECK: return %[[R]]
func.func @rope_batch1_table(%x: tensor<2x4x8x16xf32>, %cos: tensor<1x1x8x16xf32>, %sin: tensor<1x1x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %cb = starch.broadcast %cos dims = [0, 1, 2, 3] : tensor<1x1x8x16xf32> -> tensor<2x4x8x16xf32>
  %sb = starch.broadcast %sin dims = [0, 1, 2, 3] : tensor<1x1x8x16xf32> -> tensor<2x4x8x16xf32>
  %xc = starch.mul %x, %cb : tensor<2x4x8x16xf32>
  %x1 = starch.slice %x start = [0, 0, 0, 0] limit = [2, 4, 8, 8] strides = [1, 1, 1, 1] : tensor<2x4x8x16xf32> -> tensor<2x4x8x8xf32>
  %x2 = starch.slice %x start = [0, 0, 0, 8] limit = [2, 4, 8, 16] strides = [1, 1, 1, 1] : tensor<2x4x8x16xf32> -> tensor<2x4x8x8xf32>
  %n2 = starch.neg %x2 : tensor<2x4x8x8xf32>
  %rot = starch.concat %n2, %x1 axis = 3 : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x16xf32>
  %rs = starch.mul %rot, %sb : tensor<2x4x8x16xf32>
  %y = starch.add %xc, %rs {starch.layer = "model.layers.0"} : tensor<2x4x8x16xf32>
  return %y : tensor<2x4x8x16xf32>
}

// -----

// Halves swapped the wrong way round: not rotate_half.
// CHECK-LABEL: func.func @not_rope
// CHECK-NOT: starch.rope
func.func @not_rope(%x: tensor<2x4x8x16xf32>, %cos: tensor<2x1x8x16xf32>, %sin: tensor<2x1x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %cb = starch.broadcast %cos dims = [0, 1, 2, 3] : tensor<2x1x8x16xf32> -> tensor<2x4x8x16xf32>
  %sb = starch.broadcast %sin dims = [0, 1, 2, 3] : tensor<2x1x8x16xf32> -> tensor<2x4x8x16xf32>
  %xc = starch.mul %x, %cb : tensor<2x4x8x16xf32>
  %x1 = starch.slice %x start = [0, 0, 0, 0] limit = [2, 4, 8, 8] strides = [1, 1, 1, 1] : tensor<2x4x8x16xf32> -> tensor<2x4x8x8xf32>
  %x2 = starch.slice %x start = [0, 0, 0, 8] limit = [2, 4, 8, 16] strides = [1, 1, 1, 1] : tensor<2x4x8x16xf32> -> tensor<2x4x8x8xf32>
  %n1 = starch.neg %x1 : tensor<2x4x8x8xf32>
  %rot = starch.concat %n1, %x2 axis = 3 : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x16xf32>
  %rs = starch.mul %rot, %sb : tensor<2x4x8x16xf32>
  %y = starch.add %xc, %rs : tensor<2x4x8x16xf32>
  return %y : tensor<2x4x8x16xf32>
}

// The raised functions compute what the originals computed.
// NUMERICS: rope_batch1_table: same numbers before and after --starch-raise
// NUMERICS: not_rope: same numbers before and after --starch-raise
