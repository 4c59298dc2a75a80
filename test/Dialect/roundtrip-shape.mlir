// Round trip of the shape and data-movement ops (broadcast, reshape,
// transpose, concat, slice, pad, gather), in the custom and in the generic
// form, including rank-0 and zero-size shapes, negative strides and pads.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// A bias broadcast into new leading dimensions, size-1 expansion, a rank-0
// broadcast, broadcasts into zero-size results and the identity.
// CHECK-LABEL: func.func @broadcast
// CHECK-SAME: (%[[BIAS:.*]]: tensor<64xf32>, %[[ONE:.*]]: tensor<1x64xf32>, %[[S:.*]]: tensor<f32>, %[[ONE1:.*]]: tensor<1xi64>, %[[Z:.*]]: tensor<0xf32>)
// CHECK: %[[R0:.*]] = starch.broadcast %[[BIAS]] dims = [2] : tensor<64xf32> -> tensor<2x16x64xf32>
// CHECK: %[[R1:.*]] = starch.broadcast %[[ONE]] dims = [1, 2] : tensor<1x64xf32> -> tensor<2x16x64xf32>
// CHECK: %[[R2:.*]] = starch.broadcast %[[S]] dims = [] : tensor<f32> -> tensor<2x3xf32>
// CHECK: %[[R3:.*]] = starch.broadcast %[[S]] dims = [] : tensor<f32> -> tensor<f32>
// CHECK: %[[R4:.*]] = starch.broadcast %[[ONE1]] dims = [1] : tensor<1xi64> -> tensor<0x5xi64>
// CHECK: %[[R5:.*]] = starch.broadcast %[[ONE1]] dims = [0] : tensor<1xi64> -> tensor<0xi64>
// CHECK: %[[R6:.*]] = starch.broadcast %[[Z]] dims = [0] : tensor<0xf32> -> tensor<0x3xf32>
// CHECK: return %[[R0]], %[[R1]], %[[R2]], %[[R3]], %[[R4]], %[[R5]], %[[R6]]
func.func @broadcast(%bias: tensor<64xf32>, %one: tensor<1x64xf32>, %s: tensor<f32>, %one1: tensor<1xi64>, %z: tensor<0xf32>) -> (tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x3xf32>, tensor<f32>, tensor<0x5xi64>, tensor<0xi64>, tensor<0x3xf32>) {
  %r0 = starch.broadcast %bias dims = [2] : tensor<64xf32> -> tensor<2x16x64xf32>
  %r1 = starch.broadcast %one dims = [1, 2] : tensor<1x64xf32> -> tensor<2x16x64xf32>
  %r2 = starch.broadcast %s dims = [] : tensor<f32> -> tensor<2x3xf32>
  %r3 = starch.broadcast %s dims = [] : tensor<f32> -> tensor<f32>
  %r4 = starch.broadcast %one1 dims = [1] : tensor<1xi64> -> tensor<0x5xi64>
  %r5 = starch.broadcast %one1 dims = [0] : tensor<1xi64> -> tensor<0xi64>
  %r6 = starch.broadcast %z dims = [0] : tensor<0xf32> -> tensor<0x3xf32>
  return %r0, %r1, %r2, %r3, %r4, %r5, %r6 : tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<2x3xf32>, tensor<f32>, tensor<0x5xi64>, tensor<0xi64>, tensor<0x3xf32>
}

// -----

// Reshapes: head split, to and from a scalar, between zero-size shapes, and
// the identity (kept: no folding without a pass).
// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x64xf32>, %[[ONE:.*]]: tensor<1x1xi64>, %[[Z:.*]]: tensor<0x4xf32>)
// CHECK: %[[HEADS:.*]] = starch.reshape %[[X]] : tensor<2x8x64xf32> -> tensor<2x8x4x16xf32>
// CHECK: %[[SCALAR:.*]] = starch.reshape %[[ONE]] : tensor<1x1xi64> -> tensor<i64>
// CHECK: %[[BACK:.*]] = starch.reshape %[[SCALAR]] : tensor<i64> -> tensor<1x1x1xi64>
// CHECK: %[[EMPTY:.*]] = starch.reshape %[[Z]] : tensor<0x4xf32> -> tensor<4x0x2xf32>
// CHECK: %[[SAME:.*]] = starch.reshape %[[X]] : tensor<2x8x64xf32> -> tensor<2x8x64xf32>
// CHECK: return %[[HEADS]], %[[BACK]], %[[EMPTY]], %[[SAME]]
func.func @reshape(%x: tensor<2x8x64xf32>, %one: tensor<1x1xi64>, %z: tensor<0x4xf32>) -> (tensor<2x8x4x16xf32>, tensor<1x1x1xi64>, tensor<4x0x2xf32>, tensor<2x8x64xf32>) {
  %heads = starch.reshape %x : tensor<2x8x64xf32> -> tensor<2x8x4x16xf32>
  %scalar = starch.reshape %one : tensor<1x1xi64> -> tensor<i64>
  %back = starch.reshape %scalar : tensor<i64> -> tensor<1x1x1xi64>
  %empty = starch.reshape %z : tensor<0x4xf32> -> tensor<4x0x2xf32>
  %same = starch.reshape %x : tensor<2x8x64xf32> -> tensor<2x8x64xf32>
  return %heads, %back, %empty, %same : tensor<2x8x4x16xf32>, tensor<1x1x1xi64>, tensor<4x0x2xf32>, tensor<2x8x64xf32>
}

