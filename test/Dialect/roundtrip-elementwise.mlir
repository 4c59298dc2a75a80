// Round trip of every elementwise op (unary, gelu, binary), in the custom and
// in the generic form, on scalars, zero-size tensors and every element type
// an op accepts.
// RUN: starch-opt %s -split-input-file | starch-opt -split-input-file | FileCheck %s
// RUN: starch-opt %s -split-input-file --mlir-print-op-generic | starch-opt -split-input-file | FileCheck %s

// The float-only unary ops, chained so that each reads the previous result.
// CHECK-LABEL: func.func @float_unary
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[EXP:.*]] = starch.exp %[[X]] : tensor<2x8xf32>
// CHECK: %[[LOG:.*]] = starch.log %[[EXP]] : tensor<2x8xf32>
// CHECK: %[[SQRT:.*]] = starch.sqrt %[[LOG]] : tensor<2x8xf32>
// CHECK: %[[RSQRT:.*]] = starch.rsqrt %[[SQRT]] : tensor<2x8xf32>
// CHECK: %[[RECIP:.*]] = starch.reciprocal %[[RSQRT]] : tensor<2x8xf32>
// CHECK: %[[TANH:.*]] = starch.tanh %[[RECIP]] : tensor<2x8xf32>
// CHECK: %[[ERF:.*]] = starch.erf %[[TANH]] : tensor<2x8xf32>
// CHECK: %[[SIN:.*]] = starch.sin %[[ERF]] : tensor<2x8xf32>
// CHECK: %[[COS:.*]] = starch.cos %[[SIN]] : tensor<2x8xf32>
// CHECK: %[[SIGMOID:.*]] = starch.sigmoid %[[COS]] : tensor<2x8xf32>
// CHECK: %[[RELU:.*]] = starch.relu %[[SIGMOID]] : tensor<2x8xf32>
// CHECK: %[[FLOOR:.*]] = starch.floor %[[RELU]] : tensor<2x8xf32>
// CHECK: %[[CEIL:.*]] = starch.ceil %[[FLOOR]] : tensor<2x8xf32>
// CHECK: %[[SILU:.*]] = starch.silu %[[CEIL]] : tensor<2x8xf32>
// CHECK: return %[[SILU]]
func.func @float_unary(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %exp = starch.exp %x : tensor<2x8xf32>
  %log = starch.log %exp : tensor<2x8xf32>
  %sqrt = starch.sqrt %log : tensor<2x8xf32>
  %rsqrt = starch.rsqrt %sqrt : tensor<2x8xf32>
  %recip = starch.reciprocal %rsqrt : tensor<2x8xf32>
  %tanh = starch.tanh %recip : tensor<2x8xf32>
  %erf = starch.erf %tanh : tensor<2x8xf32>
  %sin = starch.sin %erf : tensor<2x8xf32>
  %cos = starch.cos %sin : tensor<2x8xf32>
  %sigmoid = starch.sigmoid %cos : tensor<2x8xf32>
  %relu = starch.relu %sigmoid : tensor<2x8xf32>
  %floor = starch.floor %relu : tensor<2x8xf32>
  %ceil = starch.ceil %floor : tensor<2x8xf32>
  %silu = starch.silu %ceil : tensor<2x8xf32>
  return %silu : tensor<2x8xf32>
}

// -----

// Float-only unary ops on a scalar, a zero-size tensor and low precision.
// CHECK-LABEL: func.func @float_unary_edges
// CHECK-SAME: (%[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<0x4xf32>, %[[B:.*]]: tensor<4xbf16>, %[[H:.*]]: tensor<4xf16>, %[[D:.*]]: tensor<4xf64>)
// CHECK: %[[R0:.*]] = starch.rsqrt %[[S]] : tensor<f32>
// CHECK: %[[R1:.*]] = starch.exp %[[Z]] : tensor<0x4xf32>
// CHECK: %[[R2:.*]] = starch.silu %[[B]] : tensor<4xbf16>
// CHECK: %[[R3:.*]] = starch.erf %[[H]] : tensor<4xf16>
// CHECK: %[[R4:.*]] = starch.log %[[D]] : tensor<4xf64>
// CHECK: return %[[R0]], %[[R1]], %[[R2]], %[[R3]], %[[R4]]
func.func @float_unary_edges(%s: tensor<f32>, %z: tensor<0x4xf32>, %b: tensor<4xbf16>, %h: tensor<4xf16>, %d: tensor<4xf64>) -> (tensor<f32>, tensor<0x4xf32>, tensor<4xbf16>, tensor<4xf16>, tensor<4xf64>) {
  %r0 = starch.rsqrt %s : tensor<f32>
  %r1 = starch.exp %z : tensor<0x4xf32>
  %r2 = starch.silu %b : tensor<4xbf16>
  %r3 = starch.erf %h : tensor<4xf16>
  %r4 = starch.log %d : tensor<4xf64>
  return %r0, %r1, %r2, %r3, %r4 : tensor<f32>, tensor<0x4xf32>, tensor<4xbf16>, tensor<4xf16>, tensor<4xf64>
}

