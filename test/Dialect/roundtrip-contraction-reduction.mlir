// Round trip of matmul, reduce (every kind), argmax, cumsum, softmax and
// log_softmax, in the custom and in the generic form.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// Matrix products: plain, batched over two dimensions, an empty contraction
// (K = 0), a zero-size result and low precision.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8x16xf32>, %[[Q:.*]]: tensor<2x4x8x16xf32>, %[[KT:.*]]: tensor<2x4x16x8xf32>, %[[E:.*]]: tensor<3x0xf32>, %[[F:.*]]: tensor<0x5xf32>, %[[H:.*]]: tensor<2x3xbf16>, %[[G:.*]]: tensor<3x2xbf16>, %[[W:.*]]: tensor<5x16xf32>)
// CHECK: %[[PLAIN:.*]] = starch.matmul %[[A]], %[[B]] : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK: %[[SCORES:.*]] = starch.matmul %[[Q]], %[[KT]] : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
// CHECK: %[[EMPTYK:.*]] = starch.matmul %[[E]], %[[F]] : (tensor<3x0xf32>, tensor<0x5xf32>) -> tensor<3x5xf32>
// CHECK: %[[EMPTYM:.*]] = starch.matmul %[[F]], %[[W]] {starch.layer = "model.layers.0"} : (tensor<0x5xf32>, tensor<5x16xf32>) -> tensor<0x16xf32>
// CHECK: %[[LOW:.*]] = starch.matmul %[[H]], %[[G]] : (tensor<2x3xbf16>, tensor<3x2xbf16>) -> tensor<2x2xbf16>
// CHECK: %[[ROUNDED:.*]] = starch.matmul %[[A]], %[[B]] bf16 : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK: return %[[PLAIN]], %[[SCORES]], %[[EMPTYK]], %[[EMPTYM]], %[[LOW]], %[[ROUNDED]]
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %q: tensor<2x4x8x16xf32>, %kt: tensor<2x4x16x8xf32>, %e: tensor<3x0xf32>, %f: tensor<0x5xf32>, %h: tensor<2x3xbf16>, %g: tensor<3x2xbf16>, %w: tensor<5x16xf32>) -> (tensor<4x16xf32>, tensor<2x4x8x8xf32>, tensor<3x5xf32>, tensor<0x16xf32>, tensor<2x2xbf16>, tensor<4x16xf32>) {
  %plain = starch.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %scores = starch.matmul %q, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %emptyk = starch.matmul %e, %f : (tensor<3x0xf32>, tensor<0x5xf32>) -> tensor<3x5xf32>
  %emptym = starch.matmul %f, %w {starch.layer = "model.layers.0"} : (tensor<0x5xf32>, tensor<5x16xf32>) -> tensor<0x16xf32>
  %low = starch.matmul %h, %g : (tensor<2x3xbf16>, tensor<3x2xbf16>) -> tensor<2x2xbf16>
  %rounded = starch.matmul %a, %b bf16 : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %plain, %scores, %emptyk, %emptym, %low, %rounded : tensor<4x16xf32>, tensor<2x4x8x8xf32>, tensor<3x5xf32>, tensor<0x16xf32>, tensor<2x2xbf16>, tensor<4x16xf32>
}

// -----