// -----

// Transposes: head swap, matrix transpose, identity, rank 0 and zero-size.
// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x4x16xf32>, %[[M:.*]]: tensor<3x5xi32>, %[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<0x7xf32>)
// CHECK: %[[HEADS:.*]] = starch.transpose %[[X]] perm = [0, 2, 1, 3] : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
// CHECK: %[[KT:.*]] = starch.transpose %[[X]] perm = [0, 2, 3, 1] : tensor<2x8x4x16xf32> -> tensor<2x4x16x8xf32>
// CHECK: %[[MT:.*]] = starch.transpose %[[M]] perm = [1, 0] : tensor<3x5xi32> -> tensor<5x3xi32>
// CHECK: %[[ID:.*]] = starch.transpose %[[M]] perm = [0, 1] : tensor<3x5xi32> -> tensor<3x5xi32>
// CHECK: %[[SCALAR:.*]] = starch.transpose %[[S]] perm = [] : tensor<f32> -> tensor<f32>
// CHECK: %[[EMPTY:.*]] = starch.transpose %[[Z]] perm = [1, 0] : tensor<0x7xf32> -> tensor<7x0xf32>
// CHECK: return %[[HEADS]], %[[KT]], %[[MT]], %[[ID]], %[[SCALAR]], %[[EMPTY]]
func.func @transpose(%x: tensor<2x8x4x16xf32>, %m: tensor<3x5xi32>, %s: tensor<f32>, %z: tensor<0x7xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>, tensor<5x3xi32>, tensor<3x5xi32>, tensor<f32>, tensor<7x0xf32>) {
  %heads = starch.transpose %x perm = [0, 2, 1, 3] : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
  %kt = starch.transpose %x perm = [0, 2, 3, 1] : tensor<2x8x4x16xf32> -> tensor<2x4x16x8xf32>
  %mt = starch.transpose %m perm = [1, 0] : tensor<3x5xi32> -> tensor<5x3xi32>
  %id = starch.transpose %m perm = [0, 1] : tensor<3x5xi32> -> tensor<3x5xi32>
  %scalar = starch.transpose %s perm = [] : tensor<f32> -> tensor<f32>
  %empty = starch.transpose %z perm = [1, 0] : tensor<0x7xf32> -> tensor<7x0xf32>
  return %heads, %kt, %mt, %id, %scalar, %empty : tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>, tensor<5x3xi32>, tensor<3x5xi32>, tensor<f32>, tensor<7x0xf32>
}

// -----

// Concatenation of three operands, of one, of zero-size pieces, along the
// last dimension and of integers.
// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<4x3xf32>, %[[Z:.*]]: tensor<0x3xf32>, %[[I:.*]]: tensor<1x2xi64>, %[[J:.*]]: tensor<1x5xi64>)
// CHECK: %[[ROWS:.*]] = starch.concat %[[A]], %[[B]], %[[A]] axis = 0 : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<8x3xf32>
// CHECK: %[[ONE:.*]] = starch.concat %[[A]] axis = 1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[EMPTY:.*]] = starch.concat %[[Z]], %[[A]], %[[Z]] axis = 0 : (tensor<0x3xf32>, tensor<2x3xf32>, tensor<0x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[ALLEMPTY:.*]] = starch.concat %[[Z]], %[[Z]] axis = 1 : (tensor<0x3xf32>, tensor<0x3xf32>) -> tensor<0x6xf32>
// CHECK: %[[INTS:.*]] = starch.concat %[[I]], %[[J]] axis = 1 : (tensor<1x2xi64>, tensor<1x5xi64>) -> tensor<1x7xi64>
// CHECK: return %[[ROWS]], %[[ONE]], %[[EMPTY]], %[[ALLEMPTY]], %[[INTS]]
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %z: tensor<0x3xf32>, %i: tensor<1x2xi64>, %j: tensor<1x5xi64>) -> (tensor<8x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<0x6xf32>, tensor<1x7xi64>) {
  %rows = starch.concat %a, %b, %a axis = 0 : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<8x3xf32>
  %one = starch.concat %a axis = 1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %empty = starch.concat %z, %a, %z axis = 0 : (tensor<0x3xf32>, tensor<2x3xf32>, tensor<0x3xf32>) -> tensor<2x3xf32>
  %allempty = starch.concat %z, %z axis = 1 : (tensor<0x3xf32>, tensor<0x3xf32>) -> tensor<0x6xf32>
  %ints = starch.concat %i, %j axis = 1 : (tensor<1x2xi64>, tensor<1x5xi64>) -> tensor<1x7xi64>
  return %rows, %one, %empty, %allempty, %ints : tensor<8x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<0x6xf32>, tensor<1x7xi64>
}