// -----

// neg, abs and sign take any element type; not takes i1.
// CHECK-LABEL: func.func @any_type_unary
// CHECK-SAME: (%[[F:.*]]: tensor<3xf32>, %[[I:.*]]: tensor<3xi64>, %[[S:.*]]: tensor<i32>, %[[M:.*]]: tensor<2x3xi1>)
// CHECK: %[[NEGF:.*]] = starch.neg %[[F]] : tensor<3xf32>
// CHECK: %[[NEGI:.*]] = starch.neg %[[I]] : tensor<3xi64>
// CHECK: %[[ABSF:.*]] = starch.abs %[[NEGF]] : tensor<3xf32>
// CHECK: %[[ABSI:.*]] = starch.abs %[[NEGI]] : tensor<3xi64>
// CHECK: %[[SIGNF:.*]] = starch.sign %[[ABSF]] : tensor<3xf32>
// CHECK: %[[SIGNI:.*]] = starch.sign %[[ABSI]] : tensor<3xi64>
// CHECK: %[[SIGNS:.*]] = starch.sign %[[S]] : tensor<i32>
// CHECK: %[[NOT:.*]] = starch.not %[[M]] : tensor<2x3xi1>
// CHECK: return %[[SIGNF]], %[[SIGNI]], %[[SIGNS]], %[[NOT]]
func.func @any_type_unary(%f: tensor<3xf32>, %i: tensor<3xi64>, %s: tensor<i32>, %m: tensor<2x3xi1>) -> (tensor<3xf32>, tensor<3xi64>, tensor<i32>, tensor<2x3xi1>) {
  %negf = starch.neg %f : tensor<3xf32>
  %negi = starch.neg %i : tensor<3xi64>
  %absf = starch.abs %negf : tensor<3xf32>
  %absi = starch.abs %negi : tensor<3xi64>
  %signf = starch.sign %absf : tensor<3xf32>
  %signi = starch.sign %absi : tensor<3xi64>
  %signs = starch.sign %s : tensor<i32>
  %not = starch.not %m : tensor<2x3xi1>
  return %signf, %signi, %signs, %not : tensor<3xf32>, tensor<3xi64>, tensor<i32>, tensor<2x3xi1>
}

// -----

// gelu with each approximation: none (erf), tanh, sigmoid (quick_gelu).
// CHECK-LABEL: func.func @gelu
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[S:.*]]: tensor<f32>, %[[B:.*]]: tensor<8xbf16>)
// CHECK: %[[NONE:.*]] = starch.gelu %[[X]] approximate = none : tensor<2x4x8xf32>
// CHECK: %[[TANH:.*]] = starch.gelu %[[NONE]] approximate = tanh : tensor<2x4x8xf32>
// CHECK: %[[SIGMOID:.*]] = starch.gelu %[[TANH]] approximate = sigmoid : tensor<2x4x8xf32>
// CHECK: %[[SCALAR:.*]] = starch.gelu %[[S]] approximate = tanh : tensor<f32>
// CHECK: %[[LOW:.*]] = starch.gelu %[[B]] approximate = none {starch.layer = "model.layers.3"} : tensor<8xbf16>
// CHECK: return %[[SIGMOID]], %[[SCALAR]], %[[LOW]]
func.func @gelu(%x: tensor<2x4x8xf32>, %s: tensor<f32>, %b: tensor<8xbf16>) -> (tensor<2x4x8xf32>, tensor<f32>, tensor<8xbf16>) {
  %none = starch.gelu %x approximate = none : tensor<2x4x8xf32>
  %tanh = starch.gelu %none approximate = tanh : tensor<2x4x8xf32>
  %sigmoid = starch.gelu %tanh approximate = sigmoid : tensor<2x4x8xf32>
  %scalar = starch.gelu %s approximate = tanh : tensor<f32>
  %low = starch.gelu %b approximate = none {starch.layer = "model.layers.3"} : tensor<8xbf16>
  return %sigmoid, %scalar, %low : tensor<2x4x8xf32>, tensor<f32>, tensor<8xbf16>
}

// -----

// The arithmetic binary ops on floats.
// CHECK-LABEL: func.func @float_binary
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<4x8xf32>)
// CHECK: %[[ADD:.*]] = starch.add %[[A]], %[[B]] : tensor<4x8xf32>
// CHECK: %[[SUB:.*]] = starch.sub %[[ADD]], %[[B]] : tensor<4x8xf32>
// CHECK: %[[MUL:.*]] = starch.mul %[[SUB]], %[[A]] : tensor<4x8xf32>
// CHECK: %[[DIV:.*]] = starch.div %[[MUL]], %[[B]] : tensor<4x8xf32>
// CHECK: %[[REM:.*]] = starch.rem %[[DIV]], %[[B]] : tensor<4x8xf32>
// CHECK: %[[POW:.*]] = starch.pow %[[REM]], %[[A]] : tensor<4x8xf32>
// CHECK: %[[MAX:.*]] = starch.max %[[POW]], %[[B]] : tensor<4x8xf32>
// CHECK: %[[MIN:.*]] = starch.min %[[MAX]], %[[A]] : tensor<4x8xf32>
// CHECK: return %[[MIN]]
func.func @float_binary(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %add = starch.add %a, %b : tensor<4x8xf32>
  %sub = starch.sub %add, %b : tensor<4x8xf32>
  %mul = starch.mul %sub, %a : tensor<4x8xf32>
  %div = starch.div %mul, %b : tensor<4x8xf32>
  %rem = starch.rem %div, %b : tensor<4x8xf32>
  %pow = starch.pow %rem, %a : tensor<4x8xf32>
  %max = starch.max %pow, %b : tensor<4x8xf32>
  %min = starch.min %max, %a : tensor<4x8xf32>
  return %min : tensor<4x8xf32>
}

