// RUN: starch-opt %s -split-input-file --canonicalize | FileCheck %s

// The folders: ops that restate their operand disappear, chains of
// reshapes and transposes become one op, splat constants absorb the data
// movement applied to them, and involutions/idempotent ops simplify.

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3xf32>)
func.func @identities(%x: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
        tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK-NOT: starch.
  // CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
  %0 = starch.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = starch.convert %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = starch.broadcast %x dims = [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = starch.transpose %x perm = [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = starch.concat %x axis = 1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = starch.slice %x start = [0, 0] limit = [2, 3] strides = [1, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  %6 = starch.pad %x low = [0, 0] high = [0, 0] value = 1.0 : tensor<2x3xf32> -> tensor<2x3xf32>
  %7 = starch.reduce max %x dims = [] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
                                          tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Same types but not the identity: a reversal, a crop that pads back, and
// a strided slice of a size-1 dimension (which is the identity).

// CHECK-LABEL: func.func @not_identities
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x4xf32>)
func.func @not_identities(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  // CHECK: %[[REV:.*]] = starch.slice %[[X]] start = [0, 3] limit = [1, -1] strides = [1, -1]
  // CHECK: %[[SHIFT:.*]] = starch.pad %[[X]] low = [0, 1] high = [0, -1]
  // CHECK-NOT: starch.slice
  // CHECK: return %[[REV]], %[[SHIFT]], %[[X]]
  %0 = starch.slice %x start = [0, 3] limit = [1, -1] strides = [1, -1] : tensor<1x4xf32> -> tensor<1x4xf32>
  %1 = starch.pad %x low = [0, 1] high = [0, -1] value = 0.0 : tensor<1x4xf32> -> tensor<1x4xf32>
  %2 = starch.slice %x start = [0, 0] limit = [1, 4] strides = [5, 1] : tensor<1x4xf32> -> tensor<1x4xf32>
  return %0, %1, %2 : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x16x64xf32>)
func.func @reshape_chain(%x: tensor<2x16x64xf32>) -> (tensor<32x64xf32>, tensor<2x16x64xf32>) {
  // CHECK: %[[FLAT:.*]] = starch.reshape %[[X]] : tensor<2x16x64xf32> -> tensor<32x64xf32>
  // CHECK-NOT: starch.reshape
  // CHECK: return %[[FLAT]], %[[X]]
  %0 = starch.reshape %x : tensor<2x16x64xf32> -> tensor<2x16x4x16xf32>
  %1 = starch.reshape %0 : tensor<2x16x4x16xf32> -> tensor<32x64xf32>
  %2 = starch.reshape %1 : tensor<32x64xf32> -> tensor<2x16x64xf32>
  return %1, %2 : tensor<32x64xf32>, tensor<2x16x64xf32>
}

// -----

// t2(t1(x)) is one transpose by perm1[perm2[i]]; two inverse transposes cancel.

// CHECK-LABEL: func.func @transpose_chain
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3x4xf32>)
func.func @transpose_chain(%x: tensor<2x3x4xf32>) -> (tensor<4x2x3xf32>, tensor<2x3x4xf32>) {
  // CHECK: %[[T:.*]] = starch.transpose %[[X]] perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  // CHECK-NOT: starch.transpose
  // CHECK: return %[[T]], %[[X]]
  %0 = starch.transpose %x perm = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %1 = starch.transpose %0 perm = [2, 1, 0] : tensor<3x2x4xf32> -> tensor<4x2x3xf32>
  %2 = starch.transpose %x perm = [0, 2, 1] : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %3 = starch.transpose %2 perm = [0, 2, 1] : tensor<2x4x3xf32> -> tensor<2x3x4xf32>
  return %1, %3 : tensor<4x2x3xf32>, tensor<2x3x4xf32>
}

// -----

// Data movement of a splat constant is a splat constant.

// CHECK-LABEL: func.func @splat_movement
func.func @splat_movement() -> (tensor<2x3x4xf32>, tensor<4x2xi64>, tensor<2x2xf32>, tensor<6xi1>) {
  // CHECK-DAG: %[[B:.*]] = starch.constant dense<2.500000e-01> : tensor<2x3x4xf32>
  // CHECK-DAG: %[[T:.*]] = starch.constant dense<7> : tensor<4x2xi64>
  // CHECK-DAG: %[[S:.*]] = starch.constant dense<2.500000e-01> : tensor<2x2xf32>
  // CHECK-DAG: %[[R:.*]] = starch.constant dense<true> : tensor<6xi1>
  // CHECK-NOT: starch.broadcast
  // CHECK-NOT: starch.transpose
  // CHECK-NOT: starch.slice
  // CHECK-NOT: starch.reshape
  // CHECK: return %[[B]], %[[T]], %[[S]], %[[R]]
  %c = starch.constant dense<0.25> : tensor<4xf32>
  %0 = starch.broadcast %c dims = [2] : tensor<4xf32> -> tensor<2x3x4xf32>
  %i = starch.constant dense<7> : tensor<2x4xi64>
  %1 = starch.transpose %i perm = [1, 0] : tensor<2x4xi64> -> tensor<4x2xi64>
  %2 = starch.slice %0 start = [0, 0, 1] limit = [1, 3, 3] strides = [1, 2, 1] : tensor<2x3x4xf32> -> tensor<1x2x2xf32>
  %3 = starch.reshape %2 : tensor<1x2x2xf32> -> tensor<2x2xf32>
  %b = starch.constant dense<true> : tensor<2x3xi1>
  %4 = starch.reshape %b : tensor<2x3xi1> -> tensor<6xi1>
  return %0, %1, %3, %4 : tensor<2x3x4xf32>, tensor<4x2xi64>, tensor<2x2xf32>, tensor<6xi1>
}

// -----

// CHECK-LABEL: func.func @select
// CHECK-SAME: (%[[C:[^:]+]]: tensor<4xi1>, %[[A:[^:]+]]: tensor<4xf32>, %[[B:[^:]+]]: tensor<4xf32>)
func.func @select(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CHECK: %[[KEEP:.*]] = starch.select %[[C]], %[[A]], %[[B]]
  // CHECK: return %[[A]], %[[A]], %[[B]], %[[KEEP]]
  %true = starch.constant dense<true> : tensor<4xi1>
  %false = starch.constant dense<false> : tensor<4xi1>
  %0 = starch.select %c, %a, %a : tensor<4xi1>, tensor<4xf32>
  %1 = starch.select %true, %a, %b : tensor<4xi1>, tensor<4xf32>
  %2 = starch.select %false, %a, %b : tensor<4xi1>, tensor<4xf32>
  %3 = starch.select %c, %a, %b : tensor<4xi1>, tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// neg and not are involutions; abs, relu, floor, ceil and sign idempotent.

// CHECK-LABEL: func.func @involution_idempotent
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4xf32>, %[[I:[^:]+]]: tensor<4xi32>, %[[B:[^:]+]]: tensor<4xi1>)
func.func @involution_idempotent(%x: tensor<4xf32>, %i: tensor<4xi32>, %b: tensor<4xi1>)
    -> (tensor<4xf32>, tensor<4xi1>, tensor<4xi32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi32>) {
  // CHECK-DAG: %[[ABS:.*]] = starch.abs %[[I]] : tensor<4xi32>
  // CHECK-DAG: %[[RELU:.*]] = starch.relu %[[X]] : tensor<4xf32>
  // CHECK-DAG: %[[FLOOR:.*]] = starch.floor %[[X]] : tensor<4xf32>
  // CHECK-DAG: %[[CEIL:.*]] = starch.ceil %[[X]] : tensor<4xf32>
  // CHECK-DAG: %[[SIGN:.*]] = starch.sign %[[I]] : tensor<4xi32>
  // CHECK-NOT: starch.neg
  // CHECK-NOT: starch.not
  // CHECK: return %[[X]], %[[B]], %[[ABS]], %[[RELU]], %[[FLOOR]], %[[CEIL]], %[[SIGN]]
  %0 = starch.neg %x : tensor<4xf32>
  %1 = starch.neg %0 : tensor<4xf32>
  %2 = starch.not %b : tensor<4xi1>
  %3 = starch.not %2 : tensor<4xi1>
  %4 = starch.abs %i : tensor<4xi32>
  %5 = starch.abs %4 : tensor<4xi32>
  %6 = starch.relu %x : tensor<4xf32>
  %7 = starch.relu %6 : tensor<4xf32>
  %8 = starch.floor %x : tensor<4xf32>
  %9 = starch.floor %8 : tensor<4xf32>
  %10 = starch.ceil %x : tensor<4xf32>
  %11 = starch.ceil %10 : tensor<4xf32>
  %12 = starch.sign %i : tensor<4xi32>
  %13 = starch.sign %12 : tensor<4xi32>
  return %1, %3, %5, %7, %9, %11, %13 : tensor<4xf32>, tensor<4xi1>, tensor<4xi32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi32>
}

// -----

// Ops that change something are kept: a real reduction, a real conversion,
// a non-splat constant under data movement. (Constants move to the top.)

// CHECK-LABEL: func.func @kept
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3xf32>)
func.func @kept(%x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x3xf16>, tensor<2x2xi64>) {
  // CHECK: %[[C:.*]] = starch.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi64>
  // CHECK: %[[SUM:.*]] = starch.reduce sum %[[X]] dims = [1]
  // CHECK: %[[HALF:.*]] = starch.convert %[[X]] : tensor<2x3xf32> -> tensor<2x3xf16>
  // CHECK: %[[T:.*]] = starch.transpose %[[C]] perm = [1, 0]
  // CHECK: return %[[SUM]], %[[HALF]], %[[T]]
  %0 = starch.reduce sum %x dims = [1] : tensor<2x3xf32> -> tensor<2xf32>
  %1 = starch.convert %x : tensor<2x3xf32> -> tensor<2x3xf16>
  %c = starch.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %2 = starch.transpose %c perm = [1, 0] : tensor<2x2xi64> -> tensor<2x2xi64>
  return %0, %1, %2 : tensor<2xf32>, tensor<2x3xf16>, tensor<2x2xi64>
}