// -----

// Slices: contiguous, strided with a partial last step, reversed (stride -1
// over the whole dimension), reversed with stride -2, empty windows, the
// whole tensor and a scalar.
// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<8xi64>, %[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<0x3xf32>)
// CHECK: %[[HALF:.*]] = starch.slice %[[X]] start = [0, 4] limit = [4, 8] strides = [1, 1] : tensor<4x8xf32> -> tensor<4x4xf32>
// CHECK: %[[ODD:.*]] = starch.slice %[[X]] start = [1, 1] limit = [4, 8] strides = [2, 2] : tensor<4x8xf32> -> tensor<2x4xf32>
// CHECK: %[[REV:.*]] = starch.slice %[[V]] start = [7] limit = [-1] strides = [-1] : tensor<8xi64> -> tensor<8xi64>
// CHECK: %[[REV2:.*]] = starch.slice %[[X]] start = [3, 6] limit = [-1, 0] strides = [-2, -3] : tensor<4x8xf32> -> tensor<2x2xf32>
// CHECK: %[[NONE:.*]] = starch.slice %[[X]] start = [2, 0] limit = [2, 8] strides = [1, 1] : tensor<4x8xf32> -> tensor<0x8xf32>
// CHECK: %[[BACKWARD:.*]] = starch.slice %[[V]] start = [2] limit = [5] strides = [-1] : tensor<8xi64> -> tensor<0xi64>
// CHECK: %[[ALL:.*]] = starch.slice %[[X]] start = [0, 0] limit = [4, 8] strides = [1, 1] : tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK: %[[SCALAR:.*]] = starch.slice %[[S]] start = [] limit = [] strides = [] : tensor<f32> -> tensor<f32>
// CHECK: %[[EMPTY:.*]] = starch.slice %[[Z]] start = [0, 1] limit = [0, 3] strides = [1, 1] : tensor<0x3xf32> -> tensor<0x2xf32>
// CHECK: return %[[HALF]], %[[ODD]], %[[REV]], %[[REV2]], %[[NONE]], %[[BACKWARD]], %[[ALL]], %[[SCALAR]], %[[EMPTY]]
func.func @slice(%x: tensor<4x8xf32>, %v: tensor<8xi64>, %s: tensor<f32>, %z: tensor<0x3xf32>) -> (tensor<4x4xf32>, tensor<2x4xf32>, tensor<8xi64>, tensor<2x2xf32>, tensor<0x8xf32>, tensor<0xi64>, tensor<4x8xf32>, tensor<f32>, tensor<0x2xf32>) {
  %half = starch.slice %x start = [0, 4] limit = [4, 8] strides = [1, 1] : tensor<4x8xf32> -> tensor<4x4xf32>
  %odd = starch.slice %x start = [1, 1] limit = [4, 8] strides = [2, 2] : tensor<4x8xf32> -> tensor<2x4xf32>
  %rev = starch.slice %v start = [7] limit = [-1] strides = [-1] : tensor<8xi64> -> tensor<8xi64>
  %rev2 = starch.slice %x start = [3, 6] limit = [-1, 0] strides = [-2, -3] : tensor<4x8xf32> -> tensor<2x2xf32>
  %none = starch.slice %x start = [2, 0] limit = [2, 8] strides = [1, 1] : tensor<4x8xf32> -> tensor<0x8xf32>
  %backward = starch.slice %v start = [2] limit = [5] strides = [-1] : tensor<8xi64> -> tensor<0xi64>
  %all = starch.slice %x start = [0, 0] limit = [4, 8] strides = [1, 1] : tensor<4x8xf32> -> tensor<4x8xf32>
  %scalar = starch.slice %s start = [] limit = [] strides = [] : tensor<f32> -> tensor<f32>
  %empty = starch.slice %z start = [0, 1] limit = [0, 3] strides = [1, 1] : tensor<0x3xf32> -> tensor<0x2xf32>
  return %half, %odd, %rev, %rev2, %none, %backward, %all, %scalar, %empty : tensor<4x4xf32>, tensor<2x4xf32>, tensor<8xi64>, tensor<2x2xf32>, tensor<0x8xf32>, tensor<0xi64>, tensor<4x8xf32>, tensor<f32>, tensor<0x2xf32>
}