// -----

// The arithmetic binary ops on integers, scalars and zero-size tensors.
// CHECK-LABEL: func.func @integer_and_edge_binary
// CHECK-SAME: (%[[I:.*]]: tensor<5xi64>, %[[J:.*]]: tensor<5xi64>, %[[S:.*]]: tensor<f32>, %[[Z:.*]]: tensor<2x0xf32>, %[[H:.*]]: tensor<4xf16>)
// CHECK: %[[ADD:.*]] = starch.add %[[I]], %[[J]] : tensor<5xi64>
// CHECK: %[[SUB:.*]] = starch.sub %[[ADD]], %[[J]] : tensor<5xi64>
// CHECK: %[[MUL:.*]] = starch.mul %[[SUB]], %[[I]] : tensor<5xi64>
// CHECK: %[[DIV:.*]] = starch.div %[[MUL]], %[[J]] : tensor<5xi64>
// CHECK: %[[REM:.*]] = starch.rem %[[DIV]], %[[J]] : tensor<5xi64>
// CHECK: %[[POW:.*]] = starch.pow %[[REM]], %[[I]] : tensor<5xi64>
// CHECK: %[[MAX:.*]] = starch.max %[[POW]], %[[J]] : tensor<5xi64>
// CHECK: %[[MIN:.*]] = starch.min %[[MAX]], %[[I]] : tensor<5xi64>
// CHECK: %[[SCALAR:.*]] = starch.mul %[[S]], %[[S]] : tensor<f32>
// CHECK: %[[EMPTY:.*]] = starch.add %[[Z]], %[[Z]] : tensor<2x0xf32>
// CHECK: %[[HALF:.*]] = starch.div %[[H]], %[[H]] : tensor<4xf16>
// CHECK: return %[[MIN]], %[[SCALAR]], %[[EMPTY]], %[[HALF]]
func.func @integer_and_edge_binary(%i: tensor<5xi64>, %j: tensor<5xi64>, %s: tensor<f32>, %z: tensor<2x0xf32>, %h: tensor<4xf16>) -> (tensor<5xi64>, tensor<f32>, tensor<2x0xf32>, tensor<4xf16>) {
  %add = starch.add %i, %j : tensor<5xi64>
  %sub = starch.sub %add, %j : tensor<5xi64>
  %mul = starch.mul %sub, %i : tensor<5xi64>
  %div = starch.div %mul, %j : tensor<5xi64>
  %rem = starch.rem %div, %j : tensor<5xi64>
  %pow = starch.pow %rem, %i : tensor<5xi64>
  %max = starch.max %pow, %j : tensor<5xi64>
  %min = starch.min %max, %i : tensor<5xi64>
  %scalar = starch.mul %s, %s : tensor<f32>
  %empty = starch.add %z, %z : tensor<2x0xf32>
  %half = starch.div %h, %h : tensor<4xf16>
  return %min, %scalar, %empty, %half : tensor<5xi64>, tensor<f32>, tensor<2x0xf32>, tensor<4xf16>
}

// -----

// The boolean binary ops.
// CHECK-LABEL: func.func @boolean_binary
// CHECK-SAME: (%[[P:.*]]: tensor<2x3xi1>, %[[Q:.*]]: tensor<2x3xi1>, %[[S:.*]]: tensor<i1>)
// CHECK: %[[AND:.*]] = starch.and %[[P]], %[[Q]] : tensor<2x3xi1>
// CHECK: %[[OR:.*]] = starch.or %[[AND]], %[[Q]] : tensor<2x3xi1>
// CHECK: %[[XOR:.*]] = starch.xor %[[OR]], %[[P]] : tensor<2x3xi1>
// CHECK: %[[SCALAR:.*]] = starch.and %[[S]], %[[S]] : tensor<i1>
// CHECK: return %[[XOR]], %[[SCALAR]]
func.func @boolean_binary(%p: tensor<2x3xi1>, %q: tensor<2x3xi1>, %s: tensor<i1>) -> (tensor<2x3xi1>, tensor<i1>) {
  %and = starch.and %p, %q : tensor<2x3xi1>
  %or = starch.or %and, %q : tensor<2x3xi1>
  %xor = starch.xor %or, %p : tensor<2x3xi1>
  %scalar = starch.and %s, %s : tensor<i1>
  return %xor, %scalar : tensor<2x3xi1>, tensor<i1>
}
