// Every verifier path of the training ops.
// RUN: starch-opt %s -split-input-file -verify-diagnostics

func.func @labels_shape(%x: tensor<2x7x5xf32>, %y: tensor<2x6xi64>) -> tensor<f32> {
  // expected-error @below {{'starch.cross_entropy' op labels have shape 2x6 but logits of shape ... x 5 need 2x7}}
  %0 = starch.cross_entropy %x, %y ignore_index = -100 : (tensor<2x7x5xf32>, tensor<2x6xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @scalar_logits(%x: tensor<f32>, %y: tensor<i64>) -> tensor<f32> {
  // expected-error @below {{'starch.cross_entropy' op logits are a scalar; they need a class dimension}}
  %0 = starch.cross_entropy %x, %y ignore_index = -100 : (tensor<f32>, tensor<i64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @loss_not_scalar(%x: tensor<3x5xf32>, %y: tensor<3xi64>) -> tensor<1xf32> {
  // expected-error @below {{'starch.cross_entropy' op result has type 'tensor<1xf32>' but the loss is a 0-d tensor of 'f32'}}
  %0 = starch.cross_entropy %x, %y ignore_index = -100 : (tensor<3x5xf32>, tensor<3xi64>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @grad_cotangent(%x: tensor<3x5xf32>, %y: tensor<3xi64>, %d: tensor<f64>) -> tensor<3x5xf32> {
  // expected-error @below {{'starch.cross_entropy_grad' op cotangent has type 'tensor<f64>' but must be a 0-d tensor of 'f32'}}
  %0 = starch.cross_entropy_grad %x, %y, %d ignore_index = -100 : (tensor<3x5xf32>, tensor<3xi64>, tensor<f64>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @grad_result(%x: tensor<3x5xf32>, %y: tensor<3xi64>, %d: tensor<f32>) -> tensor<3x4xf32> {
  // expected-error @below {{'starch.cross_entropy_grad' op result has type 'tensor<3x4xf32>' but must have the logits' type 'tensor<3x5xf32>'}}
  %0 = starch.cross_entropy_grad %x, %y, %d ignore_index = -100 : (tensor<3x5xf32>, tensor<3xi64>, tensor<f32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @grad_labels(%x: tensor<3x5xf32>, %y: tensor<5xi64>, %d: tensor<f32>) -> tensor<3x5xf32> {
  // expected-error @below {{'starch.cross_entropy_grad' op labels have shape 5 but logits of shape ... x 5 need 3}}
  %0 = starch.cross_entropy_grad %x, %y, %d ignore_index = -100 : (tensor<3x5xf32>, tensor<5xi64>, tensor<f32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @betas(%p: tensor<4xf32>, %lr: tensor<f64>, %s: tensor<i64>) {
  // expected-error @below {{'starch.adamw' op betas (1, 0.999) must lie in [0, 1)}}
  %u:3 = starch.adamw %p, %p, %p, %p, %lr, %s beta1 = 1.0 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = 0.0 : tensor<4xf32>, tensor<f64>, tensor<i64>
  return
}

// -----

func.func @epsilon(%p: tensor<4xf32>, %lr: tensor<f64>, %s: tensor<i64>) {
  // expected-error @below {{'starch.adamw' op epsilon = 0 must be finite and > 0}}
  %u:3 = starch.adamw %p, %p, %p, %p, %lr, %s beta1 = 0.9 beta2 = 0.999 epsilon = 0.0 weight_decay = 0.0 : tensor<4xf32>, tensor<f64>, tensor<i64>
  return
}

// -----

func.func @decay(%p: tensor<4xf32>, %lr: tensor<f64>, %s: tensor<i64>) {
  // expected-error @below {{'starch.adamw' op weight_decay = -0.1 must be finite and >= 0}}
  %u:3 = starch.adamw %p, %p, %p, %p, %lr, %s beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = -0.1 : tensor<4xf32>, tensor<f64>, tensor<i64>
  return
}

// -----

starch.param @w : tensor<4xf32>
func.func @write_type(%v: tensor<5xf32>) {
  // expected-error @below {{'starch.write_param' op writes a value of type 'tensor<5xf32>' but @w is declared as 'tensor<4xf32>'}}
  starch.write_param @w, %v : tensor<5xf32>
  return
}

// -----

func.func @write_unknown(%v: tensor<5xf32>) {
  // expected-error @below {{'starch.write_param' op refers to @nowhere, which is not a starch.param}}
  starch.write_param @nowhere, %v : tensor<5xf32>
  return
}

// -----

func.func @grad_scale_type(%p: tensor<4xf32>, %lr: tensor<f64>, %s: tensor<i64>, %clip: tensor<f64>) {
  // expected-error @below {{'starch.adamw' op grad_scale has type 'tensor<f64>' but must be a 0-d tensor of 'f32'}}
  %u:3 = starch.adamw %p, %p, %p, %p, %lr, %s beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = 0.0 grad_scale = %clip : tensor<f64> : tensor<4xf32>, tensor<f64>, tensor<i64>
  return
}

// -----

func.func @block_start_type(%l: tensor<4x8xf32>, %y: tensor<4xi64>, %s: tensor<1xi32>, %m: tensor<4xf32>) -> tensor<4x2xf64> {
  // expected-error @below {{'starch.cross_entropy_block' op start has type 'tensor<1xi32>' but must be one element of the labels' type 'i64'}}
  %0 = starch.cross_entropy_block %l, %y, %s, %m : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi32>, tensor<4xf32>) -> tensor<4x2xf64>
  return %0 : tensor<4x2xf64>
}

// -----

func.func @block_max_shape(%l: tensor<4x8xf32>, %y: tensor<4xi64>, %s: tensor<1xi64>, %m: tensor<8xf32>) -> tensor<4x2xf64> {
  // expected-error @below {{'starch.cross_entropy_block' op max has type 'tensor<8xf32>' but must be one logit per position ('tensor<4xf32>')}}
  %0 = starch.cross_entropy_block %l, %y, %s, %m : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi64>, tensor<8xf32>) -> tensor<4x2xf64>
  return %0 : tensor<4x2xf64>
}

// -----

func.func @block_sums_shape(%l: tensor<4x8xf32>, %y: tensor<4xi64>, %s: tensor<1xi64>, %m: tensor<4xf32>) -> tensor<4x3xf64> {
  // expected-error @below {{'starch.cross_entropy_block' op result has type 'tensor<4x3xf64>' but must hold two sums per position ('tensor<4x2xf64>')}}
  %0 = starch.cross_entropy_block %l, %y, %s, %m : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi64>, tensor<4xf32>) -> tensor<4x3xf64>
  return %0 : tensor<4x3xf64>
}

// -----

func.func @block_grad_result(%l: tensor<4x8xf32>, %y: tensor<4xi64>, %s: tensor<1xi64>, %m: tensor<4xf32>, %d: tensor<4x2xf64>) -> tensor<4x8xf64> {
  // expected-error @below {{'starch.cross_entropy_block_grad' op result has type 'tensor<4x8xf64>' but must have the logits' type 'tensor<4x8xf32>'}}
  %0 = starch.cross_entropy_block_grad %l, %y, %s, %m, %d : (tensor<4x8xf32>, tensor<4xi64>, tensor<1xi64>, tensor<4xf32>, tensor<4x2xf64>) -> tensor<4x8xf64>
  return %0 : tensor<4x8xf64>
}

// -----

func.func @gather_offset_type(%t: tensor<8x3xf32>, %i: tensor<4xi64>, %o: tensor<2xi64>) -> tensor<4x3xf32> {
  // expected-error @below {{'starch.gather' op offset has type 'tensor<2xi64>' but must be one element of the indices' type 'i64'}}
  %0 = starch.gather %t[%i] axis = 0 offset = %o : tensor<2xi64> : (tensor<8x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}