// Every reduction kind.
// CHECK-LABEL: func.func @reduce_kinds
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>)
// CHECK: %[[SUM:.*]] = starch.reduce sum %[[X]] dims = [2] : tensor<2x4x8xf32> -> tensor<2x4xf32>
// CHECK: %[[MEAN:.*]] = starch.reduce mean %[[X]] dims = [1] : tensor<2x4x8xf32> -> tensor<2x8xf32>
// CHECK: %[[MAX:.*]] = starch.reduce max %[[X]] dims = [0] : tensor<2x4x8xf32> -> tensor<4x8xf32>
// CHECK: %[[MIN:.*]] = starch.reduce min %[[X]] dims = [0, 2] : tensor<2x4x8xf32> -> tensor<4xf32>
// CHECK: %[[PROD:.*]] = starch.reduce prod %[[X]] dims = [1, 2] : tensor<2x4x8xf32> -> tensor<2xf32>
// CHECK: return %[[SUM]], %[[MEAN]], %[[MAX]], %[[MIN]], %[[PROD]]
func.func @reduce_kinds(%x: tensor<2x4x8xf32>) -> (tensor<2x4xf32>, tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<2xf32>) {
  %sum = starch.reduce sum %x dims = [2] : tensor<2x4x8xf32> -> tensor<2x4xf32>
  %mean = starch.reduce mean %x dims = [1] : tensor<2x4x8xf32> -> tensor<2x8xf32>
  %max = starch.reduce max %x dims = [0] : tensor<2x4x8xf32> -> tensor<4x8xf32>
  %min = starch.reduce min %x dims = [0, 2] : tensor<2x4x8xf32> -> tensor<4xf32>
  %prod = starch.reduce prod %x dims = [1, 2] : tensor<2x4x8xf32> -> tensor<2xf32>
  return %sum, %mean, %max, %min, %prod : tensor<2x4xf32>, tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<2xf32>
}

// -----

// Reductions to a scalar, over no dimension, of a scalar, of integers and
// over a zero-size dimension.
// CHECK-LABEL: func.func @reduce_edges
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>, %[[S:.*]]: tensor<f32>, %[[I:.*]]: tensor<6xi64>, %[[Z:.*]]: tensor<3x0xf32>)
// CHECK: %[[ALL:.*]] = starch.reduce sum %[[X]] dims = [0, 1] : tensor<2x4xf32> -> tensor<f32>
// CHECK: %[[NONE:.*]] = starch.reduce max %[[X]] dims = [] : tensor<2x4xf32> -> tensor<2x4xf32>
// CHECK: %[[SCALAR:.*]] = starch.reduce mean %[[S]] dims = [] : tensor<f32> -> tensor<f32>
// CHECK: %[[INTS:.*]] = starch.reduce prod %[[I]] dims = [0] : tensor<6xi64> -> tensor<i64>
// CHECK: %[[EMPTY:.*]] = starch.reduce sum %[[Z]] dims = [1] : tensor<3x0xf32> -> tensor<3xf32>
// CHECK: %[[EMPTYOUT:.*]] = starch.reduce min %[[Z]] dims = [0] : tensor<3x0xf32> -> tensor<0xf32>
// CHECK: return %[[ALL]], %[[NONE]], %[[SCALAR]], %[[INTS]], %[[EMPTY]], %[[EMPTYOUT]]
func.func @reduce_edges(%x: tensor<2x4xf32>, %s: tensor<f32>, %i: tensor<6xi64>, %z: tensor<3x0xf32>) -> (tensor<f32>, tensor<2x4xf32>, tensor<f32>, tensor<i64>, tensor<3xf32>, tensor<0xf32>) {
  %all = starch.reduce sum %x dims = [0, 1] : tensor<2x4xf32> -> tensor<f32>
  %none = starch.reduce max %x dims = [] : tensor<2x4xf32> -> tensor<2x4xf32>
  %scalar = starch.reduce mean %s dims = [] : tensor<f32> -> tensor<f32>
  %ints = starch.reduce prod %i dims = [0] : tensor<6xi64> -> tensor<i64>
  %empty = starch.reduce sum %z dims = [1] : tensor<3x0xf32> -> tensor<3xf32>
  %emptyout = starch.reduce min %z dims = [0] : tensor<3x0xf32> -> tensor<0xf32>
  return %all, %none, %scalar, %ints, %empty, %emptyout : tensor<f32>, tensor<2x4xf32>, tensor<f32>, tensor<i64>, tensor<3xf32>, tensor<0xf32>
}

// -----

