// Round trip of starch.compare (every direction), starch.select and
// starch.convert, in the custom and in the generic form.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// Every comparison direction on floats.
// CHECK-LABEL: func.func @compare_directions
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<4x8xf32>)
// CHECK: %[[EQ:.*]] = starch.compare eq, %[[A]], %[[B]] : tensor<4x8xf32> -> tensor<4x8xi1>
// CHECK: %[[NE:.*]] = starch.compare ne, %[[A]], %[[B]] : tensor<4x8xf32> -> tensor<4x8xi1>
// CHECK: %[[LT:.*]] = starch.compare lt, %[[A]], %[[B]] : tensor<4x8xf32> -> tensor<4x8xi1>
// CHECK: %[[LE:.*]] = starch.compare le, %[[A]], %[[B]] : tensor<4x8xf32> -> tensor<4x8xi1>
// CHECK: %[[GT:.*]] = starch.compare gt, %[[A]], %[[B]] : tensor<4x8xf32> -> tensor<4x8xi1>
// CHECK: %[[GE:.*]] = starch.compare ge, %[[A]], %[[B]] : tensor<4x8xf32> -> tensor<4x8xi1>
// CHECK: return %[[EQ]], %[[NE]], %[[LT]], %[[LE]], %[[GT]], %[[GE]]
func.func @compare_directions(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>) {
  %eq = starch.compare eq, %a, %b : tensor<4x8xf32> -> tensor<4x8xi1>
  %ne = starch.compare ne, %a, %b : tensor<4x8xf32> -> tensor<4x8xi1>
  %lt = starch.compare lt, %a, %b : tensor<4x8xf32> -> tensor<4x8xi1>
  %le = starch.compare le, %a, %b : tensor<4x8xf32> -> tensor<4x8xi1>
  %gt = starch.compare gt, %a, %b : tensor<4x8xf32> -> tensor<4x8xi1>
  %ge = starch.compare ge, %a, %b : tensor<4x8xf32> -> tensor<4x8xi1>
  return %eq, %ne, %lt, %le, %gt, %ge : tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>, tensor<4x8xi1>
}

// -----

// Comparisons of integers, booleans, scalars and zero-size tensors.
// CHECK-LABEL: func.func @compare_edges
// CHECK-SAME: (%[[I:.*]]: tensor<8xi64>, %[[M:.*]]: tensor<8xi1>, %[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<0x3xbf16>)
// CHECK: %[[R0:.*]] = starch.compare le, %[[I]], %[[I]] : tensor<8xi64> -> tensor<8xi1>
// CHECK: %[[R1:.*]] = starch.compare ne, %[[M]], %[[M]] : tensor<8xi1> -> tensor<8xi1>
// CHECK: %[[R2:.*]] = starch.compare gt, %[[S]], %[[S]] : tensor<f32> -> tensor<i1>
// CHECK: %[[R3:.*]] = starch.compare eq, %[[Z]], %[[Z]] : tensor<0x3xbf16> -> tensor<0x3xi1>
// CHECK: return %[[R0]], %[[R1]], %[[R2]], %[[R3]]
func.func @compare_edges(%i: tensor<8xi64>, %m: tensor<8xi1>, %s: tensor<f32>, %z: tensor<0x3xbf16>) -> (tensor<8xi1>, tensor<8xi1>, tensor<i1>, tensor<0x3xi1>) {
  %r0 = starch.compare le, %i, %i : tensor<8xi64> -> tensor<8xi1>
  %r1 = starch.compare ne, %m, %m : tensor<8xi1> -> tensor<8xi1>
  %r2 = starch.compare gt, %s, %s : tensor<f32> -> tensor<i1>
  %r3 = starch.compare eq, %z, %z : tensor<0x3xbf16> -> tensor<0x3xi1>
  return %r0, %r1, %r2, %r3 : tensor<8xi1>, tensor<8xi1>, tensor<i1>, tensor<0x3xi1>
}

// -----

// A causal mask built from iota, compare and select, as the importer emits it.
// CHECK-LABEL: func.func @causal_mask
// CHECK-SAME: (%[[SCORES:.*]]: tensor<8x8xf32>, %[[NEG:.*]]: tensor<8x8xf32>)
// CHECK: %[[ROWS:.*]] = starch.iota dim = 0 : tensor<8x8xi64>
// CHECK: %[[COLS:.*]] = starch.iota dim = 1 : tensor<8x8xi64>
// CHECK: %[[KEEP:.*]] = starch.compare le, %[[COLS]], %[[ROWS]] : tensor<8x8xi64> -> tensor<8x8xi1>
// CHECK: %[[MASKED:.*]] = starch.select %[[KEEP]], %[[SCORES]], %[[NEG]] : tensor<8x8xi1>, tensor<8x8xf32>
// CHECK: return %[[MASKED]]
func.func @causal_mask(%scores: tensor<8x8xf32>, %neg: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %rows = starch.iota dim = 0 : tensor<8x8xi64>
  %cols = starch.iota dim = 1 : tensor<8x8xi64>
  %keep = starch.compare le, %cols, %rows : tensor<8x8xi64> -> tensor<8x8xi1>
  %masked = starch.select %keep, %scores, %neg : tensor<8x8xi1>, tensor<8x8xf32>
  return %masked : tensor<8x8xf32>
}

// -----

