// RUN: starch-opt %s -split-input-file -verify-diagnostics

// Elementwise ops: identical operand shapes, no implicit broadcast.

func.func @compare_result_shape(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<8x4xi1> {
  // expected-error @below {{'starch.compare' op operand #0 has shape 4x8 but the result has shape 8x4; elementwise operands need the result's shape (broadcast explicitly)}}
  %0 = starch.compare lt, %a, %b : tensor<4x8xf32> -> tensor<8x4xi1>
  return %0 : tensor<8x4xi1>
}

// -----

func.func @select_condition_shape(%c: tensor<4xi1>, %a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'starch.select' op operand #0 has shape 4 but the result has shape 4x8; elementwise operands need the result's shape (broadcast explicitly)}}
  %0 = starch.select %c, %a, %a : tensor<4xi1>, tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @convert_shape(%a: tensor<4x8xf32>) -> tensor<32xi32> {
  // expected-error @below {{'starch.convert' op operand #0 has shape 4x8 but the result has shape 32; elementwise operands need the result's shape (broadcast explicitly)}}
  %0 = starch.convert %a : tensor<4x8xf32> -> tensor<32xi32>
  return %0 : tensor<32xi32>
}

// -----

// ODS constraints, written in the generic form because the custom form
// cannot even spell them.

func.func @binary_shapes_differ(%a: tensor<4x8xf32>, %b: tensor<1x8xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'starch.add' op failed to verify that all of {lhs, rhs, result} have same type}}
  %0 = "starch.add"(%a, %b) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @binary_element_types_differ(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @below {{'starch.mul' op failed to verify that all of {lhs, rhs, result} have same type}}
  %0 = "starch.mul"(%a, %b) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unary_result_type(%a: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @below {{'starch.tanh' op requires the same type for all operands and results}}
  %0 = "starch.tanh"(%a) : (tensor<4xf32>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @float_op_on_integers(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @below {{'starch.exp' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = starch.exp %a : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @gelu_on_integers(%a: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @below {{'starch.gelu' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4xi64>'}}
  %0 = starch.gelu %a approximate = tanh : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @not_on_floats(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'starch.not' op operand #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = starch.not %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @and_on_integers(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @below {{'starch.and' op operand #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xi32>'}}
  %0 = starch.and %a, %a : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @dynamic_shape(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @below {{'starch.neg' op operand #0 must be statically shaped tensor of any type values, but got 'tensor<?x8xf32>'}}
  %0 = starch.neg %a : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @compare_operands_differ(%a: tensor<4xf32>, %b: tensor<4xi32>) -> tensor<4xi1> {
  // expected-error @below {{'starch.compare' op failed to verify that all of {lhs, rhs} have same type}}
  %0 = "starch.compare"(%a, %b) <{direction = 0 : i32}> : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @compare_result_not_bool(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'starch.compare' op result #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = starch.compare eq, %a, %a : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_scalar_condition(%c: tensor<i1>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'starch.select' op operand #0 has shape scalar but the result has shape 4; elementwise operands need the result's shape (broadcast explicitly)}}
  %0 = starch.select %c, %a, %a : tensor<i1>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @compare_direction_unknown(%a: tensor<4xf32>) -> tensor<4xi1> {
  // expected-error @below {{expected string or keyword containing one of the following enum values for attribute 'direction' [eq, ne, lt, le, gt, ge]}}
  %0 = starch.compare lte, %a, %a : tensor<4xf32> -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @select_condition_not_bool(%c: tensor<4xf32>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'starch.select' op operand #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = starch.select %c, %a, %a : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_values_differ(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @below {{'starch.select' op failed to verify that all of {on_true, on_false, result} have same type}}
  %0 = "starch.select"(%c, %a, %b) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