// argmax into i64 and i32, of a vector (scalar result), of integers and with
// a zero-size dimension outside the axis.
// CHECK-LABEL: func.func @argmax
// CHECK-SAME: (%[[LOGITS:.*]]: tensor<2x8x128xf32>, %[[V:.*]]: tensor<5xbf16>, %[[I:.*]]: tensor<3x4xi64>, %[[Z:.*]]: tensor<0x4xf32>)
// CHECK: %[[TOKENS:.*]] = starch.argmax %[[LOGITS]] axis = 2 : tensor<2x8x128xf32> -> tensor<2x8xi64>
// CHECK: %[[FIRST:.*]] = starch.argmax %[[LOGITS]] axis = 0 : tensor<2x8x128xf32> -> tensor<8x128xi32>
// CHECK: %[[SCALAR:.*]] = starch.argmax %[[V]] axis = 0 : tensor<5xbf16> -> tensor<i64>
// CHECK: %[[INTS:.*]] = starch.argmax %[[I]] axis = 1 : tensor<3x4xi64> -> tensor<3xi32>
// CHECK: %[[EMPTY:.*]] = starch.argmax %[[Z]] axis = 1 : tensor<0x4xf32> -> tensor<0xi64>
// CHECK: return %[[TOKENS]], %[[FIRST]], %[[SCALAR]], %[[INTS]], %[[EMPTY]]
func.func @argmax(%logits: tensor<2x8x128xf32>, %v: tensor<5xbf16>, %i: tensor<3x4xi64>, %z: tensor<0x4xf32>) -> (tensor<2x8xi64>, tensor<8x128xi32>, tensor<i64>, tensor<3xi32>, tensor<0xi64>) {
  %tokens = starch.argmax %logits axis = 2 : tensor<2x8x128xf32> -> tensor<2x8xi64>
  %first = starch.argmax %logits axis = 0 : tensor<2x8x128xf32> -> tensor<8x128xi32>
  %scalar = starch.argmax %v axis = 0 : tensor<5xbf16> -> tensor<i64>
  %ints = starch.argmax %i axis = 1 : tensor<3x4xi64> -> tensor<3xi32>
  %empty = starch.argmax %z axis = 1 : tensor<0x4xf32> -> tensor<0xi64>
  return %tokens, %first, %scalar, %ints, %empty : tensor<2x8xi64>, tensor<8x128xi32>, tensor<i64>, tensor<3xi32>, tensor<0xi64>
}

// -----

// cumsum inclusive, exclusive, reversed and both, on i64 token flags (the
// placeholder-row index), i32, bf16 and a zero-size dimension.
// CHECK-LABEL: func.func @cumsum
// CHECK-SAME: (%[[FLAGS:.*]]: tensor<64xi64>, %[[X:.*]]: tensor<2x16xf32>, %[[I:.*]]: tensor<3x4xi32>, %[[H:.*]]: tensor<4xbf16>, %[[Z:.*]]: tensor<0x4xf64>)
// CHECK: %[[ROWS:.*]] = starch.cumsum %[[FLAGS]] axis = 0 exclusive : tensor<64xi64>
// CHECK: %[[INCL:.*]] = starch.cumsum %[[X]] axis = 1 : tensor<2x16xf32>
// CHECK: %[[REV:.*]] = starch.cumsum %[[X]] axis = 0 reverse {starch.layer = "model.layers.0"} : tensor<2x16xf32>
// CHECK: %[[BOTH:.*]] = starch.cumsum %[[I]] axis = 1 exclusive reverse : tensor<3x4xi32>
// CHECK: %[[LOW:.*]] = starch.cumsum %[[H]] axis = 0 : tensor<4xbf16>
// CHECK: %[[EMPTY:.*]] = starch.cumsum %[[Z]] axis = 0 reverse : tensor<0x4xf64>
// CHECK: return %[[ROWS]], %[[INCL]], %[[REV]], %[[BOTH]], %[[LOW]], %[[EMPTY]]
func.func @cumsum(%flags: tensor<64xi64>, %x: tensor<2x16xf32>, %i: tensor<3x4xi32>, %h: tensor<4xbf16>, %z: tensor<0x4xf64>) -> (tensor<64xi64>, tensor<2x16xf32>, tensor<2x16xf32>, tensor<3x4xi32>, tensor<4xbf16>, tensor<0x4xf64>) {
  %rows = starch.cumsum %flags axis = 0 exclusive : tensor<64xi64>
  %incl = starch.cumsum %x axis = 1 : tensor<2x16xf32>
  %rev = starch.cumsum %x axis = 0 reverse {starch.layer = "model.layers.0"} : tensor<2x16xf32>
  %both = starch.cumsum %i axis = 1 exclusive reverse : tensor<3x4xi32>
  %low = starch.cumsum %h axis = 0 : tensor<4xbf16>
  %empty = starch.cumsum %z axis = 0 reverse : tensor<0x4xf64>
  return %rows, %incl, %rev, %both, %low, %empty : tensor<64xi64>, tensor<2x16xf32>, tensor<2x16xf32>, tensor<3x4xi32>, tensor<4xbf16>, tensor<0x4xf64>
}

