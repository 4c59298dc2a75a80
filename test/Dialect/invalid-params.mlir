// RUN: starch-opt %s -split-input-file -verify-diagnostics

// Parameter symbols, constants and iota.

module {
  func.func @not_a_param() -> () {
    return
  }
  func.func @reads_a_function() -> tensor<4xf32> {
    // expected-error @below {{'starch.read_param' op refers to @not_a_param, which is not a starch.param}}
    %0 = starch.read_param @not_a_param : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

// -----

func.func @reads_nothing() -> tensor<4xf32> {
  // expected-error @below {{'starch.read_param' op refers to @missing, which is not a starch.param}}
  %0 = starch.read_param @missing : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

module {
  starch.param @w : tensor<4x8xf32>
  func.func @wrong_type() -> tensor<8x4xf32> {
    // expected-error @below {{'starch.read_param' op has type 'tensor<8x4xf32>' but @w is declared as 'tensor<4x8xf32>'}}
    %0 = starch.read_param @w : tensor<8x4xf32>
    return %0 : tensor<8x4xf32>
  }
}

// -----

module {
  starch.param @w : tensor<4xf32>
  func.func @wrong_element_type() -> tensor<4xbf16> {
    // expected-error @below {{'starch.read_param' op has type 'tensor<4xbf16>' but @w is declared as 'tensor<4xf32>'}}
    %0 = starch.read_param @w : tensor<4xbf16>
    return %0 : tensor<4xbf16>
  }
}

// -----

// Parameters have static shapes (ODS constraint on `type`).

// expected-error @below {{'starch.param' op attribute 'type' failed to satisfy constraint: type attribute of statically shaped tensor of any type values}}
starch.param @dynamic : tensor<?x8xf32>

// -----

func.func @read_param_dynamic() -> tensor<?xf32> {
  // expected-error @below {{'starch.read_param' op result #0 must be statically shaped tensor of any type values, but got 'tensor<?xf32>'}}
  %0 = "starch.read_param"() <{name = @w}> : () -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @constant_type_mismatch() -> tensor<4xf32> {
  // expected-error @below {{'starch.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "starch.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @iota_dim_out_of_range() -> tensor<2x16xi64> {
  // expected-error @below {{'starch.iota' op dim 2 is outside the dimensions [0, 2) of 2x16}}
  %0 = starch.iota dim = 2 : tensor<2x16xi64>
  return %0 : tensor<2x16xi64>
}

// -----

func.func @iota_negative_dim() -> tensor<16xi64> {
  // expected-error @below {{'starch.iota' op dim -1 is outside the dimensions [0, 1) of 16}}
  %0 = starch.iota dim = -1 : tensor<16xi64>
  return %0 : tensor<16xi64>
}

// -----

func.func @iota_scalar() -> tensor<i64> {
  // expected-error @below {{'starch.iota' op dim 0 is outside the dimensions [0, 0) of scalar}}
  %0 = starch.iota dim = 0 : tensor<i64>
  return %0 : tensor<i64>
}

// -----

func.func @iota_bool() -> tensor<4xi1> {
  // expected-error @below {{'starch.iota' op result element type 'i1' cannot hold indices; iota needs an integer (wider than i1) or float element type}}
  %0 = starch.iota dim = 0 : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @iota_index() -> tensor<4xindex> {
  // expected-error @below {{'starch.iota' op result element type 'index' cannot hold indices; iota needs an integer (wider than i1) or float element type}}
  %0 = starch.iota dim = 0 : tensor<4xindex>
  return %0 : tensor<4xindex>
}