// select on integers, booleans, scalars and zero-size tensors.
// CHECK-LABEL: func.func @select_edges
// CHECK-SAME: (%[[C:.*]]: tensor<4xi1>, %[[I:.*]]: tensor<4xi64>, %[[B:.*]]: tensor<4xi1>, %[[SC:.*]]: tensor<i1>, %[[S:.*]]: tensor<f32>, %[[ZC:.*]]: tensor<0xi1>, %[[Z:.*]]: tensor<0xf32>)
// CHECK: %[[R0:.*]] = starch.select %[[C]], %[[I]], %[[I]] : tensor<4xi1>, tensor<4xi64>
// CHECK: %[[R1:.*]] = starch.select %[[C]], %[[B]], %[[C]] : tensor<4xi1>, tensor<4xi1>
// CHECK: %[[R2:.*]] = starch.select %[[SC]], %[[S]], %[[S]] : tensor<i1>, tensor<f32>
// CHECK: %[[R3:.*]] = starch.select %[[ZC]], %[[Z]], %[[Z]] : tensor<0xi1>, tensor<0xf32>
// CHECK: return %[[R0]], %[[R1]], %[[R2]], %[[R3]]
func.func @select_edges(%c: tensor<4xi1>, %i: tensor<4xi64>, %b: tensor<4xi1>, %sc: tensor<i1>, %s: tensor<f32>, %zc: tensor<0xi1>, %z: tensor<0xf32>) -> (tensor<4xi64>, tensor<4xi1>, tensor<f32>, tensor<0xf32>) {
  %r0 = starch.select %c, %i, %i : tensor<4xi1>, tensor<4xi64>
  %r1 = starch.select %c, %b, %c : tensor<4xi1>, tensor<4xi1>
  %r2 = starch.select %sc, %s, %s : tensor<i1>, tensor<f32>
  %r3 = starch.select %zc, %z, %z : tensor<0xi1>, tensor<0xf32>
  return %r0, %r1, %r2, %r3 : tensor<4xi64>, tensor<4xi1>, tensor<f32>, tensor<0xf32>
}

// -----

// convert between float widths, float and integer, integer widths, to and
// from i1, on scalars and zero-size tensors, and to the same type.
// CHECK-LABEL: func.func @convert
// CHECK-SAME: (%[[F:.*]]: tensor<2x4xf32>, %[[I:.*]]: tensor<2x4xi64>, %[[M:.*]]: tensor<2x4xi1>, %[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<0x4xf32>)
// CHECK: %[[BF:.*]] = starch.convert %[[F]] : tensor<2x4xf32> -> tensor<2x4xbf16>
// CHECK: %[[F16:.*]] = starch.convert %[[BF]] : tensor<2x4xbf16> -> tensor<2x4xf16>
// CHECK: %[[F64:.*]] = starch.convert %[[F16]] : tensor<2x4xf16> -> tensor<2x4xf64>
// CHECK: %[[TOI:.*]] = starch.convert %[[F]] : tensor<2x4xf32> -> tensor<2x4xi32>
// CHECK: %[[WIDE:.*]] = starch.convert %[[TOI]] : tensor<2x4xi32> -> tensor<2x4xi64>
// CHECK: %[[TOF:.*]] = starch.convert %[[I]] : tensor<2x4xi64> -> tensor<2x4xf32>
// CHECK: %[[TOB:.*]] = starch.convert %[[F]] : tensor<2x4xf32> -> tensor<2x4xi1>
// CHECK: %[[FROMB:.*]] = starch.convert %[[M]] : tensor<2x4xi1> -> tensor<2x4xf32>
// CHECK: %[[SCALAR:.*]] = starch.convert %[[S]] : tensor<f32> -> tensor<i64>
// CHECK: %[[EMPTY:.*]] = starch.convert %[[Z]] : tensor<0x4xf32> -> tensor<0x4xf16>
// CHECK: %[[SAME:.*]] = starch.convert %[[F]] : tensor<2x4xf32> -> tensor<2x4xf32>
// CHECK: return %[[F64]], %[[WIDE]], %[[TOF]], %[[TOB]], %[[FROMB]], %[[SCALAR]], %[[EMPTY]], %[[SAME]]
func.func @convert(%f: tensor<2x4xf32>, %i: tensor<2x4xi64>, %m: tensor<2x4xi1>, %s: tensor<f32>, %z: tensor<0x4xf32>) -> (tensor<2x4xf64>, tensor<2x4xi64>, tensor<2x4xf32>, tensor<2x4xi1>, tensor<2x4xf32>, tensor<i64>, tensor<0x4xf16>, tensor<2x4xf32>) {
  %bf = starch.convert %f : tensor<2x4xf32> -> tensor<2x4xbf16>
  %f16 = starch.convert %bf : tensor<2x4xbf16> -> tensor<2x4xf16>
  %f64 = starch.convert %f16 : tensor<2x4xf16> -> tensor<2x4xf64>
  %toi = starch.convert %f : tensor<2x4xf32> -> tensor<2x4xi32>
  %wide = starch.convert %toi : tensor<2x4xi32> -> tensor<2x4xi64>
  %tof = starch.convert %i : tensor<2x4xi64> -> tensor<2x4xf32>
  %tob = starch.convert %f : tensor<2x4xf32> -> tensor<2x4xi1>
  %fromb = starch.convert %m : tensor<2x4xi1> -> tensor<2x4xf32>
  %scalar = starch.convert %s : tensor<f32> -> tensor<i64>
  %empty = starch.convert %z : tensor<0x4xf32> -> tensor<0x4xf16>
  %same = starch.convert %f : tensor<2x4xf32> -> tensor<2x4xf32>
  return %f64, %wide, %tof, %tob, %fromb, %scalar, %empty, %same : tensor<2x4xf64>, tensor<2x4xi64>, tensor<2x4xf32>, tensor<2x4xi1>, tensor<2x4xf32>, tensor<i64>, tensor<0x4xf16>, tensor<2x4xf32>
}