// -----

// softmax and log_softmax along the last, the first and a middle axis, on a
// vector, in low precision and on a zero-size tensor.
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[S:.*]]: tensor<2x4x8x8xf32>, %[[V:.*]]: tensor<16xf32>, %[[H:.*]]: tensor<2x8xbf16>, %[[Z:.*]]: tensor<0x8xf32>)
// CHECK: %[[LAST:.*]] = starch.softmax %[[S]] axis = 3 : tensor<2x4x8x8xf32>
// CHECK: %[[FIRST:.*]] = starch.softmax %[[S]] axis = 0 : tensor<2x4x8x8xf32>
// CHECK: %[[VEC:.*]] = starch.softmax %[[V]] axis = 0 : tensor<16xf32>
// CHECK: %[[LOW:.*]] = starch.softmax %[[H]] axis = 1 {starch.layer = "model.layers.1"} : tensor<2x8xbf16>
// CHECK: %[[EMPTY:.*]] = starch.softmax %[[Z]] axis = 1 : tensor<0x8xf32>
// CHECK: %[[LOGLAST:.*]] = starch.log_softmax %[[S]] axis = 3 : tensor<2x4x8x8xf32>
// CHECK: %[[LOGMID:.*]] = starch.log_softmax %[[S]] axis = 1 : tensor<2x4x8x8xf32>
// CHECK: %[[LOGVEC:.*]] = starch.log_softmax %[[V]] axis = 0 : tensor<16xf32>
// CHECK: %[[LOGLOW:.*]] = starch.log_softmax %[[H]] axis = 0 : tensor<2x8xbf16>
// CHECK: %[[LOGEMPTY:.*]] = starch.log_softmax %[[Z]] axis = 0 : tensor<0x8xf32>
// CHECK: return %[[LAST]], %[[FIRST]], %[[VEC]], %[[LOW]], %[[EMPTY]], %[[LOGLAST]], %[[LOGMID]], %[[LOGVEC]], %[[LOGLOW]], %[[LOGEMPTY]]
func.func @softmax(%s: tensor<2x4x8x8xf32>, %v: tensor<16xf32>, %h: tensor<2x8xbf16>, %z: tensor<0x8xf32>) -> (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<16xf32>, tensor<2x8xbf16>, tensor<0x8xf32>, tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<16xf32>, tensor<2x8xbf16>, tensor<0x8xf32>) {
  %last = starch.softmax %s axis = 3 : tensor<2x4x8x8xf32>
  %first = starch.softmax %s axis = 0 : tensor<2x4x8x8xf32>
  %vec = starch.softmax %v axis = 0 : tensor<16xf32>
  %low = starch.softmax %h axis = 1 {starch.layer = "model.layers.1"} : tensor<2x8xbf16>
  %empty = starch.softmax %z axis = 1 : tensor<0x8xf32>
  %loglast = starch.log_softmax %s axis = 3 : tensor<2x4x8x8xf32>
  %logmid = starch.log_softmax %s axis = 1 : tensor<2x4x8x8xf32>
  %logvec = starch.log_softmax %v axis = 0 : tensor<16xf32>
  %loglow = starch.log_softmax %h axis = 0 : tensor<2x8xbf16>
  %logempty = starch.log_softmax %z axis = 0 : tensor<0x8xf32>
  return %last, %first, %vec, %low, %empty, %loglast, %logmid, %logvec, %loglow, %logempty : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<16xf32>, tensor<2x8xbf16>, tensor<0x8xf32>, tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>, tensor<16xf32>, tensor<2x8xbf16>, tensor<0x8xf32>
}