// -----

// Pads: positive, negative (crop), mixed, down to and up from zero size, on a
// scalar, with an integer element type and with non-finite fill values.
// CHECK-LABEL: func.func @pad
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[I:.*]]: tensor<3xi64>, %[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<0x2xf32>)
// CHECK: %[[GROW:.*]] = starch.pad %[[X]] low = [1, 0] high = [2, 3] value = 0.000000e+00 : tensor<4x8xf32> -> tensor<7x11xf32>
// CHECK: %[[CROP:.*]] = starch.pad %[[X]] low = [-1, -2] high = [-1, 0] value = 0.000000e+00 : tensor<4x8xf32> -> tensor<2x6xf32>
// CHECK: %[[MIXED:.*]] = starch.pad %[[X]] low = [-2, 1] high = [3, -4] value = 1.500000e+00 : tensor<4x8xf32> -> tensor<5x5xf32>
// CHECK: %[[TOZERO:.*]] = starch.pad %[[X]] low = [-4, 0] high = [0, 0] value = 0.000000e+00 : tensor<4x8xf32> -> tensor<0x8xf32>
// CHECK: %[[FROMZERO:.*]] = starch.pad %[[Z]] low = [1, 0] high = [1, 0] value = -1.000000e+00 : tensor<0x2xf32> -> tensor<2x2xf32>
// CHECK: %[[SCALAR:.*]] = starch.pad %[[S]] low = [] high = [] value = 0.000000e+00 : tensor<f32> -> tensor<f32>
// CHECK: %[[INTS:.*]] = starch.pad %[[I]] low = [2] high = [0] value = -1.000000e+00 : tensor<3xi64> -> tensor<5xi64>
// CHECK: %[[NEGINF:.*]] = starch.pad %[[X]] low = [0, 1] high = [0, 0] value = 0xFFF0000000000000 : tensor<4x8xf32> -> tensor<4x9xf32>
// CHECK: %[[NAN:.*]] = starch.pad %[[X]] low = [0, 0] high = [0, 1] value = 0x7FF8000000000000 : tensor<4x8xf32> -> tensor<4x9xf32>
// CHECK: return %[[GROW]], %[[CROP]], %[[MIXED]], %[[TOZERO]], %[[FROMZERO]], %[[SCALAR]], %[[INTS]], %[[NEGINF]], %[[NAN]]
func.func @pad(%x: tensor<4x8xf32>, %i: tensor<3xi64>, %s: tensor<f32>, %z: tensor<0x2xf32>) -> (tensor<7x11xf32>, tensor<2x6xf32>, tensor<5x5xf32>, tensor<0x8xf32>, tensor<2x2xf32>, tensor<f32>, tensor<5xi64>, tensor<4x9xf32>, tensor<4x9xf32>) {
  %grow = starch.pad %x low = [1, 0] high = [2, 3] value = 0.0 : tensor<4x8xf32> -> tensor<7x11xf32>
  %crop = starch.pad %x low = [-1, -2] high = [-1, 0] value = 0.0 : tensor<4x8xf32> -> tensor<2x6xf32>
  %mixed = starch.pad %x low = [-2, 1] high = [3, -4] value = 1.5 : tensor<4x8xf32> -> tensor<5x5xf32>
  %tozero = starch.pad %x low = [-4, 0] high = [0, 0] value = 0.0 : tensor<4x8xf32> -> tensor<0x8xf32>
  %fromzero = starch.pad %z low = [1, 0] high = [1, 0] value = -1.0 : tensor<0x2xf32> -> tensor<2x2xf32>
  %scalar = starch.pad %s low = [] high = [] value = 0.0 : tensor<f32> -> tensor<f32>
  %ints = starch.pad %i low = [2] high = [0] value = -1.0 : tensor<3xi64> -> tensor<5xi64>
  %neginf = starch.pad %x low = [0, 1] high = [0, 0] value = 0xFFF0000000000000 : tensor<4x8xf32> -> tensor<4x9xf32>
  %nan = starch.pad %x low = [0, 0] high = [0, 1] value = 0x7FF8000000000000 : tensor<4x8xf32> -> tensor<4x9xf32>
  return %grow, %crop, %mixed, %tozero, %fromzero, %scalar, %ints, %neginf, %nan : tensor<7x11xf32>, tensor<2x6xf32>, tensor<5x5xf32>, tensor<0x8xf32>, tensor<2x2xf32>, tensor<f32>, tensor<5xi64>, tensor<4x9xf32>, tensor<4x9xf32>
}

// -----

// Gathers: an embedding lookup (axis 0, i64 token ids), a middle axis with
// i32 indices, scalar indices (the axis disappears), zero-size indices and a
// zero-size dimension outside the axis.
// CHECK-LABEL: func.func @gather
// CHECK-SAME: (%[[TABLE:.*]]: tensor<128x64xf32>, %[[IDS:.*]]: tensor<2x8xi64>, %[[X:.*]]: tensor<2x5x3xbf16>, %[[J:.*]]: tensor<4xi32>, %[[K:.*]]: tensor<i64>, %[[NONE:.*]]: tensor<0xi64>, %[[Z:.*]]: tensor<3x0xf32>)
// CHECK: %[[EMBED:.*]] = starch.gather %[[TABLE]][%[[IDS]]] axis = 0 : (tensor<128x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
// CHECK: %[[MIDDLE:.*]] = starch.gather %[[X]][%[[J]]] axis = 1 : (tensor<2x5x3xbf16>, tensor<4xi32>) -> tensor<2x4x3xbf16>
// CHECK: %[[PICK:.*]] = starch.gather %[[X]][%[[K]]] axis = 2 : (tensor<2x5x3xbf16>, tensor<i64>) -> tensor<2x5xbf16>
// CHECK: %[[EMPTY:.*]] = starch.gather %[[TABLE]][%[[NONE]]] axis = 0 : (tensor<128x64xf32>, tensor<0xi64>) -> tensor<0x64xf32>
// CHECK: %[[ZERO:.*]] = starch.gather %[[Z]][%[[J]]] axis = 0 : (tensor<3x0xf32>, tensor<4xi32>) -> tensor<4x0xf32>
// CHECK: return %[[EMBED]], %[[MIDDLE]], %[[PICK]], %[[EMPTY]], %[[ZERO]]
func.func @gather(%table: tensor<128x64xf32>, %ids: tensor<2x8xi64>, %x: tensor<2x5x3xbf16>, %j: tensor<4xi32>, %k: tensor<i64>, %none: tensor<0xi64>, %z: tensor<3x0xf32>) -> (tensor<2x8x64xf32>, tensor<2x4x3xbf16>, tensor<2x5xbf16>, tensor<0x64xf32>, tensor<4x0xf32>) {
  %embed = starch.gather %table[%ids] axis = 0 : (tensor<128x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
  %middle = starch.gather %x[%j] axis = 1 : (tensor<2x5x3xbf16>, tensor<4xi32>) -> tensor<2x4x3xbf16>
  %pick = starch.gather %x[%k] axis = 2 : (tensor<2x5x3xbf16>, tensor<i64>) -> tensor<2x5xbf16>
  %empty = starch.gather %table[%none] axis = 0 : (tensor<128x64xf32>, tensor<0xi64>) -> tensor<0x64xf32>
  %zero = starch.gather %z[%j] axis = 0 : (tensor<3x0xf32>, tensor<4xi32>) -> tensor<4x0xf32>
  return %embed, %middle, %pick, %empty, %zero : tensor<2x8x64xf32>, tensor<2x4x3xbf16>, tensor<2x5xbf16>, tensor<0x64xf32>, tensor<4x0xf32>
}

// gather's adjoint: the token rows' cotangents summed into the table.
// CHECK-LABEL: func.func @scatter_add
// CHECK: starch.scatter_add %{{.*}}[%{{.*}}] axis = 0 : (tensor<2x16x64xf32>, tensor<2x16xi64>) -> tensor<128x64xf32>
func.func @scatter_add(%dy: tensor<2x16x64xf32>, %ids: tensor<2x16xi64>) -> tensor<128x64xf32> {
  %d = starch.scatter_add %dy[%ids] axis = 0 : (tensor<2x16x64xf32>, tensor<2x16xi64>) -> tensor<128x64xf32>
  return %d : tensor<128x64xf32>
}
